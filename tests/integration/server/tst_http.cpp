// docs/protocol.md §2.2 server routes (/hw, /healthz, /metrics), §9 the plain-HTTP room calls as the server
// answers it (/direct_retrieval, /direct_sending), and §6 empty-room lifetime.

#include "ServerFixture.h"

#include <QUrlQuery>

using namespace ic::testing;

namespace {

const QString nilUuid = QStringLiteral("00000000-0000-0000-0000-000000000000");

QUrl withQuery(QUrl url, const QList<QPair<QString, QString>> &items)
{
    // Percent-encode every value (spaces as %20, `&`, `=` and `+` included).
    QStringList parts;
    for (const auto &[key, value] : items)
        parts << key + QLatin1Char('=') + ic::validation::urlEncode(value);
    url.setQuery(parts.join(QLatin1Char('&')), QUrl::TolerantMode);
    return url;
}

} // namespace

class HttpTest : public QObject
{
    Q_OBJECT

    std::unique_ptr<TestProcess> m_server;

    HttpResult get(const QString &path, const QList<QPair<QString, QString>> &query = {})
    {
        return httpGet(withQuery(m_server->httpUrl(path), query));
    }

    HttpResult hw(const QString &room)
    {
        return get(QStringLiteral("/hw"), {{QStringLiteral("roomName"), room}});
    }

    bool roomExists(const QString &room)
    {
        return jsonObject(hw(room).body).value(QLatin1StringView("rf")).toBool();
    }

private slots:
    void init()
    {
        m_server = startServer({QStringLiteral("--room-lifetime"), QStringLiteral("2")});
        QVERIFY(m_server);
    }
    void cleanup()
    {
        qDeleteAll(findChildren<QObject *>(Qt::FindDirectChildrenOnly));
        m_server.reset();
    }

    void healthz()
    {
        const HttpResult result = get(QStringLiteral("/healthz"));
        QCOMPARE(result.status, 200);
        QCOMPARE(result.body.trimmed(), QByteArray("ok"));
    }

    // §2.2 /hw: {"cpu": float, "ram": float, "uo": int, "rf": bool}.
    void hardwareProbe()
    {
        HttpResult result = hw(QStringLiteral("hw-room"));
        QCOMPARE(result.status, 200);
        QJsonObject probe = jsonObject(result.body);
        QVERIFY2(probe.value(QLatin1StringView("cpu")).isDouble(), result.body.constData());
        QVERIFY(probe.value(QLatin1StringView("ram")).isDouble());
        QVERIFY(probe.value(QLatin1StringView("uo")).isDouble());
        QVERIFY(probe.value(QLatin1StringView("rf")).isBool());
        QCOMPARE(probe.value(QLatin1StringView("rf")).toBool(), false);
        QCOMPARE(probe.value(QLatin1StringView("uo")).toInt(), 0);
        const double ram = probe.value(QLatin1StringView("ram")).toDouble();
        QVERIFY2(ram > 0 && ram <= 100, result.body.constData());
        const double cpu = probe.value(QLatin1StringView("cpu")).toDouble();
        QVERIFY2(cpu >= 0, result.body.constData());

        Peer a = connectPeer(*m_server, this), b = connectPeer(*m_server, this);
        QVERIFY(a && b);
        IC_VERIFY_RP(a.reply(a.client->createAndJoin(QStringLiteral("hw-room"))));
        IC_VERIFY_RP(b.reply(b.client->createAndJoin(QStringLiteral("hw-room"))));
        probe = jsonObject(hw(QStringLiteral("hw-room")).body);
        QCOMPARE(probe.value(QLatin1StringView("rf")).toBool(), true);
        QCOMPARE(probe.value(QLatin1StringView("uo")).toInt(), 2);
        // Canonical name in the query too.
        QCOMPARE(roomExists(QStringLiteral(" HW-Room")), true);
        QCOMPARE(roomExists(QStringLiteral("other-room")), false);
    }

