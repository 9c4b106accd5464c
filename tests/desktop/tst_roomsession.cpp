// RoomSession: the join sequence and every live frame give the right state (docs/protocol.md §5).
#include "FrameHelpers.h"
#include "NameCompletion.h"
#include "RoomSession.h"

#include <QSignalSpy>
#include <QTest>

using namespace ictest;
using ic::desktop::ChatMessage;
using ic::desktop::completeName;
using ic::desktop::MessageListModel;
using ic::desktop::RoomSession;

namespace {
const QString me = QStringLiteral("u-me");
const QString bob = QStringLiteral("u-bob");
const QString eve = QStringLiteral("u-eve");

void join(RoomSession &s, QList<WireMessage> history = {})
{
    s.applyFrame(members({user(me, QStringLiteral("Me")), user(bob, QStringLiteral("bob")),
                          user(eve, QStringLiteral("eve"), false, true)}));
    s.applyFrame(allMessages(history));
    s.applyFrame(description(QStringLiteral("hello room"), bob));
    s.applyFrame(joinReply(me));
}
} // namespace

class TestRoomSession : public QObject
{
    Q_OBJECT
private slots:
    // "New since you were last here": the first message from someone else that arrives while
    // the room is not looked at carries the divider; coming back keeps it, leaving clears it.
    void unreadDividerMarksWhereTheUserLeft()
    {
        RoomSession s(QStringLiteral("room"));
        join(s, {msg(1, bob, QStringLiteral("seen"))});
        auto *m = s.messages();
        s.setActive(true);
        s.applyFrame(frame("TM", {msg(2, bob, QStringLiteral("read live"))}));
        QCOMPARE(m->firstUnreadId(), 0);

        s.setActive(false);
        s.applyFrame(frame("TM", {msg(3, me, QStringLiteral("mine, from elsewhere"))}));
        QCOMPARE(m->firstUnreadId(), 0); // my own message is not news to me
        s.applyFrame(frame("TM", {msg(4, bob, QStringLiteral("first new"), 1700000001)}));
        s.applyFrame(frame("TM", {msg(5, bob, QStringLiteral("second new"), 1700000002)}));
        QCOMPARE(m->firstUnreadId(), 4);
        const int row = m->rowForId(4);
        QVERIFY(m->index(row).data(MessageListModel::UnreadDividerRole).toBool());
        QVERIFY(!m->index(m->rowForId(5)).data(MessageListModel::UnreadDividerRole).toBool());
        // Grouped with the previous message by bob otherwise: the divider shows the author.
        QVERIFY(!m->index(row).data(MessageListModel::GroupedRole).toBool());
        QVERIFY(m->index(m->rowForId(5)).data(MessageListModel::GroupedRole).toBool());

        s.setActive(true); // back: counts cleared, the divider shows where to start
        QCOMPARE(s.unreadCount(), 0);
        QCOMPARE(m->firstUnreadId(), 4);
        s.applyFrame(frame("TM", {msg(6, bob, QStringLiteral("while reading"))}));
        QCOMPARE(m->firstUnreadId(), 4);

        s.setActive(false); // gone again: the old divider is history
        QCOMPARE(m->firstUnreadId(), 0);
        s.applyFrame(frame("TM", {msg(7, eve, QStringLiteral("next visit"))}));
        QCOMPARE(m->firstUnreadId(), 7);
    }

    // pv >= 2: deltas change the member list and bring the same notices as a full list;
    // typing signals name the typist.
    void memberDeltasAndTyping()
    {
        RoomSession s(QStringLiteral("room"));
        join(s);
        QSignalSpy resets(s.users(), &QAbstractItemModel::modelReset);
        QSignalSpy typing(&s, &RoomSession::typing);
        ServerFrame delta = frame("R_M_D");
        delta.users = QList<WireUser>{user(QStringLiteral("u-zoe"), QStringLiteral("Zoe"))};
        delta.memberVersion = 7;
        delta.memberAction = QStringLiteral("j");
        const int before = s.messages()->rowCount();
        s.applyFrame(delta);
        QCOMPARE(s.users()->nameOf(QStringLiteral("u-zoe")), QStringLiteral("Zoe"));
        QCOMPARE(s.users()->onlineCount(), 3);
        QCOMPARE(resets.count(), 0);
        QCOMPARE(s.messages()->rowCount(), before + 1); // the "Zoe joined" notice

        ServerFrame signal = frame("TY");
        signal.userId = QStringLiteral("u-zoe");
        s.applyFrame(signal);
        QCOMPARE(typing.count(), 1);
        QCOMPARE(typing.first().at(1).toString(), QStringLiteral("Zoe"));
        signal.userId = me;
        s.applyFrame(signal); // never about oneself
        QCOMPARE(typing.count(), 1);
    }

