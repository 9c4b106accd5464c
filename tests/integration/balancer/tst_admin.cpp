// Admin: off without a password, HTTP Basic, and every action against real servers.

#include "BalancerFixture.h"

using namespace ic::testing;

class TestAdmin : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<TestProcess> m_serverA;
    std::unique_ptr<TestProcess> m_serverB;
    std::unique_ptr<TestProcess> m_balancer;
    const QByteArray m_password = "correct horse battery";

    Headers auth() const { return {{"Authorization", basicAuth(m_password)}}; }
    HttpResult api(const QString &call)
    {
        return balancerGet(*m_balancer, QStringLiteral("/admin/api/") + call, auth());
    }
    HttpResult post(const QString &call, const QJsonObject &body)
    {
        return httpPost(m_balancer->httpUrl(QStringLiteral("/admin/api/") + call),
                        QJsonDocument(body).toJson(), "application/json", auth());
    }
    QString idOf(const TestProcess &server)
    {
        for (const QJsonValue &s : jsonObject(api(QStringLiteral("servers")))
                                       .value(QLatin1StringView("servers"))
                                       .toArray()) {
            if (s.toObject().value(QLatin1StringView("address")).toString() == server.hostPort())
                return s.toObject().value(QLatin1StringView("id")).toString();
        }
        return {};
    }