    // docs/interfaces.md: every server metric name is exposed, and the values move.
    void metrics()
    {
        Peer a = connectPeer(*m_server, this);
        QVERIFY(a);
        IC_VERIFY_RP(a.reply(a.client->createAndJoin(QStringLiteral("metrics-room"))));
        IC_VERIFY_RP(
            a.reply(a.client->sendText(QStringLiteral("metrics-room"), QStringLiteral("x"))));
        IC_VERIFY_ER(a.reply(a.client->join(QStringLiteral("missing-room"))),
                     ErrorCode::RoomNotFound);

        const HttpResult result = get(QStringLiteral("/metrics"));
        QCOMPARE(result.status, 200);
        QVERIFY(result.header("Content-Type").startsWith("text/plain"));
        const QStringList names{QStringLiteral("instantchat_connections"),
                                QStringLiteral("instantchat_rooms"),
                                QStringLiteral("instantchat_users_online"),
                                QStringLiteral("instantchat_messages_received_total"),
                                QStringLiteral("instantchat_frames_delivered_total"),
                                QStringLiteral("instantchat_slow_clients_dropped_total"),
                                QStringLiteral("instantchat_rate_limited_total"),
                                QStringLiteral("instantchat_errors_total"),
                                QStringLiteral("instantchat_broadcast_latency_seconds_bucket"),
                                QStringLiteral("instantchat_broadcast_latency_seconds_count"),
                                QStringLiteral("instantchat_outbound_queued_bytes"),
                                QStringLiteral("instantchat_max_connections"),
                                QStringLiteral("process_cpu_seconds_total"),
                                QStringLiteral("process_resident_memory_bytes"),
                                QStringLiteral("process_open_fds")};
        const QString body = QString::fromUtf8(result.body);
        for (const QString &name : names) {
            // A family may legitimately have no sample yet (a labelled counter nobody hit), but
            // it must be declared.
            const QString base = name.section(QStringLiteral("_bucket"), 0, 0)
                                     .section(QStringLiteral("_count"), 0, 0);
            QVERIFY2(metricValue(result.body, name) ||
                         body.contains(QStringLiteral("# TYPE ") + base + QLatin1Char(' ')),
                     qPrintable(name));
        }
        QCOMPARE(metricValue(result.body, QStringLiteral("instantchat_connections")).value_or(-1),
                 1.0);
        QCOMPARE(metricValue(result.body, QStringLiteral("instantchat_rooms")).value_or(-1), 1.0);
        QCOMPARE(metricValue(result.body, QStringLiteral("instantchat_users_online")).value_or(-1),
                 1.0);
        QCOMPARE(
            metricValue(result.body, QStringLiteral("instantchat_max_connections")).value_or(-1),
            20000.0);
        QVERIFY(metricValue(result.body, QStringLiteral("instantchat_messages_received_total"))
                    .value_or(0) >= 1);
        QVERIFY(metricValue(result.body, QStringLiteral("instantchat_frames_delivered_total"))
                    .value_or(0) >= 1);
        QVERIFY(
            metricValue(result.body, QStringLiteral("instantchat_broadcast_latency_seconds_count"))
                .value_or(0) >= 1);
        QVERIFY2(body.contains(QStringLiteral("instantchat_errors_total{code=\"202\"}")),
                 "errors_total{code=\"202\"} missing");
        QVERIFY(
            metricValue(result.body, QStringLiteral("process_resident_memory_bytes")).value_or(0) >
            0);
    }

