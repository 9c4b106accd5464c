#pragma once
// Draws a message card (author, tags, time, "(edited)", reply/quote, text with links or a
// drawing, vote pills, per-message actions) or a compact notice, with day separators and
// grouping of consecutive messages. One geometry function serves painting, size hints and
// clicks, so what is drawn is exactly what is clickable.

#include "PlainText.h"

#include <QHash>
#include <QTextDocument>
#include <memory>

class QTextDocument;

namespace ic::desktop {

class MessageDelegate : public PlainTipDelegate
{
    Q_OBJECT
public:
    enum class Action { Support, Reject, Reply, Quote, Edit, Delete, JumpToQuote, OpenDrawing };
    Q_ENUM(Action)

    explicit MessageDelegate(QObject *parent = nullptr);

    // Votes on my own messages are allowed only for the room creator (who pins that way).
    void setAmCreator(bool creator) { m_amCreator = creator; }
    void clearCache() { m_heights.clear(); }
    // Compact density: no cards, one line per short message ("12:04 name text"), the actions
    // over the line's right end on hover.
    void setCompact(bool compact);
    bool isCompact() const { return m_compact; }

    // Where the parts of a row go (for the tests: what is drawn is what this says).
    struct Geometry
    {
        int height = 0;
        QRect unreadDivider; // "New since you were last here"
        QRect header;        // author line (card mode, not grouped)
        QRect body;          // text, drawing or "deleted"
        QRect meta;          // time and #id of a grouped card, on hover
    };
    Geometry geometry(const QStyleOptionViewItem &option, const QModelIndex &index,
                      bool hover) const;
    // The label of the unread divider.
    static QString unreadDividerText();
    // The document a text message is drawn from (formatted, links as anchors).
    std::unique_ptr<QTextDocument> textDocument(const QStyleOptionViewItem &option,
                                                const QModelIndex &index) const
    {
        return bodyDocument(index, geometry(option, index, false).body.width(), option.palette,
                            option.font);
    }

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    bool editorEvent(QEvent *event, QAbstractItemModel *model, const QStyleOptionViewItem &option,
                     const QModelIndex &index) override;
    bool helpEvent(QHelpEvent *event, QAbstractItemView *view, const QStyleOptionViewItem &option,
                   const QModelIndex &index) override;

signals:
    void actionTriggered(ic::desktop::MessageDelegate::Action action, const QModelIndex &index);
    void linkActivated(const QUrl &url);

private:
    struct Button
    {
        QRect rect;
        Action action;
        QString label;
        bool active = false; // my vote
        bool enabled = true;
    };
    struct Layout
    {
        int height = 0;
        bool notice = false;
        QRect separator;
        QRect unreadDivider;
        QRect card;
        QRect meta;        // grouped card on hover: time and #id, beside the action buttons
        QRect time;        // compact: the time column
        int nameWidth = 0; // compact: the author's name before the text's first line
        QString name;      // compact: the name as drawn (elided to fit)
        QRect header;
        QRect quote;
        QRect body;
        QRect drawing;
        QList<Button> buttons;
    };

    Layout layout(const QStyleOptionViewItem &option, const QModelIndex &index,
                  bool withActions) const;
    void layoutButtons(Layout &l, const QStyleOptionViewItem &option, const QModelIndex &index,
                       bool withActions, int x, int w, int y) const;
    Layout compactLayout(const QStyleOptionViewItem &option, const QModelIndex &index, int y,
                         bool withActions, Layout l) const;
    // The text of a message as a document: links and formatting through character formats,
    // never markup parsed from the text. `indent` leaves room on the first line (compact name).
    std::unique_ptr<QTextDocument> bodyDocument(const QModelIndex &index, int width,
                                                const QPalette &palette, const QFont &font,
                                                int indent = 0) const;
    int bodyHeight(const QModelIndex &index, int width, const QFont &font, int indent) const;
    void paintCard(QPainter *p, const QStyleOptionViewItem &option, const QModelIndex &index,
                   const Layout &l) const;
    void paintCompact(QPainter *p, const QStyleOptionViewItem &option, const QModelIndex &index,
                      const Layout &l) const;
    void paintBody(QPainter *p, const QStyleOptionViewItem &option, const QModelIndex &index,
                   const Layout &l) const;
    void paintButtons(QPainter *p, const QStyleOptionViewItem &option, const Layout &l,
                      bool overlay) const;

    bool m_amCreator = false;
    bool m_compact = false;
    mutable QHash<QString, int> m_heights; // text layout heights, the expensive part of sizeHint
};

} // namespace ic::desktop
