#pragma once
// Text helpers shared by the models and the views, kept free of widgets so they are testable.

#include <QList>
#include <QString>

namespace ic::desktop {

struct DrawingRef
{
    QString fileName;
    QString groupPrefix;
};

// Decodes a message text as v1 clients encode it; undecodable text is shown as sent.
QString decodeText(const QString &wire);
// `$#$meta_marker_is_drawing$#$name@group` (after decoding) → the parts; nullopt otherwise.
std::optional<DrawingRef> parseDrawingText(const QString &decoded);
QString drawingText(const QString &fileName, const QString &groupPrefix);

// A clickable link inside a text: [start, start+length).
struct LinkSpan
{
    qsizetype start = 0;
    qsizetype length = 0;
    QString url;
};
// http(s) links; trailing punctuation (.,;:!?) or `*` and an unbalanced closing bracket are not
// part of the link (a link at the end of a sentence must still open).
QList<LinkSpan> findLinks(const QString &text);
// True when the text is one emoji (optionally with variation selectors / ZWJ sequence),
// which the view draws enlarged.
bool isSingleEmoji(const QString &text);
// First `n` characters of a text on one line, with an ellipsis when cut.
QString snippet(const QString &text, int n = 30);

} // namespace ic::desktop
