// Reading a room in the desktop app, without a server: the unread divider and "jump to first
// unread", the compact density, and where a grouped card's time and id go on hover.
#include "AppSettings.h"
#include "MainWindow.h"
#include "MessageListView.h"
#include "OfflineWindow.h"
#include "RoomConnection.h"
#include "RoomView.h"
#include "SampleRoom.h"

#include <QAction>
#include <QApplication>
#include <QPushButton>
#include <QScrollBar>
#include <QTemporaryDir>
#include <QTest>

using namespace ic::desktop;
using Role = MessageListModel::Role;

class TestDesktopReading : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;
    std::unique_ptr<AppSettings> m_settings;
    std::unique_ptr<MainWindow> m_window;
    RoomView *m_view = nullptr;

    MessageListView *list() const { return m_view->messageList(); }
    QStyleOptionViewItem option(const QModelIndex &index, bool hover) const
    {
        QStyleOptionViewItem opt;
        opt.initFrom(list()->viewport());
        opt.font = list()->font();
        opt.rect = QRect(0, 0, list()->viewport()->width(), 0);
        opt.rect.setHeight(list()->messageDelegate()->sizeHint(opt, index).height());
        if (hover)
            opt.state |= QStyle::State_MouseOver;
        return opt;
    }
    MessageDelegate::Geometry geometry(qint64 id, bool hover = false) const
    {
        const QModelIndex index =
            m_view->session()->messages()->index(m_view->session()->messages()->rowForId(id));
        return list()->messageDelegate()->geometry(option(index, hover), index, hover);
    }
    QAction *action(const char *name) const
    {
        return m_window->findChild<QAction *>(QLatin1StringView(name));
    }