    void joinSequence()
    {
        RoomSession s(QStringLiteral("room"));
        QSignalSpy joined(&s, &RoomSession::joinedChanged);
        join(s, {msg(1, bob, QStringLiteral("hi")), msg(2, me, QStringLiteral("hello"))});
        QCOMPARE(joined.count(), 1);
        QVERIFY(s.joined());
        QCOMPARE(s.myUserId(), me);
        QCOMPARE(s.creatorUserId(), bob);
        QVERIFY(!s.amCreator());
        QCOMPARE(s.description(), QStringLiteral("hello room"));
        QCOMPARE(s.roomId(), QStringLiteral("6f1c1d2e-0000-4000-8000-000000000001"));
        QCOMPARE(s.build(), QStringLiteral("build-1"));
        QCOMPARE(s.users()->totalCount(), 3);
        QCOMPARE(s.users()->onlineCount(), 2);
        auto *m = s.messages();
        QCOMPARE(m->rowCount(), 2);
        QCOMPARE(m->index(0).data(MessageListModel::AuthorNameRole).toString(),
                 QStringLiteral("bob"));
        QVERIFY(m->index(0).data(MessageListModel::AuthorIsCreatorRole).toBool());
        // uId arrives in the RP after ALL_TM: "mine" must follow.
        QVERIFY(m->index(1).data(MessageListModel::IsMineRole).toBool());
        // The history of the first join is not "unread".
        QCOMPARE(s.unreadCount(), 0);
    }

    void newMessagesCountAsUnreadAndMentions()
    {
        RoomSession s(QStringLiteral("room"));
        join(s, {msg(1, me, QStringLiteral("question"))});
        QSignalSpy arrived(&s, &RoomSession::messageArrived);
        s.applyFrame(frame("TM", {msg(2, bob, QStringLiteral("plain"))}));
        auto reply = msg(3, bob, QStringLiteral("to you"));
        reply.replyUser = me;
        s.applyFrame(frame("TM", {reply}));
        auto quote = msg(4, eve, QStringLiteral("quoting you"));
        quote.replyMessage = 1; // quote of my message, without rU
        s.applyFrame(frame("TM", {quote}));
        s.applyFrame(frame("TM", {msg(5, me, QStringLiteral("mine"))}));
        QCOMPARE(s.unreadCount(), 3); // my own message does not count
        QCOMPARE(s.mentionCount(), 2);
        QCOMPARE(arrived.count(), 3);
        QCOMPARE(arrived.at(1).at(1).toBool(), true);
        QVERIFY(s.messages()->index(2).data(MessageListModel::MentionRole).toBool());
        QVERIFY(s.messages()->index(3).data(MessageListModel::MentionRole).toBool());
        QVERIFY(!s.messages()->index(1).data(MessageListModel::MentionRole).toBool());

        s.setActive(true);
        QCOMPARE(s.unreadCount(), 0);
        QCOMPARE(s.mentionCount(), 0);
        s.applyFrame(frame("TM", {msg(6, bob, QStringLiteral("while looking"))}));
        QCOMPARE(s.unreadCount(), 0);
    }

