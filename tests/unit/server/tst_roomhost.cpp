// RoomHost, the rooms of one worker, between CommandRequests and the deliveries it hands to
// each member's thread (recording RoomThreads in place of workers; no sockets). Shows: a join
// answered with the join sequence in one delivery that finishes the request and makes the
// sender a member; a message reaching every other member once (the same encoded bytes), the
// sender getting it before its RP; members on another thread reached through that thread;
// refused commands answered with one ER each and changing nothing; a typing signal dropped on
// an overloaded thread; a replaced session's old connection closed with 1000; a leave and an
// HTTP message broadcast with nobody to answer; a deleted room closing its members with 1001.

#include "StringList.h"
#include "core/ServerContext.h"
#include "net/WebSocketFrame.h"
#include "protocol/ServerFrame.h"
#include "rooms/RoomHost.h"

#include <QTest>

using namespace ic::server;
using ic::proto::Command;
using ic::proto::ErrorCode;

namespace {

// One delivery as a connection would get it: its frames as JSON, and its bookkeeping.
struct Got
{
    QList<QByteArray> frames; // text payloads
    QList<QByteArray> wire;   // as handed over (WebSocket framing included)
    bool finished = false;
    QString joined;
    QString left;
    bool close = false;
    quint16 closeCode = 0;

    QStringList commands() const
    {
        QStringList list;
        for (const QByteArray &json : frames) {
            const auto frame = ic::proto::decodeServerFrame(json);
            list.append(frame ? frame->command : QStringLiteral("?"));
        }
        return list;
    }
};

// A worker as the rooms see it: records every delivery per connection.
class RecordingThread : public RoomThread
{
public:
    explicit RecordingThread(int index) : m_index(index) {}
    bool busy = false;
    QHash<quint64, QList<Got>> got;

    int index() const override { return m_index; }
    bool overloaded() const override { return busy; }
    void deliver(quint64 connection, Delivery delivery) override
    {
        Got entry;
        for (const QByteArray &frame : std::as_const(delivery.bytes)) {
            entry.wire.append(frame);
            ic::ws::FrameParser parser(ic::ws::FrameParser::Role::Client, 1 << 24);
            parser.feed(frame);
            const auto message = parser.next();
            entry.frames.append(message ? message->payload : QByteArray("?"));
        }
        entry.finished = delivery.finished;
        entry.joined = delivery.joined;
        entry.left = delivery.left;
        entry.close = delivery.close;
        entry.closeCode = delivery.closeCode;
        got[connection].append(entry);
    }
    // Everything a connection got, and forgets it.
    QList<Got> take(quint64 connection) { return got.take(connection); }

private:
    int m_index;
};

ServerSettings settings()
{
    ServerSettings s;
    s.rateLimits = false;
    s.room.rateLimits = false;
    s.room.build = QStringLiteral("roomhost-test");
    return s;
}

QUuid sessionOf(int n)
{
    return QUuid::fromString(
        QStringLiteral("00000000-0000-4000-8000-%1").arg(n, 12, 10, QChar(u'0')));
}

} // namespace

Q_DECLARE_METATYPE(ErrorCode)

class TestRoomHost : public QObject
{
    Q_OBJECT

    std::unique_ptr<ServerContext> m_context;
    std::unique_ptr<RecordingThread> m_here;  // the host's own thread
    std::unique_ptr<RecordingThread> m_other; // another worker
    std::unique_ptr<RoomHost> m_host;

