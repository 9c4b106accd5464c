#pragma once
// User text (names, messages, descriptions, room names) is never interpreted as markup. Qt guesses:
// a QLabel in its default AutoText format and every tool tip render anything that looks like HTML
// as rich text — <b>, <a href>, <img src="/local/file">. These are the only ways the app shows
// user text outside its own painted delegates.

#include <QStyledItemDelegate>

class QLabel;

namespace ic::desktop {

// Makes a label show its text literally, whatever it contains.
QLabel *plainLabel(QLabel *label);

// The text as a tool tip that shows it literally (escaped, line breaks kept).
QString plainToolTip(const QString &text);

// The text for a tray popup or desktop notification: notification servers may read the body as
// markup (<b>, <a href>, <img src>), so the characters that make markup are replaced with
// look-alikes that nothing interprets.
QString notificationText(const QString &text);

// A delegate whose tool tips (Qt::ToolTipRole) show the model's text literally.
class PlainTipDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    bool helpEvent(QHelpEvent *event, QAbstractItemView *view, const QStyleOptionViewItem &option,
                   const QModelIndex &index) override;
};

} // namespace ic::desktop
