// Every server → client frame the real server sends, held to the shape table beside
// docs/protocol.md (docs/protocol-frames.json): exact key set, value types, ns-or-s units. One
// scenario drives every frame kind — join set, each broadcast, each reply kind, errors, limit
// notices, a leave and the shutdown status — once in a v1 session and once in a pv 2 session,
// and finally checks that every shape of the table was met, so the table and the server cannot
// drift apart unnoticed. The pv 2 run also drives what only pv 2 sessions get (member deltas for
// a join, a leave, a rename and an authorisation; typing; the full list on R_M_G); the v1 run
// sends the same requests and must see none of it.

#include "FrameTable.h"
#include "ServerFixture.h"

#include <QSet>

using namespace ic::testing;

namespace {

// One raw WebSocket session and what it has met.
struct Session
{
    RawSocket *socket = nullptr;
    int pv = 1;
    QString name;              // for failure messages
    qint64 memberVersion = -1; // pv 2: the mV of the last member list or delta received
};

} // namespace

class FrameShapesTest : public QObject
{
    Q_OBJECT

    std::unique_ptr<TestProcess> m_server;
    FrameTable m_table{QStringLiteral(PROTOCOL_TABLE)};
    QSet<QString> m_seen;
    QString m_failure;   // set by expect(), reported by the caller's QVERIFY2
    QString m_lastError; // the code of the last ER checked

    Session open(const QString &name, int pv)
    {
        Session session;
        session.pv = pv;
        session.name = name;
        session.socket = new RawSocket(this);
        const QByteArray init =
            pv >= 2 ? QByteArray(R"({"p":"desktop","pv":2})") : QByteArray(R"({"p":"cp"})");
        if (!session.socket->open(m_server->port(), ic::session::createCookieValue(),
                                  "http://localhost:8080", init))
            session.socket = nullptr;
        return session;
    }

    // The next data frame as a JSON object (pings are skipped), or an empty object.
    static QJsonObject next(Session &session, int timeoutMs = 5000)
    {
        while (auto message = session.socket->nextMessage(timeoutMs)) {
            if (message->opcode != ic::ws::Opcode::Text &&
                message->opcode != ic::ws::Opcode::Binary) {
                if (message->opcode == ic::ws::Opcode::Close)
                    return {};
                continue;
            }
            return QJsonDocument::fromJson(message->payload).object();
        }
        return {};
    }

    // Reads one frame per entry of `shapes`, in that order, and checks each against its shape.
    bool expect(Session &session, const QStringList &shapes)
    {
        for (const QString &shape : shapes) {
            const QJsonObject frame = next(session);
            if (frame.isEmpty()) {
                m_failure = QStringLiteral("%1 (pv %2): no frame where %3 was due")
                                .arg(session.name)
                                .arg(session.pv)
                                .arg(shape);
                return false;
            }
            if (!checkShape(session, frame, shape))
                return false;
        }
        return true;
    }

    bool checkShape(Session &session, const QJsonObject &frame, const QString &shape)
    {
        const QString problem = m_table.check(frame, shape, session.pv);
        if (!problem.isEmpty()) {
            m_failure = QStringLiteral("%1 (pv %2), shape '%3': %4 in %5")
                            .arg(session.name)
                            .arg(session.pv)
                            .arg(shape, problem, QString::fromUtf8(FrameTable::toJson(frame)));
            return false;
        }
        m_seen.insert(shape);
        if (shape == QLatin1StringView("ER")) {
            m_lastError = frame.value(QLatin1StringView("m"))
                              .toArray()
                              .first()
                              .toObject()
                              .value(QLatin1StringView("t"))
                              .toString();
        }
        return checkMemberVersion(session, frame);
    }

    // pv 2: a delta raises mV by exactly 1 over what the session holds; a full list resets it
    // (the joiner's) or repeats it (the answer to R_M_G, nothing changed in between here).
    bool checkMemberVersion(Session &session, const QJsonObject &frame)
    {
        const QJsonValue version = frame.value(QLatin1StringView("mV"));
        if (version.isUndefined())
            return true;
        const QString c = frame.value(QLatin1StringView("c")).toString();
        const qint64 got = version.toInteger();
        const qint64 want =
            c == QLatin1StringView("R_M_D") ? session.memberVersion + 1 : session.memberVersion;
        const bool joinList = frame.contains(QLatin1StringView("bN"));
        if (!joinList && got != want) {
            m_failure = QStringLiteral("%1: %2 with mV %3 where %4 was due")
                            .arg(session.name, c)
                            .arg(got)
                            .arg(want);
            return false;
        }
        session.memberVersion = got;
        return true;
    }

