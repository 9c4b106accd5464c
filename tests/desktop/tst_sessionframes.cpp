// The desktop app's model layer fed with frames as JSON text, decoded the way the app decodes
// them (shared decodeServerFrame, then RoomSession::applyFrame): frames generated from the
// frame-shape table beside docs/protocol.md (v1 and pv 2, with and without the optional keys)
// and the frames a server of the original project sends (tests/common/v1-recorded-frames.json).
// Every key the table requires must reach the model; pv 2 adds the member deltas and typing.

#include "FrameTable.h"
#include "RoomSession.h"
#include "protocol/ServerFrame.h"

#include <QSignalSpy>
#include <QTest>

using ic::desktop::ChatMessage;
using ic::desktop::RoomSession;
using ic::testing::FrameTable;

namespace {

const FrameTable &table()
{
    static const FrameTable instance{QStringLiteral(PROTOCOL_TABLE)};
    return instance;
}

// Decodes JSON text as the app does and applies it; false when it does not decode.
bool apply(RoomSession &session, const QJsonObject &frame)
{
    const auto decoded = ic::proto::decodeServerFrame(FrameTable::toJson(frame));
    if (!decoded)
        return false;
    session.applyFrame(*decoded);
    return true;
}

// `frame` with m[0] changed by `edit`.
QJsonObject withFirst(QJsonObject frame, const QJsonObject &edit)
{
    QJsonArray m = frame.value(QLatin1StringView("m")).toArray();
    QJsonObject first = m.first().toObject();
    for (auto it = edit.begin(); it != edit.end(); ++it)
        first.insert(it.key(), it.value());
    m.replace(0, first);
    frame.insert(QLatin1StringView("m"), m);
    return frame;
}

} // namespace

class SessionFramesTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(table().isValid(), qPrintable(table().error())); }

    void tableSamples_data()
    {
        QTest::addColumn<int>("pv");
        QTest::addColumn<bool>("withOptional");
        QTest::newRow("v1, all keys") << 1 << true;
        QTest::newRow("v1, required keys") << 1 << false;
        QTest::newRow("pv 2, all keys") << 2 << true;
        QTest::newRow("pv 2, required keys") << 2 << false;
    }

    void tableSamples()
    {
        QFETCH(int, pv);
        QFETCH(bool, withOptional);
        const auto sample = [&](const char *shape) {
            return table().sample(QString::fromLatin1(shape), pv, withOptional);
        };
        const QString uuid = FrameTable::sampleUuid();
        const qint64 ns = FrameTable::sampleNs;
        RoomSession session(QStringLiteral("room"));

        for (const char *shape : {"R_M_CH join", "ALL_TM", "R_CH_D join", "RP join"})
            QVERIFY2(apply(session, sample(shape)), shape);
        QVERIFY(session.joined());
        QCOMPARE(session.myUserId(), uuid);
        QCOMPARE(session.roomId(), uuid);
        QCOMPARE(session.createdAtNs(), ns);
        QCOMPARE(session.build(), FrameTable::sampleString());
        QCOMPARE(session.description(), QStringLiteral("hello world"));
        QCOMPARE(session.serverStatus(), QStringLiteral("online"));
        QCOMPARE(session.creatorUserId(), withOptional ? uuid : QString());
        QVERIFY(!session.users()->nameOf(uuid).isEmpty());
        const ChatMessage *history = session.messages()->messageById(FrameTable::sampleId);
        QVERIFY(history);
        QCOMPARE(history->text, QStringLiteral("hello world"));
        QCOMPARE(history->authorId, uuid);
        QCOMPARE(history->createdAt, FrameTable::sampleSeconds);
        QCOMPARE(history->support, FrameTable::sampleInt);
        QCOMPARE(history->reject, FrameTable::sampleInt);
        QCOMPARE(history->editedAt, withOptional ? ns : 0);
        QCOMPARE(history->replyMessage,
                 withOptional ? std::optional<qint64>(FrameTable::sampleId) : std::nullopt);

        // Live frames, each newer than the history.
        QVERIFY(apply(session, withFirst(sample("TM"), {{QStringLiteral("id"), 8}})));
        QVERIFY(session.messages()->messageById(8));
        QVERIFY(apply(session, withFirst(sample("DM"), {{QStringLiteral("id"), 9}})));
        QVERIFY(session.messages()->messageById(9));
        QVERIFY(apply(session,
                      withFirst(sample("TM_E"), {{QStringLiteral("t"), QStringLiteral("edited")},
                                                 {QStringLiteral("lE"), ns + 1}})));
        QCOMPARE(session.messages()->messageById(7)->text, QStringLiteral("edited"));
        QCOMPARE(session.messages()->messageById(7)->editedAt, ns + 1);
        QJsonObject votes =
            withFirst(sample("TM_S_R"), {{QStringLiteral("sC"), 5}, {QStringLiteral("rC"), 1}});
        votes.insert(QLatin1StringView("cAt"), ns + 2);
        QVERIFY(apply(session, votes));
        QCOMPARE(session.messages()->messageById(7)->support, 5);
        QCOMPARE(session.messages()->messageById(7)->reject, 1);
        QVERIFY(apply(session, sample("TM_D")));
        const ChatMessage *deleted = session.messages()->messageById(7);
        QVERIFY(!deleted || deleted->deleted);

        QSignalSpy notices(&session, &RoomSession::limitNotice);
        QVERIFY(apply(session, sample("N_M_LIMIT_A")));
        QCOMPARE(notices.count(), 1);
        QVERIFY(apply(session, sample("N_M_LIMIT_R"))); // lowest kept id 12: 8 and 9 go
        QVERIFY(!session.messages()->messageById(8));
        QVERIFY(!session.messages()->messageById(9));

        QJsonObject members = sample("R_M_CH");
        QVERIFY(apply(session, members));
        QVERIFY(!session.users()->nameOf(uuid).isEmpty());
        QJsonObject stopping = sample("R_CH_D");
        stopping.insert(QLatin1StringView("sS"), QStringLiteral("shutting_down"));
        QVERIFY(apply(session, stopping));
        QCOMPARE(session.serverStatus(), QStringLiteral("shutting_down"));

        QSignalSpy replaced(&session, &RoomSession::replacedElsewhere);
        QVERIFY(apply(session,
                      withFirst(sample("ER"), {{QStringLiteral("t"), QStringLiteral("209")}})));
        QCOMPARE(replaced.count(), 1);
        QVERIFY(apply(session, sample("RP")));
        if (pv < 2)
            return;

        // pv 2: one delta per member change, each applied to its user's row; typing signals.
        const QString zoe = QStringLiteral("0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f");
        const auto delta = [&](const char *shape, const QString &name, bool online) {
            QJsonObject frame = sample(shape);
            QJsonObject entry = frame.value(QLatin1StringView("rU")).toArray().first().toObject();
            entry.insert(QLatin1StringView("uId"), zoe);
            entry.insert(QLatin1StringView("n"), name);
            entry.insert(QLatin1StringView("o"), online);
            frame.insert(QLatin1StringView("rU"), QJsonArray{entry});
            return frame;
        };
        const int online = session.users()->onlineCount();
        QVERIFY(apply(session, delta("R_M_D add", QStringLiteral("Zoe"), false)));
        QCOMPARE(session.users()->nameOf(zoe), QStringLiteral("Zoe"));
        QCOMPARE(session.users()->onlineCount(), online);
        QVERIFY(apply(session, delta("R_M_D join", QStringLiteral("Zoe"), true)));
        QCOMPARE(session.users()->onlineCount(), online + 1);
        QVERIFY(apply(session, delta("R_M_D rename", QStringLiteral("Zoe%20B"), true)));
        QCOMPARE(session.users()->nameOf(zoe), QStringLiteral("Zoe B"));
        QVERIFY(apply(session, delta("R_M_D leave", QStringLiteral("Zoe%20B"), false)));
        QCOMPARE(session.users()->onlineCount(), online);
        QVERIFY(!session.users()->nameOf(zoe).isEmpty()); // listed on, offline
        QSignalSpy typing(&session, &RoomSession::typing);
        QJsonObject typist = sample("TY");
        typist.insert(QLatin1StringView("uId"), zoe);
        QVERIFY(apply(session, typist));
        QCOMPARE(typing.count(), 1);
        QCOMPARE(typing.first().at(0).toString(), zoe);
        QCOMPARE(typing.first().at(1).toString(), QStringLiteral("Zoe B"));
    }

    void recordedFrames_data()
    {
        QTest::addColumn<bool>("withOptional");
        QTest::newRow("as recorded") << true;
        QTest::newRow("optional keys left out") << false;
    }

    // A join and a conversation as a server of the original project sends them.
    void recordedFrames()
    {
        QFETCH(bool, withOptional);
        QHash<QString, QJsonObject> frames;
        for (const auto &entry : ic::testing::loadRecordedFrames(QStringLiteral(RECORDED_FRAMES))) {
            frames.insert(entry.name, withOptional
                                          ? entry.frame
                                          : table().withoutOptional(entry.frame, entry.shape, 1));
        }
        QVERIFY(!frames.isEmpty());
        const auto play = [&](const QStringList &names, RoomSession &session) {
            for (const QString &name : names) {
                if (!frames.contains(name) || !apply(session, frames.value(name)))
                    return name;
            }
            return QString();
        };
        const QString anna = QStringLiteral("9b7c2f0e-6a1d-4c3b-8e2f-1a2b3c4d5e6f");
        const QString otter = QStringLiteral("c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f");

        RoomSession session(QStringLiteral("room"));
        QSignalSpy drawings(&session, &RoomSession::drawingNeeded);
        QCOMPARE(play({QStringLiteral("member list of a join"),
                       QStringLiteral("history with plain and replying, edited, voted messages"),
                       QStringLiteral("description of a join"), QStringLiteral("join reply")},
                      session),
                 QString());
        QVERIFY(session.joined());
        QCOMPARE(session.myUserId(), anna);
        QCOMPARE(session.roomId(), QStringLiteral("5e0c9f2a-1b3d-4e5f-8a7b-6c5d4e3f2a1b"));
        QCOMPARE(session.description(), QStringLiteral("Welcome all"));
        QCOMPARE(session.creatorUserId(), withOptional ? anna : QString());
        QCOMPARE(session.users()->nameOf(anna), QStringLiteral("Anna K"));
        QCOMPARE(session.build(), QStringLiteral("2.7.1"));
        QVERIFY(!session.passwordProtected());
        const ChatMessage *reply = session.messages()->messageById(5);
        QVERIFY(reply);
        QCOMPARE(reply->text, QStringLiteral("re: hello"));
        QCOMPARE(reply->authorId, otter);
        QCOMPARE(reply->support, 2);
        QCOMPARE(reply->reject, 1);
        QCOMPARE(reply->createdAt, 1699999995);
        QCOMPARE(reply->replyMessage, withOptional ? std::optional<qint64>(3) : std::nullopt);
        QCOMPARE(reply->editedAt, withOptional ? 1699999999000000000LL : 0);

        QCOMPARE(play({QStringLiteral("member list to the others"), QStringLiteral("new message"),
                       QStringLiteral("new reply message"), QStringLiteral("drawing"),
                       QStringLiteral("edit"), QStringLiteral("votes"), QStringLiteral("delete"),
                       QStringLiteral("plain reply"), QStringLiteral("error with request id"),
                       QStringLiteral("error without request id"),
                       QStringLiteral("approaching the cap")},
                      session),
                 QString());
        QCOMPARE(session.messages()->messageById(6)->text, QStringLiteral("hi all"));
        QCOMPARE(session.messages()->messageById(6)->support, 3);
        const ChatMessage *deleted = session.messages()->messageById(7);
        QVERIFY(!deleted || deleted->deleted);
        const ChatMessage *drawing = session.messages()->messageById(8);
        QVERIFY(drawing);
        QCOMPARE(drawing->drawingName, QStringLiteral("sketch_1"));
        QCOMPARE(drawings.count(), 1);

        QCOMPARE(play({QStringLiteral("old messages dropped"), QStringLiteral("server going down")},
                      session),
                 QString());
        QVERIFY(!session.messages()->messageById(6)); // below the lowest kept id 101
        QCOMPARE(session.serverStatus(), QStringLiteral("shutting_down"));
    }
};

QTEST_MAIN(SessionFramesTest)
#include "tst_sessionframes.moc"