    void highlightWordsMakeMentions_data()
    {
        QTest::addColumn<QStringList>("words");
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("mention");
        const QStringList byName; // empty: my name ("Me")
        QTest::newRow("my name") << byName << QStringLiteral("ask me, or Me?") << true;
        QTest::newRow("@name") << byName << QStringLiteral("@me look") << true;
        QTest::newRow("inside a word") << byName << QStringLiteral("meeting at 5") << false;
        QTest::newRow("no name") << byName << QStringLiteral("plain") << false;
        const QStringList words{QStringLiteral("release"), QStringLiteral("ci build")};
        QTest::newRow("word") << words << QStringLiteral("the RELEASE is out") << true;
        QTest::newRow("phrase") << words << QStringLiteral("the ci build failed") << true;
        QTest::newRow("own words replace the name") << words << QStringLiteral("Me?") << false;
        QTest::newRow("@name with own words") << words << QStringLiteral("hi @me!") << true;
        QTest::newRow("markup-like")
            << QStringList{QStringLiteral("a+b")} << QStringLiteral("is a+b ok") << true;
    }

    void highlightWordsMakeMentions()
    {
        QFETCH(QStringList, words);
        QFETCH(QString, text);
        QFETCH(bool, mention);
        RoomSession s(QStringLiteral("room"));
        join(s);
        s.setHighlightWords(words);
        QSignalSpy arrived(&s, &RoomSession::messageArrived);
        s.applyFrame(frame("TM", {msg(2, bob, text)}));
        QCOMPARE(arrived.count(), 1);
        QCOMPARE(arrived.at(0).at(1).toBool(), mention);
        QCOMPARE(s.mentionCount(), mention ? 1 : 0);
    }

    void editDeleteVote()
    {
        RoomSession s(QStringLiteral("room"));
        join(s, {msg(1, bob, QStringLiteral("original"))});
        auto *m = s.messages();
        s.applyFrame(edit(1, QStringLiteral("changed text"), 1700000001000000000LL));
        QCOMPARE(m->index(0).data(MessageListModel::TextRole).toString(),
                 QStringLiteral("changed text"));
        QVERIFY(m->index(0).data(MessageListModel::EditedRole).toBool());
        // An older edit that arrives late does not win.
        s.applyFrame(edit(1, QStringLiteral("stale"), 1700000000500000000LL));
        QCOMPARE(m->index(0).data(MessageListModel::TextRole).toString(),
                 QStringLiteral("changed text"));

        s.applyFrame(vote(1, 2, 1, 1700000002000000000LL));
        QCOMPARE(m->index(0).data(MessageListModel::SupportRole).toLongLong(), 2);
        QCOMPARE(m->index(0).data(MessageListModel::RejectRole).toLongLong(), 1);

        s.applyFrame(deletion(1));
        QVERIFY(m->index(0).data(MessageListModel::DeletedRole).toBool());
        QVERIFY(m->index(0).data(MessageListModel::TextRole).toString().isEmpty());
        QCOMPARE(m->rowCount(), 1); // a placeholder stays
    }

    void updatesBeforeTheirMessageAreKept()
    {
        RoomSession s(QStringLiteral("room"));
        join(s, {msg(1, bob, QStringLiteral("one"))});
        s.applyFrame(edit(3, QStringLiteral("edited three"), 1700000005000000000LL));
        s.applyFrame(vote(3, 4, 0, 1700000006000000000LL));
        s.applyFrame(deletion(4));
        s.applyFrame(edit(99, QStringLiteral("x"), 1700000005000000000LL));
        QCOMPARE(s.pendingUpdateCount(), 3);

        s.applyFrame(frame(
            "TM", {msg(2, bob, QStringLiteral("two")), msg(3, bob, QStringLiteral("three"))}));
        s.applyFrame(frame("TM", {msg(4, eve, QStringLiteral("four"))}));
        auto *m = s.messages();
        const int row3 = m->rowForId(3);
        QCOMPARE(m->index(row3).data(MessageListModel::TextRole).toString(),
                 QStringLiteral("edited three"));
        QCOMPARE(m->index(row3).data(MessageListModel::SupportRole).toLongLong(), 4);
        QVERIFY(m->index(m->rowForId(4)).data(MessageListModel::DeletedRole).toBool());
        QCOMPARE(s.pendingUpdateCount(), 1); // only id 99 still waits
    }