    static QByteArray command(const QString &code, const QString &rq, const QString &room,
                              const QJsonObject &extra = {})
    {
        QJsonObject frame = extra;
        frame.insert(QLatin1StringView("c"), code);
        frame.insert(QLatin1StringView("rq"), rq);
        frame.insert(QLatin1StringView("r"),
                     QJsonObject{{QStringLiteral("n"), room}, {QStringLiteral("p"), QString()}});
        return FrameTable::toJson(frame);
    }

    // A typing signal as clients send it: no rq, never answered.
    static QByteArray typing(const QString &room)
    {
        return FrameTable::toJson(
            QJsonObject{{QStringLiteral("c"), QStringLiteral("TY")},
                        {QStringLiteral("r"), QJsonObject{{QStringLiteral("n"), room}}}});
    }

    static QJsonObject message(qint64 id, const QString &text, bool withReply = false)
    {
        QJsonObject m{{QStringLiteral("id"), id}, {QStringLiteral("t"), text}};
        m.insert(QLatin1StringView("rU"),
                 withReply ? QJsonValue(QStringLiteral("00000000-0000-0000-0000-000000000000"))
                           : QJsonValue());
        m.insert(QLatin1StringView("rM"), withReply ? QJsonValue(1) : QJsonValue());
        return {{QStringLiteral("m"), m}};
    }

private slots:
    void init()
    {
        QVERIFY2(m_table.isValid(), qPrintable(m_table.error()));
        // A cap of 10 messages reaches every limit notice within a dozen messages.
        m_server = startServer({QStringLiteral("--max-messages"), QStringLiteral("10"),
                                QStringLiteral("--shutdown-timeout"), QStringLiteral("5")});
        QVERIFY(m_server);
        m_seen.clear();
        m_failure.clear();
    }
    void cleanup()
    {
        qDeleteAll(findChildren<QObject *>(Qt::FindDirectChildrenOnly));
        m_server.reset();
    }

    void everyFrame_data()
    {
        QTest::addColumn<int>("pv");
        QTest::newRow("v1 session") << 1;
        QTest::newRow("pv 2 session") << 2;
    }

