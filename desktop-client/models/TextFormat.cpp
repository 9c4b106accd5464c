#include "TextFormat.h"

#include "protocol/Codes.h"
#include "validation/UrlEncoding.h"

#include <QRegularExpression>

namespace ic::desktop {

QString decodeText(const QString &wire)
{
    bool ok = false;
    const QString decoded = validation::urlDecode(wire, &ok);
    return ok ? decoded : wire;
}

std::optional<DrawingRef> parseDrawingText(const QString &decoded)
{
    if (!decoded.startsWith(proto::drawingMarker))
        return std::nullopt;
    const QString rest = decoded.mid(proto::drawingMarker.size());
    const qsizetype at = rest.lastIndexOf(QLatin1Char('@'));
    if (at <= 0 || at == rest.size() - 1)
        return std::nullopt;
    return DrawingRef{rest.left(at), rest.mid(at + 1)};
}

QString drawingText(const QString &fileName, const QString &groupPrefix)
{
    return proto::drawingMarker + fileName + QLatin1Char('@') + groupPrefix;
}

QList<LinkSpan> findLinks(const QString &text)
{
    static const QRegularExpression re(QStringLiteral(R"(https?://[^\s<>"]+)"),
                                       QRegularExpression::CaseInsensitiveOption);
    QList<LinkSpan> links;
    auto it = re.globalMatch(text);
    while (it.hasNext()) {
        const auto match = it.next();
        QString url = match.captured();
        // Strip trailing punctuation that belongs to the sentence, and a closing bracket that
        // has no opening partner inside the link ("(see https://x.org/a)").
        while (!url.isEmpty()) {
            const QChar last = url.back();
            // A link never ends in `*` (the closing marker of a bold or italic link).
            if (QStringLiteral(".,;:!?'*").contains(last)) {
                url.chop(1);
                continue;
            }
            if (last == QLatin1Char(')') &&
                url.count(QLatin1Char('(')) < url.count(QLatin1Char(')'))) {
                url.chop(1);
                continue;
            }
            if (last == QLatin1Char(']') &&
                url.count(QLatin1Char('[')) < url.count(QLatin1Char(']'))) {
                url.chop(1);
                continue;
            }
            break;
        }
        if (url.size() > 8)
            links.append({match.capturedStart(), url.size(), url});
    }
    return links;
}

bool isSingleEmoji(const QString &text)
{
    const QString t = text.trimmed();
    if (t.isEmpty() || t.size() > 16)
        return false;
    int glyphs = 0; // emoji that start a new visible glyph
    int regionalIndicators = 0;
    bool afterJoiner = false;
    for (const uint cp : t.toUcs4()) {
        if (cp == 0x200D) {
            afterJoiner = true;
            continue;
        }
        if ((cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0x1F3FB && cp <= 0x1F3FF))
            continue; // variation selectors, skin tones
        const bool flagPart = cp >= 0x1F1E6 && cp <= 0x1F1FF;
        const bool emoji = (cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0x2600 && cp <= 0x27BF);
        if (!emoji)
            return false;
        if (flagPart) {
            // Two regional indicators form one flag.
            if (regionalIndicators++ % 2 == 0 && !afterJoiner)
                ++glyphs;
        } else if (!afterJoiner) {
            ++glyphs;
        }
        afterJoiner = false;
    }
    const bool sawEmoji = glyphs == 1;
    return sawEmoji;
}

QString snippet(const QString &text, int n)
{
    QString oneLine = text.simplified();
    if (oneLine.size() <= n)
        return oneLine;
    return oneLine.left(n) + QChar(0x2026);
}

} // namespace ic::desktop