    void pendingEditAppliedFromAllMessages()
    {
        RoomSession s(QStringLiteral("room"));
        // An edit broadcast that overtakes the join's ALL_TM.
        s.applyFrame(edit(2, QStringLiteral("newer"), 1700000009000000000LL));
        auto older = msg(2, bob, QStringLiteral("older"));
        older.lastEdited = 1700000001000000000LL;
        join(s, {msg(1, bob, QStringLiteral("a")), older});
        QCOMPARE(s.messages()->index(1).data(MessageListModel::TextRole).toString(),
                 QStringLiteral("newer"));
        QCOMPARE(s.pendingUpdateCount(), 0);
    }

    void limitNotices()
    {
        RoomSession s(QStringLiteral("room"));
        QList<WireMessage> history;
        for (int i = 1; i <= 10; ++i)
            history << msg(i, bob, QStringLiteral("m%1").arg(i));
        join(s, history);
        QSignalSpy notices(&s, &RoomSession::limitNotice);
        ServerFrame approaching = frame("N_M_LIMIT_A", {WireMessage{}});
        s.applyFrame(approaching);
        s.applyFrame(limitReached(6));
        QCOMPARE(notices.count(), 2);
        auto *m = s.messages();
        QCOMPARE(m->messageCount(), 5);
        QCOMPARE(m->rowForId(5), -1);
        QVERIFY(m->rowForId(6) >= 0);
        // The two notices are in the stream, after the kept messages.
        QCOMPARE(m->rowCount(), 7);
        QCOMPARE(m->index(6).data(MessageListModel::KindRole).toInt(),
                 int(ChatMessage::Kind::Notice));
        // A quote of a dropped message says "unavailable".
        auto quote = msg(11, bob, QStringLiteral("re"));
        quote.replyMessage = 2;
        s.applyFrame(frame("TM", {quote}));
        QVERIFY(!m->index(m->rowForId(11)).data(MessageListModel::QuoteAvailableRole).toBool());
    }

    void membersNoticesAndRename()
    {
        RoomSession s(QStringLiteral("room"));
        join(s, {msg(1, bob, QStringLiteral("hi"))});
        const int before = s.messages()->rowCount();
        s.applyFrame(members({user(me, QStringLiteral("Me")), user(bob, QStringLiteral("robert")),
                              user(eve, QStringLiteral("eve"), true, true)}));
        // Rename of bob + eve coming online.
        QCOMPARE(s.messages()->rowCount(), before + 2);
        QCOMPARE(s.messages()->index(0).data(MessageListModel::AuthorNameRole).toString(),
                 QStringLiteral("robert"));
        QVERIFY(s.messages()
                    ->index(before)
                    .data(MessageListModel::TextRole)
                    .toString()
                    .contains(QStringLiteral("robert")));
    }

    void versionStatusAndReplaced()
    {
        RoomSession s(QStringLiteral("room"));
        join(s);
        QSignalSpy version(&s, &RoomSession::newVersionAvailable);
        QSignalSpy status(&s, &RoomSession::serverStatusChanged);
        QSignalSpy replaced(&s, &RoomSession::replacedElsewhere);
        ServerFrame m = members({user(me, QStringLiteral("Me"))});
        m.build = QStringLiteral("build-2");
        s.applyFrame(m);
        QCOMPARE(version.count(), 1);
        s.applyFrame(
            description(QStringLiteral("hello room"), bob, QStringLiteral("shutting_down")));
        QCOMPARE(status.count(), 1);
        QCOMPARE(s.serverStatus(), QStringLiteral("shutting_down"));
        ServerFrame er = frame("ER", {WireMessage{}});
        er.messages->first().text = QStringLiteral("209");
        s.applyFrame(er);
        QCOMPARE(replaced.count(), 1);
        QVERIFY(!s.joined());
    }

    void rejoinMergesAndCountsMissed()
    {
        RoomSession s(QStringLiteral("room"));
        join(s, {msg(1, bob, QStringLiteral("a")), msg(2, bob, QStringLiteral("b"))});
        s.connectionLost();
        QVERIFY(!s.joined());
        // Back: message 1 was deleted meanwhile, 3 and 4 are new.
        join(s, {msg(2, bob, QStringLiteral("b")), msg(3, bob, QStringLiteral("c")),
                 msg(4, eve, QStringLiteral("d"))});
        QVERIFY(s.joined());
        QCOMPARE(s.messages()->messageCount(), 3);
        QCOMPARE(s.messages()->rowForId(1), -1);
        QCOMPARE(s.unreadCount(), 2);
    }