    void everyFrame()
    {
        QFETCH(int, pv);
        const QString room = QStringLiteral("shapes-%1").arg(pv);
        Session a = open(QStringLiteral("A"), pv);
        Session b = open(QStringLiteral("B"), pv);
        QVERIFY(a.socket && b.socket);
        const QStringList joinSet{QStringLiteral("R_M_CH join"), QStringLiteral("ALL_TM"),
                                  QStringLiteral("R_CH_D join"), QStringLiteral("RP join")};
        const QString rp = QStringLiteral("RP");
        // What the other members get when the member list changes: v1 the whole list, pv 2 one
        // delta naming the change.
        const auto memberChange = [pv](const char *delta) {
            return pv >= 2 ? QStringLiteral("R_M_D %1").arg(QLatin1StringView(delta))
                           : QStringLiteral("R_M_CH");
        };
        const QString joined = memberChange("join"), left = memberChange("leave"),
                      renamed = memberChange("rename");

        // Join set for the creator; the second joiner's join set and R_M_CH to the creator.
        a.socket->sendText(command(QStringLiteral("R_C_J"), QStringLiteral("a1"), room,
                                   {{QStringLiteral("uN"), QJsonValue()}}));
        QVERIFY2(expect(a, joinSet), qPrintable(m_failure));
        b.socket->sendText(command(QStringLiteral("R_J"), QStringLiteral("b1"), room,
                                   {{QStringLiteral("uN"), QStringLiteral("Bob")}}));
        QVERIFY2(expect(b, joinSet), qPrintable(m_failure));
        QVERIFY2(expect(a, {joined}), qPrintable(m_failure));

        // TM (plain and with reply fields), broadcast before RP.
        a.socket->sendText(command(QStringLiteral("TM"), QStringLiteral("a2"), room,
                                   message(0, QStringLiteral("one"))));
        QVERIFY2(expect(a, {QStringLiteral("TM"), rp}), qPrintable(m_failure));
        QVERIFY2(expect(b, {QStringLiteral("TM")}), qPrintable(m_failure));
        b.socket->sendText(command(QStringLiteral("TM"), QStringLiteral("b2"), room,
                                   message(0, QStringLiteral("two"), true)));
        QVERIFY2(expect(b, {QStringLiteral("TM"), rp}), qPrintable(m_failure));
        QVERIFY2(expect(a, {QStringLiteral("TM")}), qPrintable(m_failure));

        // TM_E, TM_S_R, R_CH_D (change), R_CH_UN (R_M_CH), DM.
        a.socket->sendText(command(QStringLiteral("TM_E"), QStringLiteral("a3"), room,
                                   message(1, QStringLiteral("one-edited"), true)));
        QVERIFY2(expect(a, {QStringLiteral("TM_E"), rp}), qPrintable(m_failure));
        QVERIFY2(expect(b, {QStringLiteral("TM_E")}), qPrintable(m_failure));
        QJsonObject vote = message(1, QString());
        vote.insert(QLatin1StringView("srM"), true);
        b.socket->sendText(command(QStringLiteral("TM_S_R"), QStringLiteral("b3"), room, vote));
        QVERIFY2(expect(b, {QStringLiteral("TM_S_R"), rp}), qPrintable(m_failure));
        QVERIFY2(expect(a, {QStringLiteral("TM_S_R")}), qPrintable(m_failure));
        a.socket->sendText(command(QStringLiteral("R_CH_D"), QStringLiteral("a4"), room,
                                   message(0, QStringLiteral("topic"))));
        QVERIFY2(expect(a, {QStringLiteral("R_CH_D"), rp}), qPrintable(m_failure));
        QVERIFY2(expect(b, {QStringLiteral("R_CH_D")}), qPrintable(m_failure));
        b.socket->sendText(command(QStringLiteral("R_CH_UN"), QStringLiteral("b4"), room,
                                   {{QStringLiteral("uN"), QStringLiteral("Bobby")}}));
        QVERIFY2(expect(b, {renamed, rp}), qPrintable(m_failure));
        QVERIFY2(expect(a, {renamed}), qPrintable(m_failure));

        // A third user: authorised only (pv 2 members get an "added" delta, v1 members nothing,
        // as the user is not online), then joining and leaving.
        Session c = open(QStringLiteral("C"), pv);
        QVERIFY(c.socket);
        c.socket->sendText(command(QStringLiteral("R_C_J_AU"), QStringLiteral("c1"), room,
                                   {{QStringLiteral("uN"), QStringLiteral("Carol")}}));
        QVERIFY2(expect(c, {QStringLiteral("RP authorise")}), qPrintable(m_failure));
        if (pv >= 2) {
            QVERIFY2(expect(a, {QStringLiteral("R_M_D add")}), qPrintable(m_failure));
            QVERIFY2(expect(b, {QStringLiteral("R_M_D add")}), qPrintable(m_failure));
        }
        c.socket->sendText(command(QStringLiteral("R_J"), QStringLiteral("c2"), room));
        QVERIFY2(expect(c, joinSet), qPrintable(m_failure));
        QVERIFY2(expect(a, {joined}), qPrintable(m_failure));
        QVERIFY2(expect(b, {joined}), qPrintable(m_failure));
        c.socket->sendClose();
        QVERIFY2(expect(a, {left}), qPrintable(m_failure));
        QVERIFY2(expect(b, {left}), qPrintable(m_failure));

        // Typing: to the other pv 2 members only, never answered. A v1 session's TY is an
        // unknown code: nothing at all comes back — the frames expected next would show it.
        a.socket->sendText(typing(room));
        if (pv >= 2)
            QVERIFY2(expect(b, {QStringLiteral("TY")}), qPrintable(m_failure));

        // R_M_G: the full list with mV, then RP (pv 2); unknown to v1, no answer.
        a.socket->sendText(command(QStringLiteral("R_M_G"), QStringLiteral("a8"), room));
        if (pv >= 2)
            QVERIFY2(expect(a, {QStringLiteral("R_M_CH"), rp}), qPrintable(m_failure));
        a.socket->sendText(
            command(QStringLiteral("DM"), QStringLiteral("a5"), room,
                    message(0, ic::validation::urlEncode(
                                   QString(ic::proto::drawingMarker) + QStringLiteral("d1@") +
                                   QUuid::createUuid().toString(QUuid::WithoutBraces)))));
        QVERIFY2(expect(a, {QStringLiteral("DM"), rp}), qPrintable(m_failure));
        QVERIFY2(expect(b, {QStringLiteral("DM")}), qPrintable(m_failure));

        // ER with rq (deleting someone else's message), TM_D of one's own, ER without rq.
        a.socket->sendText(
            command(QStringLiteral("TM_D"), QStringLiteral("a6"), room, message(2, QString())));
        QVERIFY2(expect(a, {QStringLiteral("ER")}), qPrintable(m_failure));
        a.socket->sendText(
            command(QStringLiteral("TM_D"), QStringLiteral("a7"), room, message(3, QString())));
        QVERIFY2(expect(a, {QStringLiteral("TM_D"), rp}), qPrintable(m_failure));
        QVERIFY2(expect(b, {QStringLiteral("TM_D")}), qPrintable(m_failure));
        a.socket->sendText("this is not JSON");
        QVERIFY2(expect(a, {QStringLiteral("ER")}), qPrintable(m_failure));

        // RP of R_C_J_AU and of R_C: no bN, not joined.
        b.socket->sendText(command(QStringLiteral("R_C_J_AU"), QStringLiteral("b5"),
                                   room + QStringLiteral("-auth")));
        QVERIFY2(expect(b, {QStringLiteral("RP authorise")}), qPrintable(m_failure));
        b.socket->sendText(
            command(QStringLiteral("R_C"), QStringLiteral("b6"), room + QStringLiteral("-create")));
        QVERIFY2(expect(b, {QStringLiteral("RP authorise")}), qPrintable(m_failure));

        // A typing signal for an existing room one is not a member of: ER 206 for pv 2 (bad
        // input, not noise); still nothing for v1.
        a.socket->sendText(typing(room + QStringLiteral("-create")));
        if (pv >= 2) {
            QVERIFY2(expect(a, {QStringLiteral("ER")}), qPrintable(m_failure));
            QCOMPARE(m_lastError, QStringLiteral("206"));
        }

        // Limit notices: the room holds 2 messages; 9 more reach 90 %, 95 %, 99 % of 10 and
        // start dropping. Notices follow their TM, before the RP.
        int approach = 0, dropped = 0, framesToB = 0;
        for (int i = 0; i < 9; ++i) {
            const QString rq = QStringLiteral("n%1").arg(i);
            a.socket->sendText(
                command(QStringLiteral("TM"), rq, room, message(0, QStringLiteral("fill"))));
            QVERIFY2(expect(a, {QStringLiteral("TM")}), qPrintable(m_failure));
            ++framesToB;
            for (;;) {
                const QJsonObject frame = next(a);
                QVERIFY2(!frame.isEmpty(), "no RP after the limit notices");
                const QString c = frame.value(QLatin1StringView("c")).toString();
                QVERIFY2(checkShape(a, frame, c), qPrintable(m_failure));
                if (c == rp)
                    break;
                ++framesToB;
                approach += c == QLatin1StringView("N_M_LIMIT_A");
                dropped += c == QLatin1StringView("N_M_LIMIT_R");
            }
        }
        QCOMPARE(approach, 3);
        QCOMPARE(dropped, 1);
        for (int i = 0; i < framesToB; ++i) {
            const QJsonObject frame = next(b);
            QVERIFY2(!frame.isEmpty(), "B missed a broadcast of the fill");
            QVERIFY2(checkShape(b, frame, frame.value(QLatin1StringView("c")).toString()),
                     qPrintable(m_failure));
        }

        // A leave: the others get R_M_CH (v1) or R_M_D l (pv 2).
        b.socket->sendClose();
        QVERIFY2(expect(a, {left}), qPrintable(m_failure));

        // Shutdown: R_CH_D with sS shutting_down (and possibly ER), then the close.
        QCOMPARE(m_server->terminate(15000), 0);
        bool announced = false;
        for (QJsonObject frame = next(a, 1000); !frame.isEmpty(); frame = next(a, 1000)) {
            const QString c = frame.value(QLatin1StringView("c")).toString();
            QVERIFY2(checkShape(a, frame, c), qPrintable(m_failure));
            announced |= frame.value(QLatin1StringView("sS")).toString() ==
                         QLatin1StringView("shutting_down");
        }
        QVERIFY2(announced, "no R_CH_D with sS=shutting_down before the close");

        // Every shape the table lists for this session version was met.
        QStringList missing;
        for (const QString &shape : m_table.shapeNames(pv)) {
            if (!m_seen.contains(shape))
                missing.append(shape);
        }
        QVERIFY2(missing.isEmpty(),
                 qPrintable(QStringLiteral("shapes never met: ") + missing.join(u", ")));
    }

