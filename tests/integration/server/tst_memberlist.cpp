// Member deltas and typing against a real server (pv 2 beside v1): deltas keep ChatClient's list
// equal to the server's, a lost delta makes it fetch the full list, v1 sessions keep getting the
// full list and never a delta or a typing signal. The loss is real: a relay between client and
// server drops the first delta on the wire.

#include "ServerFixture.h"

#include "client/ChatClient.h"
#include "net/WebSocketFrame.h"

#include <QTcpServer>
#include <QTcpSocket>

using namespace ic::testing;

namespace {

// Relays one WebSocket connection to the server; server → client messages are re-framed, and
// the first `dropDeltas` member deltas are left out.
class DroppingRelay : public QObject
{
public:
    DroppingRelay(quint16 serverPort, int dropDeltas, QObject *parent)
        : QObject(parent), m_serverPort(serverPort), m_dropDeltas(dropDeltas)
    {
        m_listener.listen(QHostAddress::LocalHost, 0);
        connect(&m_listener, &QTcpServer::newConnection, this, [this] { accept(); });
    }

    quint16 port() const { return m_listener.serverPort(); }
    int dropped() const { return m_dropped; }

private:
    void accept()
    {
        QTcpSocket *client = m_listener.nextPendingConnection();
        client->setParent(this);
        auto *server = new QTcpSocket(this);
        server->connectToHost(QHostAddress::LocalHost, m_serverPort);
        // Client → server: verbatim (bytes written before the connection is up are queued).
        connect(client, &QTcpSocket::readyRead, this,
                [client, server] { server->write(client->readAll()); });
        connect(server, &QTcpSocket::readyRead, this, [this, client, server] {
            m_fromServer += server->readAll();
            forward(client);
        });
        connect(server, &QTcpSocket::disconnected, client, &QTcpSocket::disconnectFromHost);
        connect(client, &QTcpSocket::disconnected, server, &QTcpSocket::disconnectFromHost);
    }

    void forward(QTcpSocket *client)
    {
        if (!m_upgraded) {
            const qsizetype end = m_fromServer.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            client->write(m_fromServer.left(end + 4));
            m_fromServer.remove(0, end + 4);
            m_upgraded = true;
        }
        m_parser.feed(m_fromServer);
        m_fromServer.clear();
        while (m_parser.hasMessages()) {
            const ic::ws::Message message = *m_parser.next();
            if (m_dropped < m_dropDeltas && message.payload.startsWith(R"({"c":"R_M_D")")) {
                ++m_dropped;
                continue;
            }
            client->write(ic::ws::encodeFrame(message.opcode, message.payload));
        }
    }

    QTcpServer m_listener;
    quint16 m_serverPort;
    int m_dropDeltas;
    int m_dropped = 0;
    bool m_upgraded = false;
    QByteArray m_fromServer;
    ic::ws::FrameParser m_parser{ic::ws::FrameParser::Role::Client, 16 * 1024 * 1024};
};

bool listed(const QList<ic::proto::WireUser> &users, const QString &id, bool online)
{
    return std::any_of(users.cbegin(), users.cend(), [&](const ic::proto::WireUser &user) {
        return user.id == id && user.online == online;
    });
}

} // namespace

class TestMemberList : public QObject
{
    Q_OBJECT

private slots:
    void cleanup() { qDeleteAll(findChildren<QObject *>(Qt::FindDirectChildrenOnly)); }