    // §9 /s/ (server side /direct_sending): text and JSON replies, stored URL-encoded with %20,
    // author external-user with the nil uuid, broadcast to the room.
    void directSending()
    {
        HttpResult first = get(QStringLiteral("/direct_sending"),
                               {{QStringLiteral("roomName"), QStringLiteral("Send-Room")},
                                {QStringLiteral("m"), QStringLiteral("hello world & co")}});
        QCOMPARE(first.status, 200);
        QVERIFY2(first.body.startsWith("Created new room!"), first.body.constData());
        QVERIFY2(first.body.contains("\n\n"), first.body.constData());
        QCOMPARE(first.body.trimmed().split('\n').last().trimmed(), QByteArray("message sent"));

        Peer a = connectPeer(*m_server, this);
        QVERIFY(a);
        IC_VERIFY_RP(a.reply(a.client->join(QStringLiteral("send-room"))));
        const auto all = a.frames->waitForFrame(FrameRecorder::is(Command::AllMessages), 1000);
        QVERIFY(all && all->messages && all->messages->size() == 1);
        QCOMPARE(all->messages->first().text,
                 std::optional<QString>(QStringLiteral("hello%20world%20%26%20co")));
        QCOMPARE(all->messages->first().userId, std::optional<QString>(nilUuid));

        const qsizetype from = a.frames->size();
        HttpResult second = get(QStringLiteral("/direct_sending"),
                                {{QStringLiteral("roomName"), QStringLiteral("send-room")},
                                 {QStringLiteral("m"), QStringLiteral("json one")},
                                 {QStringLiteral("format"), QStringLiteral("json")}});
        QCOMPARE(second.status, 200);
        const QJsonObject reply = jsonObject(second.body);
        QCOMPARE(reply.value(QLatin1StringView("createdNewRoom")).toBool(true), false);
        QCOMPARE(reply.value(QLatin1StringView("responseText")).toString(),
                 QStringLiteral("message sent"));
        const auto tm = a.frames->waitForFrame(FrameRecorder::is(Command::TextMessage), 5000, from);
        QVERIFY2(tm, "an HTTP send was not broadcast to the room");
        QCOMPARE(tm->messages->first().id, std::optional<qint64>(2)); // shares the id sequence
        QCOMPARE(tm->messages->first().text, std::optional<QString>(QStringLiteral("json%20one")));
        QCOMPARE(tm->messages->first().userId, std::optional<QString>(nilUuid));

        // Text reply when the room already exists: just "message sent".
        const HttpResult third = get(QStringLiteral("/direct_sending"),
                                     {{QStringLiteral("roomName"), QStringLiteral("send-room")},
                                      {QStringLiteral("m"), QStringLiteral("3")}});
        QCOMPARE(third.status, 200);
        QCOMPARE(third.body.trimmed(), QByteArray("message sent"));
    }

    // §9 errors with fitting statuses, text `error: …` and JSON {"error": "error: …"}.
    void directErrors()
    {
        Peer a = connectPeer(*m_server, this);
        QVERIFY(a);
        IC_VERIFY_RP(
            a.reply(a.client->createAndJoin(QStringLiteral("locked-room"), QStringLiteral("pw"))));

        HttpResult wrong = get(QStringLiteral("/direct_retrieval"),
                               {{QStringLiteral("roomName"), QStringLiteral("locked-room")}});
        QCOMPARE(wrong.status, 403);
        QVERIFY2(wrong.body.startsWith("error: "), wrong.body.constData());
        wrong = get(QStringLiteral("/direct_sending"),
                    {{QStringLiteral("roomName"), QStringLiteral("locked-room")},
                     {QStringLiteral("m"), QStringLiteral("x")},
                     {QStringLiteral("p"), QStringLiteral("bad")},
                     {QStringLiteral("format"), QStringLiteral("json")}});
        QCOMPARE(wrong.status, 403);
        QVERIFY2(jsonObject(wrong.body)
                     .value(QLatin1StringView("error"))
                     .toString()
                     .startsWith(QStringLiteral("error: ")),
                 wrong.body.constData());
        const HttpResult right = get(QStringLiteral("/direct_sending"),
                                     {{QStringLiteral("roomName"), QStringLiteral("locked-room")},
                                      {QStringLiteral("m"), QStringLiteral("x")},
                                      {QStringLiteral("p"), QStringLiteral("pw")}});
        QCOMPARE(right.status, 200);

        const HttpResult badName = get(QStringLiteral("/direct_retrieval"),
                                       {{QStringLiteral("roomName"), QStringLiteral("ab")}});
        QCOMPARE(badName.status, 400);
        QVERIFY2(badName.body.startsWith("error: "), badName.body.constData());
        const HttpResult reserved = get(QStringLiteral("/direct_sending"),
                                        {{QStringLiteral("roomName"), QStringLiteral("metrics")},
                                         {QStringLiteral("m"), QStringLiteral("x")}});
        QCOMPARE(reserved.status, 400);
        const HttpResult tooLong = get(QStringLiteral("/direct_sending"),
                                       {{QStringLiteral("roomName"), QStringLiteral("long-room")},
                                        {QStringLiteral("m"), QString(10001, QLatin1Char('y'))}});
        QCOMPARE(tooLong.status, 413);
    }