private slots:
    void initTestCase()
    {
        m_serverA = startRoomServer();
        m_serverB = startRoomServer();
        QVERIFY(m_serverA && m_serverB);
        const QString passwordFile = writeFile(m_dir, QStringLiteral("admin"), m_password + "\n");
        m_balancer = startBalancer(
            {QStringLiteral("--servers"), m_serverA->hostPort() + u',' + m_serverB->hostPort(),
             QStringLiteral("--admin-password-file"), passwordFile, QStringLiteral("--warm-up"),
             QStringLiteral("0"), QStringLiteral("--rate-limits"), QStringLiteral("off")});
        QVERIFY(m_balancer);
        QVERIFY(waitUntil(
            [&] { return api(QStringLiteral("servers")).body.count("\"alive\":true") == 2; },
            8000));
    }

    void adminIsOffWithoutPassword()
    {
        auto plain = startBalancer({QStringLiteral("--servers"), QString()});
        QVERIFY(plain);
        for (const QString &path :
             {QStringLiteral("/admin"), QStringLiteral("/admin/api/servers")}) {
            const HttpResult result = balancerGet(*plain, path, auth());
            QCOMPARE(result.status, 404);
            QVERIFY(result.body.contains("admin is disabled"));
        }
        // The environment variable also enables it.
        auto fromEnv = startBalancer(
            {QStringLiteral("--servers"), QString()},
            {QStringLiteral("INSTANTCHAT_ADMIN_PASSWORD=") + QString::fromLatin1(m_password)});
        QVERIFY(fromEnv);
        QCOMPARE(balancerGet(*fromEnv, QStringLiteral("/admin/api/servers"), auth()).status, 200);
    }

    void basicAuthIsRequired()
    {
        HttpResult result = balancerGet(*m_balancer, QStringLiteral("/admin"));
        QCOMPARE(result.status, 401);
        QVERIFY(result.header("WWW-Authenticate").startsWith("Basic realm="));
        result = balancerGet(*m_balancer, QStringLiteral("/admin/api/servers"),
                             {{"Authorization", basicAuth("wrong")}});
        QCOMPARE(result.status, 401);
        QCOMPARE(balancerGet(*m_balancer, QStringLiteral("/admin/api/servers"),
                             {{"Authorization", "Basic !!!"}})
                     .status,
                 401);
        result = balancerGet(*m_balancer, QStringLiteral("/admin"), auth());
        QCOMPARE(result.status, 200);
        QVERIFY(result.body.contains("<title>instantchat admin</title>"));
        QVERIFY(result.body.contains("/admin/api/"));
        // A JSON body is required for actions (no cross-site form posts).
        QCOMPARE(httpPost(m_balancer->httpUrl(QStringLiteral("/admin/api/drain")), "server=x",
                          "application/x-www-form-urlencoded", auth())
                     .status,
                 415);
    }

    void serversAndRooms()
    {
        QCOMPARE(balancerGet(*m_balancer, QStringLiteral("/s/admin-room-one?m=hi")).status, 200);
        const QString holderPort = jsonObject(pick(*m_balancer, QStringLiteral("admin-room-one")))
                                       .value(QLatin1StringView("bA"))
                                       .toString()
                                       .section(u':', 1);
        TestProcess *holder =
            m_serverA->port() == holderPort.toUInt() ? m_serverA.get() : m_serverB.get();
        const QJsonArray servers = jsonObject(api(QStringLiteral("servers")))
                                       .value(QLatin1StringView("servers"))
                                       .toArray();
        QCOMPARE(servers.size(), 2);
        for (const QJsonValue &value : servers) {
            const QJsonObject s = value.toObject();
            QVERIFY(s.value(QLatin1StringView("alive")).toBool());
            QVERIFY(
                s.value(QLatin1StringView("load")).toObject().contains(QLatin1StringView("cpu")));
        }
        const HttpResult rooms = api(QStringLiteral("rooms?server=") + idOf(*holder));
        QCOMPARE(rooms.status, 200);
        const QJsonArray list = jsonObject(rooms).value(QLatin1StringView("rooms")).toArray();
        QCOMPARE(list.size(), 1);
        QCOMPARE(list.first().toObject().value(QLatin1StringView("name")).toString(),
                 QStringLiteral("admin-room-one"));
        QCOMPARE(list.first().toObject().value(QLatin1StringView("messages")).toInt(), 1);
        QCOMPARE(api(QStringLiteral("rooms?server=nobody")).status, 404);
    }

    void maintenanceNoticeReachesMembers()
    {
        const quint16 port = jsonObject(pick(*m_balancer, QStringLiteral("notice-room")))
                                 .value(QLatin1StringView("bA"))
                                 .toString()
                                 .section(u':', 1)
                                 .toUShort();
        RawSocket member;
        QVERIFY(member.open(port, ic::session::createCookieValue()));
        member.sendText(R"({"c":"R_C_J","rq":"j","r":{"n":"notice-room","p":""},"uN":"bob"})");
        QVERIFY(member.waitForFrame([](const auto &frame) { return frame.command == u"RP"; }));
        HttpResult result = post(QStringLiteral("maintenance"), {{QStringLiteral("on"), true}});
        QCOMPARE(result.status, 200);
        QCOMPARE(jsonObject(result).value(QLatin1StringView("results")).toObject().size(), 2);
        auto notice =
            member.waitForFrame([](const auto &frame) { return frame.command == u"R_CH_D"; });
        QVERIFY(notice);
        QCOMPARE(notice->status.value_or(QString()), QStringLiteral("restarting"));
        result = post(QStringLiteral("maintenance"), {{QStringLiteral("on"), false}});
        QCOMPARE(result.status, 200);
        notice = member.waitForFrame([](const auto &frame) { return frame.command == u"R_CH_D"; });
        QVERIFY(notice);
        QCOMPARE(notice->status.value_or(QString()), QStringLiteral("online"));
        QCOMPARE(
            post(QStringLiteral("maintenance"), {{QStringLiteral("on"), QStringLiteral("yes")}})
                .status,
            400);
    }

    void deleteRoomTellsMembers()
    {
        const quint16 port = jsonObject(pick(*m_balancer, QStringLiteral("doomed-room")))
                                 .value(QLatin1StringView("bA"))
                                 .toString()
                                 .section(u':', 1)
                                 .toUShort();
        RawSocket member;
        QVERIFY(member.open(port, ic::session::createCookieValue()));
        member.sendText(R"({"c":"R_C_J","rq":"j","r":{"n":"doomed-room","p":""},"uN":"carol"})");
        QVERIFY(member.waitForFrame([](const auto &frame) { return frame.command == u"RP"; }));
        QCOMPARE(post(QStringLiteral("delete-room"),
                      {{QStringLiteral("name"), QStringLiteral("Doomed-Room")}})
                     .status,
                 200);
        const auto error =
            member.waitForFrame([](const auto &frame) { return frame.command == u"ER"; });
        QVERIFY(error);
        QCOMPARE(error->messages->first().text.value(), QStringLiteral("202"));
        QVERIFY(member.waitForDisconnected());
        // Gone: a second delete is 404, and /r/ creates a fresh room.
        QCOMPARE(post(QStringLiteral("delete-room"),
                      {{QStringLiteral("name"), QStringLiteral("doomed-room")}})
                     .status,
                 404);
        QCOMPARE(
            post(QStringLiteral("delete-room"), {{QStringLiteral("name"), QStringLiteral("x")}})
                .status,
            400);
    }

    void drainMovesNewRoomsElsewhere()
    {
        const QString drainedId = idOf(*m_serverA);
        QVERIFY(!drainedId.isEmpty());
        // A room already on the server stays there.
        QString before;
        for (int i = 0; i < 10 && before.isEmpty(); ++i) {
            const QString room = QStringLiteral("stay-%1").arg(i);
            if (jsonObject(pick(*m_balancer, room))
                    .value(QLatin1StringView("bA"))
                    .toString()
                    .endsWith(QStringLiteral(":%1").arg(m_serverA->port())))
                before = room;
        }
        QVERIFY(!before.isEmpty());
        // A server only in --servers sends no heartbeats, so it cannot be told to move its
        // rooms: the answer says they stay.
        const HttpResult drained =
            post(QStringLiteral("drain"),
                 {{QStringLiteral("id"), drainedId}, {QStringLiteral("drained"), true}});
        QCOMPARE(drained.status, 200);
        QCOMPARE(jsonObject(drained).value(QLatin1StringView("id")).toString(), drainedId);
        QCOMPARE(jsonObject(drained).value(QLatin1StringView("handoff")).toBool(true), false);
        QVERIFY(jsonObject(drained)
                    .value(QLatin1StringView("message"))
                    .toString()
                    .contains(QStringLiteral("rooms stay")));
        QCOMPARE(post(QStringLiteral("drain"), {{QStringLiteral("id"), drainedId},
                                                {QStringLiteral("drained"), QStringLiteral("yes")}})
                     .status,
                 400);
        QVERIFY(api(QStringLiteral("servers")).body.contains("\"drained\":true"));
        for (int i = 0; i < 8; ++i)
            QCOMPARE(pickedPort(pick(*m_balancer, QStringLiteral("drained-%1").arg(i))),
                     m_serverB->port());
        QCOMPARE(pickedPort(pick(*m_balancer, before)), m_serverA->port());
        // "server" is the deprecated name of "id".
        QCOMPARE(post(QStringLiteral("drain"),
                      {{QStringLiteral("server"), drainedId}, {QStringLiteral("drained"), false}})
                     .status,
                 200);
        bool reused = false;
        for (int i = 0; i < 10 && !reused; ++i)
            reused = pickedPort(pick(*m_balancer, QStringLiteral("undrained-%1").arg(i))) ==
                     m_serverA->port();
        QVERIFY(reused);
        QCOMPARE(
            post(QStringLiteral("drain"), {{QStringLiteral("server"), QStringLiteral("nobody")}})
                .status,
            404);
    }
};

QTEST_GUILESS_MAIN(TestAdmin)
#include "tst_admin.moc"