    void lostDeltaIsRecoveredWithTheFullList()
    {
        auto server = startServer();
        QVERIFY(server);
        const QString room = QStringLiteral("delta-gap-room");

        // A: pv 2 behind the relay that loses the first delta.
        auto *relay = new DroppingRelay(server->port(), 1, this);
        ChatClient::Options options = serverClientOptions(*server);
        options.protocolVersion = 2;
        QUrl url = options.serverUrl;
        url.setPort(relay->port());
        options.serverUrl = url;
        ChatClient *a = connectClient(options, this);
        QVERIFY(a);
        auto *aFrames = new FrameRecorder(a, this);
        const auto aJoined = aFrames->waitForReply(a->createAndJoin(room));
        QVERIFY(aJoined && isReply(*aJoined));
        QVERIFY(waitUntil([&] { return a->memberVersion() > 0; }));
        const qint64 first = a->memberVersion();
        QCOMPARE(a->members().size(), 2); // the external user and A

        Peer b = connectPeer(*server, this, {}, 2);
        QVERIFY(b);
        const auto bJoined = b.reply(b.client->join(room));
        QVERIFY(bJoined && isReply(*bJoined));
        QVERIFY(waitUntil([&] { return relay->dropped() == 1; })); // A never sees B's join

        Peer c = connectPeer(*server, this, {}, 1);
        QVERIFY(c);
        const auto cJoined = c.reply(c.client->join(room));
        QVERIFY(cJoined && isReply(*cJoined));

        // C's delta skips a version: A asks for the full list and holds all three.
        QVERIFY(waitUntil([&] { return a->memberVersion() == first + 2; }));
        QCOMPARE(a->fullListRequests(), 1);
        QVERIFY(listed(a->members(), *bJoined->userId, true));
        QVERIFY(listed(a->members(), *cJoined->userId, true));
        QCOMPARE(a->members().size(), 4);

        // B got C's join as a delta, applied in order, no full list asked for.
        QVERIFY(waitUntil([&] { return b.client->memberVersion() == first + 2; }));
        QCOMPARE(b.client->fullListRequests(), 0);
        QCOMPARE(b.client->members(), a->members());
        QCOMPARE(b.frames->count(Command::MembersChanged), 1); // its own join's list only

        // B leaves: A and C learn it, each in its own form.
        const qsizetype cBefore = c.frames->size();
        b.client->close();
        QVERIFY(waitUntil([&] { return a->memberVersion() == first + 3; }));
        QVERIFY(listed(a->members(), *bJoined->userId, false));
        const auto cList =
            c.frames->waitForFrame(FrameRecorder::is(Command::MembersChanged), 5000, cBefore);
        QVERIFY(cList);
        QVERIFY(!cList->memberVersion); // v1: the full list, exactly as before
        QVERIFY(listed(*cList->users, *bJoined->userId, false));
        QCOMPARE(c.frames->count(Command::MemberDelta), 0);
    }

    void typingReachesOtherExtendedMembersOnly()
    {
        auto server = startServer();
        QVERIFY(server);
        const QString room = QStringLiteral("typing-room");
        Peer typist = connectPeer(*server, this, {}, 2);
        Peer reader = connectPeer(*server, this, {}, 2);
        Peer legacy = connectPeer(*server, this, {}, 1);
        QVERIFY(typist && reader && legacy);
        const auto joined = typist.reply(typist.client->createAndJoin(room));
        QVERIFY(joined && isReply(*joined));
        QVERIFY(reader.reply(reader.client->join(room)));
        QVERIFY(legacy.reply(legacy.client->join(room)));

        QStringList typing;
        connect(reader.client, &ChatClient::typing, this,
                [&typing](const QString &userId) { typing << userId; });
        QVERIFY(typist.client->sendTyping(room));
        QVERIFY(!typist.client->sendTyping(room)); // this client's own throttle
        QVERIFY(waitUntil([&] { return typing.size() == 1; }));
        QCOMPARE(typing.first(), *joined->userId);
        QVERIFY(!legacy.client->sendTyping(room)); // a v1 client cannot send it

        // A message after the signal: once the v1 member has it, it would have had the TY too.
        const auto sent = typist.reply(typist.client->sendText(room, QStringLiteral("after")));
        QVERIFY(sent && isReply(*sent));
        QVERIFY(legacy.frames->waitFor(FrameRecorder::is(Command::TextMessage)));
        QCOMPARE(legacy.frames->count(Command::Typing), 0);
        QCOMPARE(typist.frames->count(Command::Typing), 0); // not echoed to the typist
        // Never stored: the joiner's history holds the message only.
        Peer late = connectPeer(*server, this, {}, 2);
        QVERIFY(late && late.reply(late.client->join(room)));
        const auto history = late.frames->waitForFrame(FrameRecorder::is(Command::AllMessages));
        QVERIFY(history);
        QCOMPARE(history->messages->size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestMemberList)
#include "tst_memberlist.moc"
