// POST /internal/rooms/import on a real server: a snapshot written here from the documented
// format (docs/architecture.md "Room snapshots", independently of the server's encoder) becomes a
// room its users rejoin as themselves, with history, votes, creator and id counter; the route is
// for cluster members only, takes a body larger than other routes only there, and refuses
// garbage (400), a room it holds (409), a malformed snapshot (400 with the decoder's sentence)
// and a body over its bound (413).

#include "ServerFixture.h"

#include <QDateTime>
#include <QJsonArray>
#include <QtEndian>

using namespace ic::testing;

namespace {

const QByteArray token = "import-test-token";
const QUuid creator = QUuid::fromString(QStringLiteral("6f1d8a3e-2b4c-4d5e-8f60-718293a4b5c6"));
const QString creatorId = QStringLiteral("11111111-2222-4333-8444-555555555555");
const QString roomId = QStringLiteral("2b1c8a7e-1111-4222-8333-944455556666");

class Writer
{
public:
    Writer &u8(quint8 v)
    {
        bytes.append(char(v));
        return *this;
    }
    Writer &u32(quint32 v) { return put(v); }
    Writer &i64(qint64 v) { return put(v); }
    Writer &str(const QString &text)
    {
        const QByteArray utf8 = text.toUtf8();
        u32(quint32(utf8.size()));
        bytes.append(utf8);
        return *this;
    }
    Writer &uuid(const QUuid &id)
    {
        bytes.append(id.toRfc4122());
        return *this;
    }
    QByteArray bytes;

private:
    template <typename T> Writer &put(T v)
    {
        char raw[sizeof(T)];
        qToBigEndian(v, raw);
        bytes.append(raw, sizeof(T));
        return *this;
    }
};

// A room with one user (its creator, online when the snapshot was taken), two messages (ids 2
// and 3; 1 was deleted), a vote, a description; the next id is 4.
QByteArray snapshot(const QString &name, const QByteArray &trailing = {})
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch() * 1000000;
    Writer w;
    w.bytes = QByteArray("ICRS\x00\x01", 6);
    w.str(name).str(roomId).uuid(creator).u32(0).u32(0).i64(now - 60'000'000'000).i64(now).i64(now);
    w.str(QStringLiteral("about%20us")).i64(4).i64(0).u8(0).i64(3);
    w.u32(1).uuid(creator);                                                       // sessions
    w.u32(1).u32(0).str(creatorId).str(QStringLiteral("Ann")).u8(4 | 8).i64(now); // users
    w.u32(2);                                                                     // messages
    w.i64(2).str(QStringLiteral("two")).str(creatorId).u32(0).i64(now / 1000000000).i64(0).i64(0);
    w.u8(0).u32(0);
    w.i64(3)
        .str(QStringLiteral("three"))
        .str(QStringLiteral("00000000-0000-0000-0000-000000000000"));
    w.u32(0xFFFFFFFFu).i64(now / 1000000000).i64(0).i64(now).u8(0).u32(1).u32(0).u8(1);
    return w.bytes + trailing;
}

// The status line the server answers a raw request with (its head only, no body sent).
QByteArray statusLine(quint16 port, const QByteArray &request)
{
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), port);
    if (!socket.waitForConnected(5000))
        return {};
    socket.write(request);
    QByteArray answer;
    waitUntil(
        [&] {
            answer += socket.readAll();
            return answer.contains("\r\n");
        },
        5000);
    return answer.left(answer.indexOf("\r\n"));
}

QByteArray cookieFor(const QUuid &session)
{
    const QJsonObject value{{QStringLiteral("sessionUUID"), session.toString(QUuid::WithoutBraces)},
                            {QStringLiteral("startedAt"), QStringLiteral("2026-01-01T00:00:00Z")}};
    return QJsonDocument(value).toJson(QJsonDocument::Compact).toBase64();
}

HttpResult import(const TestProcess &server, const QByteArray &body, bool withToken = true)
{
    Headers headers;
    if (withToken)
        headers.append({"X-Instantchat-Token", token});
    return httpPost(server.httpUrl(QStringLiteral("/internal/rooms/import")), body,
                    "application/octet-stream", headers);
}

} // namespace