    // §9 /r/ (server side /direct_retrieval): help block unless quite=true, the "Showing" line,
    // "system: you have just created this room", `#<id> <userName>: <decoded text>`, l=, id=,
    // and the JSON form.
    void directRetrieval()
    {
        HttpResult created = get(QStringLiteral("/direct_retrieval"),
                                 {{QStringLiteral("roomName"), QStringLiteral("read-room")}});
        QCOMPARE(created.status, 200);
        QVERIFY2(created.body.contains(
                     "Showing 0 of 0 universally accessible chat room messages below this line"),
                 created.body.constData());
        QVERIFY2(created.body.contains("system: you have just created this room"),
                 created.body.constData());
        // The help block names the parameters and precedes the Showing line.
        const qsizetype showing = created.body.indexOf("Showing");
        QVERIFY2(showing > 0 && created.body.left(showing).contains("quite"),
                 created.body.constData());

        Peer a = connectPeer(*m_server, this);
        QVERIFY(a);
        IC_VERIFY_RP(
            a.reply(a.client->join(QStringLiteral("read-room"), {}, QStringLiteral("Ann"))));
        for (const QString &text :
             {QStringLiteral("one 1"), QStringLiteral("two & 2"), QStringLiteral("three")})
            IC_VERIFY_RP(a.reply(a.client->sendText(QStringLiteral("read-room"), text)));
        QCOMPARE(get(QStringLiteral("/direct_sending"),
                     {{QStringLiteral("roomName"), QStringLiteral("read-room")},
                      {QStringLiteral("m"), QStringLiteral("four")}})
                     .status,
                 200);

        const HttpResult quiet = get(QStringLiteral("/direct_retrieval"),
                                     {{QStringLiteral("roomName"), QStringLiteral("read-room")},
                                      {QStringLiteral("quite"), QStringLiteral("true")}});
        QCOMPARE(quiet.status, 200);
        QList<QByteArray> lines = quiet.body.trimmed().split('\n');
        QCOMPARE(lines.size(), 5);
        QCOMPARE(
            lines.at(0).trimmed(),
            QByteArray("Showing 4 of 4 universally accessible chat room messages below this line"));
        QCOMPARE(lines.at(1).trimmed(), QByteArray("#1 Ann: one 1"));
        QCOMPARE(lines.at(2).trimmed(), QByteArray("#2 Ann: two & 2"));
        QCOMPARE(lines.at(3).trimmed(), QByteArray("#3 Ann: three"));
        QCOMPARE(lines.at(4).trimmed(), QByteArray("#4 external-user: four"));

        const HttpResult last2 = get(QStringLiteral("/direct_retrieval"),
                                     {{QStringLiteral("roomName"), QStringLiteral("read-room")},
                                      {QStringLiteral("quite"), QStringLiteral("true")},
                                      {QStringLiteral("l"), QStringLiteral("2")}});
        lines = last2.body.trimmed().split('\n');
        QCOMPARE(lines.size(), 3);
        QCOMPARE(
            lines.at(0).trimmed(),
            QByteArray("Showing 2 of 4 universally accessible chat room messages below this line"));
        QCOMPARE(lines.at(1).trimmed(), QByteArray("#3 Ann: three"));

        const HttpResult fromId = get(QStringLiteral("/direct_retrieval"),
                                      {{QStringLiteral("roomName"), QStringLiteral("read-room")},
                                       {QStringLiteral("quite"), QStringLiteral("true")},
                                       {QStringLiteral("id"), QStringLiteral("2")}});
        lines = fromId.body.trimmed().split('\n');
        QCOMPARE(lines.size(), 4);
        QCOMPARE(lines.at(1).trimmed(), QByteArray("#2 Ann: two & 2"));

        const HttpResult json = get(QStringLiteral("/direct_retrieval"),
                                    {{QStringLiteral("roomName"), QStringLiteral("READ-ROOM")},
                                     {QStringLiteral("format"), QStringLiteral("json")},
                                     {QStringLiteral("l"), QStringLiteral("3")}});
        QCOMPARE(json.status, 200);
        const QJsonObject reply = jsonObject(json.body);
        QCOMPARE(reply.value(QLatin1StringView("createdNewRoom")).toBool(true), false);
        QCOMPARE(reply.value(QLatin1StringView("messagesCount")).toInt(), 3);
        QCOMPARE(reply.value(QLatin1StringView("totalRoomMessagesCount")).toInt(), 4);
        const QJsonArray messages = reply.value(QLatin1StringView("messages")).toArray();
        QCOMPARE(messages.size(), 3);
        QCOMPARE(messages.at(0).toObject().value(QLatin1StringView("id")).toInt(), 2);
        QCOMPARE(messages.at(0).toObject().value(QLatin1StringView("text")).toString(),
                 QStringLiteral("two & 2"));
        QCOMPARE(messages.at(0).toObject().value(QLatin1StringView("userName")).toString(),
                 QStringLiteral("Ann"));
        QCOMPARE(messages.at(2).toObject().value(QLatin1StringView("userName")).toString(),
                 QStringLiteral("external-user"));

        const HttpResult jsonCreated =
            get(QStringLiteral("/direct_retrieval"),
                {{QStringLiteral("roomName"), QStringLiteral("fresh-json-room")},
                 {QStringLiteral("format"), QStringLiteral("json")}});
        QCOMPARE(jsonObject(jsonCreated.body).value(QLatin1StringView("createdNewRoom")).toBool(),
                 true);
    }