    // Where v1 and pv 2 differ today: a rate-limited request is ER 103 for v1 and ER 429 for pv 2
    // (the table's "code" type allows 429 only in pv 2 sessions).
    void rateLimitedError_data()
    {
        QTest::addColumn<int>("pv");
        QTest::addColumn<int>("code");
        QTest::newRow("v1 session") << 1 << 103;
        QTest::newRow("pv 2 session") << 2 << 429;
    }

    void rateLimitedError()
    {
        QFETCH(int, pv);
        QFETCH(int, code);
        m_server.reset();
        m_server = startServer({QStringLiteral("--rate-limits"), QStringLiteral("on")});
        QVERIFY(m_server);
        const QString room = QStringLiteral("limited-%1").arg(pv);
        Session a = open(QStringLiteral("A"), pv);
        QVERIFY(a.socket);
        a.socket->sendText(command(QStringLiteral("R_C_J"), QStringLiteral("j"), room));
        QVERIFY2(expect(a, {QStringLiteral("R_M_CH join"), QStringLiteral("ALL_TM"),
                            QStringLiteral("R_CH_D join"), QStringLiteral("RP join")}),
                 qPrintable(m_failure));
        // Far more than the burst of 20 at once: some are refused.
        const int sent = 60;
        for (int i = 0; i < sent; ++i) {
            a.socket->sendText(command(QStringLiteral("TM"), QStringLiteral("f%1").arg(i), room,
                                       message(0, QStringLiteral("flood"))));
        }
        int answers = 0, refused = 0;
        while (answers < sent) {
            const QJsonObject frame = next(a);
            QVERIFY2(!frame.isEmpty(), "a request of the flood got no answer");
            const QString c = frame.value(QLatin1StringView("c")).toString();
            QVERIFY2(checkShape(a, frame, c), qPrintable(m_failure));
            if (c == QLatin1StringView("RP") || c == QLatin1StringView("ER"))
                ++answers;
            if (c == QLatin1StringView("ER")) {
                ++refused;
                QCOMPARE(frame.value(QLatin1StringView("m"))
                             .toArray()
                             .first()
                             .toObject()
                             .value(QLatin1StringView("t")),
                         QJsonValue(QString::number(code)));
            }
        }
        qInfo("pv %d: %d of %d messages refused", pv, refused, sent);
        QVERIFY(refused > 0);
    }