class RoomImportTest : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<TestProcess> m_server;

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QFile file(m_dir.filePath(QStringLiteral("token")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(token + '\n');
        file.close();
        m_server = startServer({QStringLiteral("--cluster-token-file"), file.fileName()});
        QVERIFY(m_server);
    }

    void importedRoomIsTheSameRoom()
    {
        const HttpResult imported = import(*m_server, snapshot(QStringLiteral("imported-room")));
        QCOMPARE(imported.status, 200);
        QCOMPARE(imported.body, QByteArray(R"({"imported":true,"messages":2})"));

        RawSocket socket;
        QVERIFY(socket.open(m_server->port(), cookieFor(creator)));
        socket.sendText(R"({"c":"R_J","rq":"j","r":{"n":"Imported-Room","p":""}})");
        const auto members =
            socket.waitForFrame([](const ServerFrame &f) { return f.command == u"R_M_CH"; });
        const auto all = socket.nextFrame();
        const auto description = socket.nextFrame();
        const auto reply = socket.nextFrame();
        QVERIFY(members && all && description && reply);
        QCOMPARE(reply->command, QStringLiteral("RP"));
        QCOMPARE(reply->userId.value(), creatorId);
        QCOMPARE(reply->roomId.value(), roomId);
        QCOMPARE(description->creatorUserId.value(), creatorId);
        QCOMPARE(description->messages->first().text.value(), QStringLiteral("about%20us"));
        QCOMPARE(members->users->size(), 2); // the HTTP author and Ann
        QCOMPARE(members->users->at(1).name, QStringLiteral("Ann"));
        const QList<ic::proto::WireMessage> messages = all->messages.value();
        QCOMPARE(messages.size(), 2);
        QCOMPARE(messages.at(0).id.value(), 2);
        QCOMPARE(messages.at(1).text.value(), QStringLiteral("three"));
        QCOMPARE(messages.at(1).supportCount.value(), 1);
        // The id counter goes on where it was.
        socket.sendText(R"({"c":"TM","rq":"t","r":{"n":"imported-room"},"m":{"t":"four"}})");
        const auto posted =
            socket.waitForFrame([](const ServerFrame &f) { return f.command == u"TM"; });
        QVERIFY(posted);
        QCOMPARE(posted->messages->first().id.value(), 4);
        // The creator's vote toggles its own earlier vote off.
        socket.sendText(
            R"({"c":"TM_S_R","rq":"v","r":{"n":"imported-room"},"m":{"id":3},"srM":true})");
        const auto counts =
            socket.waitForFrame([](const ServerFrame &f) { return f.command == u"TM_S_R"; });
        QVERIFY(counts);
        QCOMPARE(counts->messages->first().supportCount.value(), 0);
    }

    void refusals()
    {
        const HttpResult held = import(*m_server, snapshot(QStringLiteral("held-room")));
        QCOMPARE(held.status, 200);
        QCOMPARE(import(*m_server, snapshot(QStringLiteral("held-room"))).status, 409);
        QCOMPARE(import(*m_server, snapshot(QStringLiteral("other-room")), false).status, 403);
        const HttpResult garbage = import(*m_server, "not a snapshot");
        QCOMPARE(garbage.status, 400);
        QVERIFY(garbage.body.contains("not a room snapshot"));
        const HttpResult trailing = import(*m_server, snapshot(QStringLiteral("tail-room"), "x"));
        QCOMPARE(trailing.status, 400);
        QVERIFY2(trailing.body.contains("after its end"), trailing.body.constData());
        // Nothing was created by the refusals.
        const HttpResult rooms = httpGet(m_server->httpUrl(QStringLiteral("/internal/rooms")),
                                         {{"X-Instantchat-Token", token}});
        QVERIFY(!rooms.body.contains("tail-room") && !rooms.body.contains("other-room"));

        // The larger body is for this route and members only; its bound is still a bound.
        const auto head = [&](const QByteArray &path, qint64 length, bool withToken) {
            return statusLine(
                m_server->port(),
                "POST " + path +
                    " HTTP/1.1\r\nHost: x\r\nContent-Length: " + QByteArray::number(length) +
                    "\r\n" + (withToken ? "X-Instantchat-Token: " + token + "\r\n" : "") + "\r\n");
        };
        QVERIFY(head("/internal/rooms/import", 1'000'000'000, true).startsWith("HTTP/1.1 413"));
        QVERIFY(head("/internal/rooms/import", 1'000'000, false).startsWith("HTTP/1.1 413"));
        QVERIFY(head("/internal/maintenance", 1'000'000, true).startsWith("HTTP/1.1 413"));
        const QByteArray big(1'000'000, 'x');
        const HttpResult large = import(*m_server, QByteArray("ICRS\x00\x01", 6) + big);
        QCOMPARE(large.status, 400); // read in full, refused by the decoder
    }

    // An answer larger than --outbound-limit (4 MiB) on an idle connection is still sent: the
    // promote answer echoes every room name of a list of up to 8 MiB (a failover of a server
    // with many rooms), and the balancer must learn which rooms came back. It used to be
    // dropped as a slow client, leaving the caller with no answer at all.
    void answerLargerThanTheOutboundLimit()
    {
        QByteArray list = "{\"rooms\":[";
        int names = 0;
        while (list.size() < 5 * 1024 * 1024) {
            list += (names ? ",\"" : "\"") + QByteArray("missing-room-") +
                    QByteArray::number(names) + QByteArray(60, 'x') + '"';
            ++names;
        }
        list += "]}";
        const HttpResult promoted =
            httpPost(m_server->httpUrl(QStringLiteral("/internal/replica/promote")), list,
                     "application/json", {{"X-Instantchat-Token", token}});
        QCOMPARE(promoted.status, 200);
        const QJsonObject answer = QJsonDocument::fromJson(promoted.body).object();
        QCOMPARE(answer.value(QStringLiteral("missing")).toArray().size(), names);
        QVERIFY(promoted.body.size() > 4 * 1024 * 1024);
    }
};

QTEST_GUILESS_MAIN(RoomImportTest)
#include "tst_roomimport.moc"