    // A command from connection `n` (session n), living on `home` (this thread by default).
    CommandRequest request(quint64 n, const char *command,
                           const QString &room = QStringLiteral("lobby"),
                           RoomThread *home = nullptr)
    {
        CommandRequest r;
        r.caller.session = sessionOf(int(n));
        r.caller.connection = n;
        r.caller.requestId = QStringLiteral("rq%1").arg(n);
        r.caller.protocolVersion = 1;
        r.home = home ? home : m_here.get();
        r.room = room;
        r.address = QStringLiteral("192.0.2.1");
        r.frame.command = QLatin1StringView(command);
        r.frame.kind = ic::proto::commandFromCode(r.frame.command);
        r.frame.requestId = r.caller.requestId;
        return r;
    }
    CommandRequest message(quint64 n, const QString &text,
                           const QString &room = QStringLiteral("lobby"))
    {
        CommandRequest r = request(n, "TM", room);
        r.frame.message = ic::proto::ClientMessage{};
        r.frame.message->text = text;
        return r;
    }
    void join(quint64 n, RoomThread *home = nullptr, const QString &room = QStringLiteral("lobby"))
    {
        m_host->execute(request(n, "R_C_J", room, home));
    }

private slots:
    void init()
    {
        m_context = std::make_unique<ServerContext>(settings());
        m_here = std::make_unique<RecordingThread>(0);
        m_other = std::make_unique<RecordingThread>(1);
        m_host = std::make_unique<RoomHost>(*m_context, m_here.get(), nullptr);
    }
    void cleanup()
    {
        m_host.reset();
        m_other.reset();
        m_here.reset();
        m_context.reset();
    }

    void joinAnswersInOneDelivery()
    {
        join(1);
        const QList<Got> got = m_here->take(1);
        QCOMPARE(got.size(), 1);
        QCOMPARE(got[0].commands(), L({"R_M_CH", "ALL_TM", "R_CH_D", "RP"}));
        QVERIFY(got[0].finished);
        QCOMPARE(got[0].joined, QStringLiteral("lobby"));
        QVERIFY(!got[0].close);
        QVERIFY(m_host->find(QStringLiteral("lobby")));
        QCOMPARE(m_host->find(QStringLiteral("lobby"))->memberCount(), 1);
        QCOMPARE(m_context->metrics().rooms.load(), qint64(1));
    }

    void messageReachesEveryMemberOnce()
    {
        join(1);
        join(2);
        join(3);
        m_here->got.clear();
        const double framesBefore = m_context->metrics().framesDelivered.Value();
        m_host->execute(message(2, QStringLiteral("hello")));

        const QList<Got> sender = m_here->take(2);
        QCOMPARE(sender.size(), 1); // broadcast and reply together, the reply last
        QCOMPARE(sender[0].commands(), L({"TM", "RP"}));
        QVERIFY(sender[0].finished);
        for (quint64 member : {1, 3}) {
            const QList<Got> got = m_here->take(member);
            QCOMPARE(got.size(), 1);
            QCOMPARE(got[0].commands(), L({"TM"}));
            QVERIFY(!got[0].finished); // not their request
            QVERIFY(got[0].joined.isEmpty());
            // Encoded once: every member gets the same bytes.
            QVERIFY(got[0].wire[0].constData() == sender[0].wire[0].constData());
            const auto frame = ic::proto::decodeServerFrame(got[0].frames[0]);
            QCOMPARE(frame->messages->first().text.value_or(QString()), QStringLiteral("hello"));
        }
        QVERIFY(m_here->got.isEmpty());
        QCOMPARE(m_context->metrics().framesDelivered.Value() - framesBefore, 4.0);
        QCOMPARE(m_host->find(QStringLiteral("lobby"))->messageCount(), 1);
    }

    void membersOnAnotherThread()
    {
        join(1);
        join(2, m_other.get());
        m_here->got.clear();
        m_other->got.clear();
        for (int i = 0; i < 20; ++i)
            m_host->execute(message(1, QString::number(i)));
        // Member 2's frames went through its own thread, in the room's order.
        const QList<Got> got = m_other->take(2);
        QCOMPARE(got.size(), 20);
        for (int i = 0; i < 20; ++i) {
            const auto frame = ic::proto::decodeServerFrame(got[i].frames.value(0));
            QVERIFY(frame);
            QCOMPARE(frame->messages->first().text.value_or(QString()), QString::number(i));
        }
        QVERIFY(!m_here->got.contains(2));
        // The sender's answers stayed on its thread.
        QCOMPARE(m_here->take(1).size(), 20);
        QVERIFY(m_other->got.isEmpty());
    }

