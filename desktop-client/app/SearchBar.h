#pragma once
// The search bar over a room's messages: matches are highlighted in the model, Enter / the
// arrows step through them (newest first), Esc closes it.

#include <QFrame>
#include <QList>

class QLabel;
class QLineEdit;

namespace ic::desktop {

class MessageListModel;

class SearchBar : public QFrame
{
    Q_OBJECT
public:
    explicit SearchBar(MessageListModel *messages, QWidget *parent = nullptr);

    void open();
    int hitCount() const { return int(m_hits.size()); }

signals:
    // The current match changed: show this message.
    void matchSelected(qint64 id);
    void closed();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void update();
    void step(int delta);
    void close();

    MessageListModel *m_messages;
    QLineEdit *m_edit;
    QLabel *m_count;
    QList<qint64> m_hits;
    int m_pos = -1;
};

} // namespace ic::desktop