    // The checker itself: a frame that lacks a required key, holds a key the table does not
    // list, or gives seconds where ns are due is refused.
    void checkerRefusesWrongShapes()
    {
        QVERIFY2(m_table.isValid(), qPrintable(m_table.error()));
        const QJsonObject good = m_table.sample(QStringLiteral("R_M_CH join"), 1, true);
        QCOMPARE(m_table.check(good, QStringLiteral("R_M_CH join"), 1), QString());
        QJsonObject missing = good;
        missing.remove(QLatin1StringView("cAt"));
        QVERIFY(!m_table.check(missing, QStringLiteral("R_M_CH join"), 1).isEmpty());
        QJsonObject extra = good;
        extra.insert(QLatin1StringView("zz"), 1);
        QVERIFY(!m_table.check(extra, QStringLiteral("R_M_CH join"), 1).isEmpty());
        QJsonObject seconds = good;
        seconds.insert(QLatin1StringView("cAt"), FrameTable::sampleSeconds);
        QVERIFY(!m_table.check(seconds, QStringLiteral("R_M_CH join"), 1).isEmpty());
        // 429 is a pv 2 code only.
        QJsonObject limited = m_table.sample(QStringLiteral("ER"), 1, false);
        limited.insert(QLatin1StringView("m"),
                       QJsonArray{QJsonObject{{QStringLiteral("t"), QStringLiteral("429")}}});
        QVERIFY(!m_table.check(limited, QStringLiteral("ER"), 1).isEmpty());
        QCOMPARE(m_table.check(limited, QStringLiteral("ER"), 2), QString());
    }
};

QTEST_GUILESS_MAIN(FrameShapesTest)
#include "tst_frameshapes.moc"