    void refusedCommands_data()
    {
        QTest::addColumn<QByteArray>("command");
        QTest::addColumn<QString>("room");
        QTest::addColumn<quint64>("connection"); // 1 is a member of "lobby", 9 is not
        QTest::addColumn<ErrorCode>("error");
        QTest::newRow("message to a missing room") << QByteArray("TM") << QStringLiteral("nowhere")
                                                   << quint64(1) << ErrorCode::RoomNotFound;
        QTest::newRow("join of a missing room") << QByteArray("R_J") << QStringLiteral("nowhere")
                                                << quint64(1) << ErrorCode::RoomNotFound;
        QTest::newRow("create of an existing room")
            << QByteArray("R_C") << QStringLiteral("lobby") << quint64(9) << ErrorCode::RoomExists;
        QTest::newRow("message from a non-member") << QByteArray("TM") << QStringLiteral("lobby")
                                                   << quint64(9) << ErrorCode::NotAuthorised;
        QTest::newRow("edit without a message id") << QByteArray("TM_E") << QStringLiteral("lobby")
                                                   << quint64(1) << ErrorCode::InvalidInput;
    }
    void refusedCommands()
    {
        QFETCH(QByteArray, command);
        QFETCH(QString, room);
        QFETCH(quint64, connection);
        QFETCH(ErrorCode, error);
        join(1);
        join(2);
        m_here->got.clear();
        const qint64 rooms = m_context->metrics().rooms.load();
        CommandRequest r = request(connection, command.constData(), room);
        r.frame.message = ic::proto::ClientMessage{};
        r.frame.message->text = QStringLiteral("x"); // and no id
        m_host->execute(std::move(r));

        const QList<Got> got = m_here->take(connection);
        QCOMPARE(got.size(), 1);
        QCOMPARE(got[0].commands(), L({"ER"}));
        const auto frame = ic::proto::decodeServerFrame(got[0].frames[0]);
        QCOMPARE(frame->errorCode(), error);
        QCOMPARE(frame->requestId, std::optional<QString>(QStringLiteral("rq%1").arg(connection)));
        QVERIFY(got[0].finished);
        QVERIFY(got[0].joined.isEmpty());
        // Nothing else changed: no other delivery, no room made, no message stored.
        QVERIFY(m_here->got.isEmpty());
        QCOMPARE(m_context->metrics().rooms.load(), rooms);
        QVERIFY(!m_host->find(QStringLiteral("nowhere")));
        QCOMPARE(m_host->find(QStringLiteral("lobby"))->messageCount(), 0);
        QCOMPARE(m_host->find(QStringLiteral("lobby"))->memberCount(), 2);
    }

    void typingDroppedWhenOverloaded_data()
    {
        QTest::addColumn<bool>("busy");
        QTest::newRow("idle thread: the others are told") << false;
        QTest::newRow("overloaded thread: dropped, no answer") << true;
    }
    void typingDroppedWhenOverloaded()
    {
        QFETCH(bool, busy);
        for (quint64 n : {1, 2}) {
            CommandRequest r = request(n, "R_C_J");
            r.caller.protocolVersion = 2;
            m_host->execute(std::move(r));
        }
        m_here->got.clear();
        m_here->busy = busy;
        CommandRequest typing = request(1, "TY");
        typing.caller.protocolVersion = 2;
        m_host->execute(std::move(typing));
        if (busy) {
            QVERIFY(m_here->got.isEmpty());
            return;
        }
        QCOMPARE(m_here->take(2).value(0).commands(), L({"TY"}));
        QVERIFY(m_here->take(1).value(0).finished);
    }

