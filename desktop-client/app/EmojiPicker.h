#pragma once
// The composer's emoji picker: a popup with a search field and a grid of emoji from the
// curated catalogue. Picking emits emojiPicked() and closes; typing filters as you go; Enter
// picks the first match, arrows move into the grid, Esc closes.

#include <QFrame>

class QLineEdit;
class QListWidget;
class QLabel;

namespace ic::desktop {

class EmojiPicker : public QFrame
{
    Q_OBJECT
public:
    explicit EmojiPicker(QWidget *parent = nullptr);

    QLineEdit *searchField() const { return m_search; }
    QListWidget *grid() const { return m_grid; }
    // Shows the picker above `anchor` (the composer's button), search field focused and empty.
    void popup(QWidget *anchor);

signals:
    void emojiPicked(const QString &emoji);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void refill();
    QSize cellSize() const;
    void pick(const QString &emoji);

    QLineEdit *m_search;
    QListWidget *m_grid;
    QLabel *m_empty;
    QSize m_cell; // every cell, from the widest glyph
};

} // namespace ic::desktop
