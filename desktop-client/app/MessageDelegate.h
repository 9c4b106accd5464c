#pragma once
// Draws a message card (author, tags, time, "(edited)", reply/quote, text with links or a
// drawing, vote pills, per-message actions) or a compact notice, with day separators and
// grouping of consecutive messages. One geometry function serves painting, size hints and
// clicks, so what is drawn is exactly what is clickable.

#include "PlainText.h"

#include <QHash>
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
        QRect card;
        QRect header;
        QRect quote;
        QRect body;
        QRect drawing;
        QList<Button> buttons;
    };

    Layout layout(const QStyleOptionViewItem &option, const QModelIndex &index,
                  bool withActions) const;
    std::unique_ptr<QTextDocument> bodyDocument(const QModelIndex &index, int width,
                                                const QPalette &palette, const QFont &font) const;
    int bodyHeight(const QModelIndex &index, int width, const QFont &font) const;
    void paintCard(QPainter *p, const QStyleOptionViewItem &option, const QModelIndex &index,
                   const Layout &l) const;

    bool m_amCreator = false;
    mutable QHash<QString, int> m_heights; // text layout heights, the expensive part of sizeHint
};

} // namespace ic::desktop