    void replacedSessionClosesOldConnection()
    {
        join(1);
        join(2);
        m_here->got.clear();
        // Session 1 again, from connection 11.
        CommandRequest again = request(11, "R_C_J");
        again.caller.session = sessionOf(1);
        m_host->execute(std::move(again));

        const QList<Got> old = m_here->take(1);
        QCOMPARE(old.size(), 1);
        QCOMPARE(old[0].commands(), L({"ER"}));
        QCOMPARE(ic::proto::decodeServerFrame(old[0].frames[0])->errorCode(),
                 ErrorCode::SessionReplaced);
        QVERIFY(old[0].close);
        QCOMPARE(old[0].closeCode, quint16(ic::ws::CloseNormal));
        QCOMPARE(old[0].left, QStringLiteral("lobby"));
        QCOMPARE(m_here->take(11).value(0).joined, QStringLiteral("lobby"));
        // The old connection is no member any more: a message reaches 2 and 11 only.
        m_here->got.clear();
        m_host->execute(message(2, QStringLiteral("after")));
        QVERIFY(!m_here->got.contains(1));
        QCOMPARE(m_here->take(11).value(0).commands(), L({"TM"}));
    }

    void leaveIsBroadcastWithNobodyToAnswer()
    {
        join(1);
        join(2);
        m_here->got.clear();
        m_host->leave(QStringLiteral("lobby"), 1);
        QVERIFY(!m_here->got.contains(1));
        const QList<Got> got = m_here->take(2);
        QCOMPARE(got.size(), 1);
        QCOMPARE(got[0].commands(), L({"R_M_CH"}));
        QVERIFY(!got[0].finished);
        QCOMPARE(m_host->find(QStringLiteral("lobby"))->memberCount(), 1);
        // Gone from the room's addressees too.
        m_host->execute(message(2, QStringLiteral("x")));
        QVERIFY(!m_here->got.contains(1));
    }

    void httpMessageIsBroadcast()
    {
        join(1);
        join(2, m_other.get());
        m_here->got.clear();
        m_other->got.clear();
        const qint64 nowNs = ic::proto::nowNanoseconds();
        RoomResult result =
            m_host->postExternal(QStringLiteral("lobby"), QStringLiteral("from%20http"), nowNs);
        QCOMPARE(result.error, ErrorCode::None);
        m_host->broadcast(QStringLiteral("lobby"), std::move(result), nowNs);
        for (RoomThread *thread :
             {static_cast<RoomThread *>(m_here.get()), static_cast<RoomThread *>(m_other.get())}) {
            auto *recording = static_cast<RecordingThread *>(thread);
            const quint64 member = recording == m_here.get() ? 1 : 2;
            const QList<Got> got = recording->take(member);
            QCOMPARE(got.size(), 1);
            QCOMPARE(got[0].commands(), L({"TM"}));
            QVERIFY(!got[0].finished);
            QVERIFY(recording->got.isEmpty());
        }
    }

    void deletedRoomClosesMembers()
    {
        join(1);
        join(2, m_other.get());
        m_here->got.clear();
        m_other->got.clear();
        QVERIFY(m_host->deleteRoom(QStringLiteral("lobby")));
        for (auto [thread, member] :
             {std::pair{m_here.get(), quint64(1)}, std::pair{m_other.get(), quint64(2)}}) {
            const QList<Got> got = thread->take(member);
            QCOMPARE(got.size(), 1);
            QCOMPARE(got[0].commands(), L({"ER"}));
            QCOMPARE(ic::proto::decodeServerFrame(got[0].frames[0])->errorCode(),
                     ErrorCode::RoomNotFound);
            QVERIFY(got[0].close);
            QCOMPARE(got[0].closeCode, quint16(ic::ws::CloseGoingAway));
            QCOMPARE(got[0].left, QStringLiteral("lobby"));
        }
        QVERIFY(!m_host->find(QStringLiteral("lobby")));
        QCOMPARE(m_context->metrics().rooms.load(), qint64(0));
        QVERIFY(!m_host->deleteRoom(QStringLiteral("lobby")));
    }
};

QTEST_GUILESS_MAIN(TestRoomHost)
#include "tst_roomhost.moc"