private slots:
    void init()
    {
        m_settings = std::make_unique<AppSettings>(m_dir.filePath(QStringLiteral("r.ini")));
        m_settings->setServer(QUrl(QStringLiteral("http://localhost:8080")));
        m_window = std::make_unique<MainWindow>(m_settings.get());
        m_view = ictest::offlineRoom(*m_window, QStringLiteral("release-planning"));
        ictest::fillSampleRoom(*m_view->session());
        m_window->resize(900, 640);
        QVERIFY(ictest::showActive(m_window.get()));
    }

    void cleanup()
    {
        m_window.reset();
        m_settings.reset();
    }

    // Away while 40 messages arrive: back in the room, the list is at the newest, the divider
    // sits above the first of them, "↑ Jump to first unread" (and Ctrl+J) scrolls up to it.
    void unreadDividerAndJump()
    {
        RoomSession *s = m_view->session();
        s->setActive(false);
        const qint64 t = QDateTime::currentSecsSinceEpoch();
        for (int i = 0; i < 40; ++i)
            s->applyFrame(
                ictest::frame("TM", {ictest::msg(100 + i, QStringLiteral("u-bob"),
                                                 QStringLiteral("news number %1").arg(i), t + i)}));
        QCOMPARE(s->messages()->firstUnreadId(), 100);
        s->setActive(true);
        list()->scrollToBottom();
        QTRY_VERIFY(list()->verticalScrollBar()->value() > 0);

        const MessageDelegate::Geometry divided = geometry(100);
        QVERIFY(!divided.unreadDivider.isNull());
        QVERIFY(divided.unreadDivider.bottom() < divided.header.top()); // above the author line
        QVERIFY(geometry(101).unreadDivider.isNull());

        QPushButton *jump = list()->firstUnreadButton();
        QTRY_VERIFY(jump->isVisible());
        QCOMPARE(jump->focusPolicy(), Qt::NoFocus);
        const QModelIndex first = s->messages()->index(s->messages()->rowForId(100));
        QVERIFY(list()->visualRect(first).bottom() < 0);
        QTest::mouseClick(jump, Qt::LeftButton);
        QTRY_VERIFY(qAbs(list()->visualRect(first).top()) <= 2);
        QTRY_VERIFY(!jump->isVisible());

        // Ctrl+J from the composer does the same after scrolling away.
        list()->scrollToBottom();
        QTRY_VERIFY(list()->visualRect(first).bottom() < 0);
        m_view->setFocus();
        QTest::keyClick(m_window.get(), Qt::Key_J, Qt::ControlModifier);
        QTRY_VERIFY(qAbs(list()->visualRect(first).top()) <= 2);

        // No divider: nothing to jump to, no button.
        s->setActive(false);
        QCOMPARE(s->messages()->firstUnreadId(), 0);
        QVERIFY(!m_view->jumpToFirstUnread());
        QTRY_VERIFY(!jump->isVisible());
    }

    // View → Compact messages: one line per short message, name and text on the same line;
    // remembered in the settings and applied to rooms opened later.
    void compactDensity()
    {
        const int cardHeight = geometry(7).height; // "Yes, and the tab badge too."
        QAction *density = action("compactMessagesAction");
        QVERIFY(density);
        QVERIFY(!density->isChecked());
        density->trigger();
        QVERIFY(m_settings->compactMessages());
        QVERIFY(list()->messageDelegate()->isCompact());

        const QFontMetrics fm(list()->font());
        const MessageDelegate::Geometry compact = geometry(7);
        qInfo("short message: %d px as a card, %d px compact (line %d px)", cardHeight,
              compact.height, fm.height());
        QCOMPARE(compact.body.top(), compact.header.top());   // name and text share the line
        QCOMPARE(compact.header.left(), compact.body.left()); // the text indents past the name
        QVERIFY2(compact.body.height() <= fm.lineSpacing() + 1, "more than one line");
        QVERIFY(compact.height <= fm.height() + 8);
        QVERIFY(compact.height * 2 < cardHeight);
        // A long message wraps under its first line, still one row.
        RoomSession *s = m_view->session();
        s->applyFrame(ictest::frame(
            "TM", {ictest::msg(50, QStringLiteral("u-bob"), QStringLiteral("long ").repeated(80),
                               QDateTime::currentSecsSinceEpoch())}));
        QVERIFY(geometry(50).body.height() > 2 * fm.height());

        RoomView *later = ictest::offlineRoom(*m_window, QStringLiteral("later"));
        QVERIFY(later->messageList()->messageDelegate()->isCompact());
        density->trigger();
        QVERIFY(!m_settings->compactMessages());
        QVERIFY(!list()->messageDelegate()->isCompact());
        QCOMPARE(geometry(7).height, cardHeight);
    }

    // A long message grouped under the previous one by the same author: on hover its time and
    // #id show beside the buttons, never over the first line of its text.
    void hoverTimeDoesNotCoverGroupedText()
    {
        RoomSession *s = m_view->session();
        const qint64 t = QDateTime::currentSecsSinceEpoch();
        s->applyFrame(ictest::frame(
            "TM", {ictest::msg(60, QStringLiteral("u-bob"), QStringLiteral("first"), t)}));
        s->applyFrame(ictest::frame(
            "TM", {ictest::msg(61, QStringLiteral("u-bob"),
                               QStringLiteral("a long grouped message ").repeated(30), t + 5)}));
        const QModelIndex grouped = s->messages()->index(s->messages()->rowForId(61));
        QVERIFY(grouped.data(Role::GroupedRole).toBool());
        const MessageDelegate::Geometry g = geometry(61, true);
        QVERIFY2(!g.meta.isNull(), "time and #id are shown on hover");
        QVERIFY2(!g.meta.intersects(g.body), "time and #id cover the text");
        QVERIFY(g.meta.top() > g.body.bottom());
        QVERIFY(geometry(61, false).meta.isNull()); // not edited, no hover: nothing
    }
};

QTEST_MAIN(TestDesktopReading)
#include "tst_desktopreading.moc"
