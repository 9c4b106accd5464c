// MessageListModel: roles, grouping, day separators, quotes, search, batching of big loads.
#include "FrameHelpers.h"
#include "MessageListModel.h"
#include "RoomSession.h"
#include "UserListModel.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

using namespace ictest;
using ic::desktop::ChatMessage;
using ic::desktop::MessageListModel;
using ic::desktop::UserListModel;

namespace {
ChatMessage text(qint64 id, const QString &author, const QString &t, qint64 at)
{
    ChatMessage m;
    m.id = id;
    m.authorId = author;
    m.text = t;
    m.rawText = t;
    m.createdAt = at;
    return m;
}
} // namespace

class TestMessageListModel : public QObject
{
    Q_OBJECT
private slots:
    void bigLoadIsOneReset()
    {
        ic::desktop::RoomSession s(QStringLiteral("room"));
        auto *m = s.messages();
        QSignalSpy reset(m, &QAbstractItemModel::modelReset);
        QSignalSpy inserted(m, &QAbstractItemModel::rowsInserted);
        QList<WireMessage> history;
        for (int i = 1; i <= 1000; ++i)
            history << msg(i, QStringLiteral("u%1").arg(i % 7),
                           QStringLiteral("message %1").arg(i));
        QElapsedTimer timer;
        timer.start();
        s.applyFrame(allMessages(history));
        QCOMPARE(m->rowCount(), 1000);
        QCOMPARE(reset.count(), 1);
        QCOMPARE(inserted.count(), 0);
        QVERIFY2(timer.elapsed() < 1000, "a 1000-message ALL_TM must not stall the UI thread");
        // A rejoin with 5 more messages: one insert, no reset (the view keeps its position).
        history.removeFirst();
        for (int i = 1001; i <= 1005; ++i)
            history << msg(i, QStringLiteral("u1"), QStringLiteral("later %1").arg(i));
        s.applyFrame(allMessages(history));
        QCOMPARE(reset.count(), 1);
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(m->messageCount(), 1004);
        QCOMPARE(m->rowForId(1), -1);
        QCOMPARE(m->rowForId(1005), 1003);
    }

    void groupingAndDaySeparators()
    {
        MessageListModel m;
        const qint64 day1 = QDateTime(QDate(2025, 3, 3), QTime(10, 0)).toSecsSinceEpoch();
        const qint64 day2 = QDateTime(QDate(2025, 3, 4), QTime(10, 0)).toSecsSinceEpoch();
        m.setMessages({text(1, QStringLiteral("a"), QStringLiteral("x"), day1),
                       text(2, QStringLiteral("a"), QStringLiteral("y"), day1 + 60),
                       text(3, QStringLiteral("b"), QStringLiteral("z"), day1 + 120),
                       text(4, QStringLiteral("b"), QStringLiteral("w"), day1 + 3600),
                       text(5, QStringLiteral("b"), QStringLiteral("v"), day2)});
        auto grouped = [&](int row) {
            return m.index(row).data(MessageListModel::GroupedRole).toBool();
        };
        auto day = [&](int row) {
            return m.index(row).data(MessageListModel::DaySeparatorRole).toString();
        };
        QVERIFY(!grouped(0));
        QVERIFY(grouped(1));
        QVERIFY(!grouped(2)); // other author
        QVERIFY(!grouped(3)); // an hour later
        QVERIFY(!grouped(4)); // next day
        QVERIFY(!day(0).isEmpty());
        QVERIFY(day(1).isEmpty());
        QVERIFY(!day(4).isEmpty());
        QVERIFY(day(4).contains(QStringLiteral("2025")));
    }

    void quotesAndNames()
    {
        UserListModel users;
        users.setUsers({user(QStringLiteral("a"), QStringLiteral("alice")),
                        user(QStringLiteral("b"), QStringLiteral("bob"), true, true)});
        MessageListModel m;
        m.setUsers(&users);
        auto q = text(2, QStringLiteral("b"), QStringLiteral("re"), 1700000000);
        q.replyMessage = 1;
        q.replyUser = QStringLiteral("a");
        m.setMessages({text(1, QStringLiteral("a"),
                            QStringLiteral("a rather long first message to be cut"), 1700000000),
                       q});
        const QModelIndex i = m.index(1);
        QVERIFY(i.data(MessageListModel::QuoteAvailableRole).toBool());
        QCOMPARE(i.data(MessageListModel::QuoteAuthorRole).toString(), QStringLiteral("alice"));
        QCOMPARE(i.data(MessageListModel::QuoteSnippetRole).toString(),
                 QStringLiteral("a rather long first message to") + QChar(0x2026));
        QCOMPARE(i.data(MessageListModel::ReplyUserNameRole).toString(), QStringLiteral("alice"));
        QVERIFY(i.data(MessageListModel::AuthorAnonymousRole).toBool());
        QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
        m.applyDelete(1);
        QVERIFY(changed.count() >= 1);
        QVERIFY(!i.data(MessageListModel::QuoteAvailableRole).toBool());
        // A rename in the member list shows on old cards.
        users.setUsers({user(QStringLiteral("a"), QStringLiteral("alicia")),
                        user(QStringLiteral("b"), QStringLiteral("bob"))});
        QCOMPARE(i.data(MessageListModel::ReplyUserNameRole).toString(), QStringLiteral("alicia"));
    }

    void searchAndHighlight()
    {
        MessageListModel m;
        m.setMessages({text(1, QStringLiteral("a"), QStringLiteral("Hello world"), 1),
                       text(2, QStringLiteral("a"), QStringLiteral("nothing"), 2),
                       text(3, QStringLiteral("b"), QStringLiteral("hello again"), 3)});
        const auto hits = m.setSearchText(QStringLiteral("HELLO"));
        QCOMPARE(hits, (QList<qint64>{1, 3}));
        QVERIFY(m.index(0).data(MessageListModel::SearchMatchRole).toBool());
        QVERIFY(!m.index(1).data(MessageListModel::SearchMatchRole).toBool());
        QVERIFY(m.setSearchText(QStringLiteral("zzz")).isEmpty());
        m.setHighlightedId(3);
        QVERIFY(m.index(2).data(MessageListModel::HighlightRole).toBool());
        QCOMPARE(m.lastMessageOf(QStringLiteral("a")), 2);
    }

    void myVoteAndEdits()
    {
        MessageListModel m;
        m.setMessages({text(1, QStringLiteral("a"), QStringLiteral("x"), 1)});
        m.setMyVote(1, 1);
        QCOMPARE(m.index(0).data(MessageListModel::MyVoteRole).toInt(), 1);
        m.setMyVote(1, 0);
        QCOMPARE(m.index(0).data(MessageListModel::MyVoteRole).toInt(), 0);
        QVERIFY(m.applyEdit(1, QStringLiteral("new%20text"), 5, std::nullopt, std::nullopt));
        QCOMPARE(m.index(0).data(MessageListModel::TextRole).toString(),
                 QStringLiteral("new text"));
        QVERIFY(!m.applyEdit(7, QStringLiteral("x"), 5, std::nullopt, std::nullopt));
        QVERIFY(!m.appendMessage(text(1, QStringLiteral("a"), QStringLiteral("dup"), 1)));
    }
};

QTEST_GUILESS_MAIN(TestMessageListModel)
#include "tst_messagelistmodel.moc"