    // §6 (room lifetime 2 s here): an empty room is deleted after its lifetime; a room with a
    // connected member is not; a deleted room cannot be joined with R_J (202).
    void emptyRoomDeletedAfterLifetime()
    {
        Peer a = connectPeer(*m_server, this), b = connectPeer(*m_server, this);
        QVERIFY(a && b);
        IC_VERIFY_RP(a.reply(a.client->createAndJoin(QStringLiteral("short-room"))));
        IC_VERIFY_RP(b.reply(b.client->createAndJoin(QStringLiteral("kept-room"))));
        a.client->close();
        QVERIFY(waitUntil([&] { return a.client->state() == ChatClient::State::Disconnected; }));
        settle(500);
        QVERIFY2(roomExists(QStringLiteral("short-room")), "deleted before its lifetime");
        QVERIFY2(waitUntil([&] { return !roomExists(QStringLiteral("short-room")); }, 15000),
                 "empty room still exists long after its lifetime");
        QVERIFY2(roomExists(QStringLiteral("kept-room")),
                 "a room with a connected member was deleted");
        Peer c = connectPeer(*m_server, this);
        QVERIFY(c);
        IC_VERIFY_ER(c.reply(c.client->join(QStringLiteral("short-room"))),
                     ErrorCode::RoomNotFound);
    }
};

QTEST_GUILESS_MAIN(HttpTest)
#include "tst_http.moc"