    void drawingsAreRequested()
    {
        RoomSession s(QStringLiteral("room"));
        QSignalSpy needed(&s, &RoomSession::drawingNeeded);
        const QString pointer = QStringLiteral(
            "$#$meta_marker_is_drawing$#$pic_1@6f1c1d2e-0000-4000-8000-000000000001");
        join(s, {msg(1, bob, pointer)});
        QCOMPARE(needed.count(), 1);
        QCOMPARE(needed.at(0).at(0).toString(), QStringLiteral("pic_1"));
        auto *m = s.messages();
        QCOMPARE(m->index(0).data(MessageListModel::KindRole).toInt(),
                 int(ChatMessage::Kind::Drawing));
        QVERIFY(
            m->index(0).data(MessageListModel::TextRole).toString().isEmpty()); // never the marker
        QImage img(20, 10, QImage::Format_ARGB32);
        img.fill(Qt::red);
        m->setDrawingImage(QStringLiteral("pic_1"),
                           QStringLiteral("6f1c1d2e-0000-4000-8000-000000000001"), img);
        QCOMPARE(m->index(0).data(MessageListModel::DrawingImageRole).value<QImage>().size(),
                 QSize(20, 10));
    }

    // Tab completion of names follows the browser's mention rules: "@" at a word start, then any
    // start of a member's whole name (spaces included, any case); a bare word at a word start
    // too. Never me; online members first, then by name; the name goes in as "@Name ".
    void nameCompletion_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("names");
        QTest::addColumn<int>("start");
        const QStringList an = {QStringLiteral("Ana"), QStringLiteral("Ana Maria"),
                                QStringLiteral("andrei"), QStringLiteral("Anton")};
        QTest::newRow("@An") << QStringLiteral("hi @An") << an << 3;
        QTest::newRow("bare An") << QStringLiteral("hi An") << an << 3;
        QTest::newRow("any case") << QStringLiteral("@an") << an << 0;
        QTest::newRow("space in the name")
            << QStringLiteral("@ana m") << QStringList{QStringLiteral("Ana Maria")} << 0;
        QTest::newRow("after punctuation")
            << QStringLiteral("(@Ant") << QStringList{QStringLiteral("Anton")} << 1;
        QTest::newRow("@ alone: everyone but me")
            << QStringLiteral("@") << QStringList{an[0], an[1], an[2], QStringLiteral("bob"), an[3]}
            << 0;
        QTest::newRow("not me") << QStringLiteral("@Me") << QStringList{} << -1;
        QTest::newRow("inside an address") << QStringLiteral("mail@an") << QStringList{} << -1;
        QTest::newRow("inside a word") << QStringLiteral("xan") << QStringList{} << -1;
        QTest::newRow("nobody") << QStringLiteral("@zed") << QStringList{} << -1;
        QTest::newRow("nothing typed") << QStringLiteral("hi ") << QStringList{} << -1;
    }

    void nameCompletion()
    {
        QFETCH(QString, text);
        QFETCH(QStringList, names);
        QFETCH(int, start);
        RoomSession s(QStringLiteral("room"));
        // Anton is offline: after the online ones although alphabetically before "andrei".
        s.applyFrame(members({user(me, QStringLiteral("Me")), user(bob, QStringLiteral("bob")),
                              user(QStringLiteral("u-ana"), QStringLiteral("Ana")),
                              user(QStringLiteral("u-anm"), QStringLiteral("Ana Maria")),
                              user(QStringLiteral("u-and"), QStringLiteral("andrei")),
                              user(QStringLiteral("u-ant"), QStringLiteral("Anton"), false)}));
        s.applyFrame(joinReply(me));
        const auto c = completeName(text, int(text.size()), *s.users());
        QCOMPARE(c.names, names);
        QCOMPARE(c.start, start);
        if (!names.isEmpty())
            QCOMPARE(c.replacement(0), QLatin1Char('@') + names.first() + QLatin1Char(' '));
    }
};

QTEST_GUILESS_MAIN(TestRoomSession)
#include "tst_roomsession.moc"
