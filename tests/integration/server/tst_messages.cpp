// docs/protocol.md §4.3, §5 message commands (TM, TM_E, TM_D, TM_S_R, DM), broadcast-before-RP,
// and bad input after the init frame (§4.1, §6: 207, 64 KiB frames, 103, malformed JSON).

#include "ServerFixture.h"

using namespace ic::testing;
using ic::proto::WireMessage;
using ic::validation::urlEncode;

class MessagesTest : public QObject
{
    Q_OBJECT

    std::unique_ptr<TestProcess> m_server;
    Peer m_a, m_b;        // A created the room (creator), B joined
    QString m_aId, m_bId; // their user-in-room ids
    const QString room = QStringLiteral("msg-room");

    // The message object in the newest `kind` frame from index `from` on.
    static std::optional<WireMessage> broadcastMessage(const Peer &p, Command kind, qsizetype from,
                                                       int timeoutMs = 5000)
    {
        const auto frame = p.frames->waitForFrame(FrameRecorder::is(kind), timeoutMs, from);
        if (!frame || !frame->messages || frame->messages->size() != 1)
            return std::nullopt;
        return frame->messages->first();
    }

    // What a new joiner receives in ALL_TM.
    QList<WireMessage> allMessages()
    {
        Peer c = connectPeer(*m_server, this);
        if (!c)
            return {};
        const auto rp = c.reply(c.client->join(room));
        const auto all = c.frames->waitForFrame(FrameRecorder::is(Command::AllMessages), 1000);
        c.client->close();
        if (!rp || !all)
            return {};
        return all->messages.value_or(QList<WireMessage>{});
    }

    // Sends `rq` (already sent) and checks that the broadcast `kind` reached the sender before
    // the RP.
    static bool broadcastBeforeReply(const Peer &p, Command kind, const QString &rq, qsizetype from)
    {
        const qsizetype broadcast = p.frames->indexOf(FrameRecorder::is(kind), from);
        const qsizetype reply = p.frames->indexOf(FrameRecorder::isReplyTo(rq), from);
        return broadcast >= 0 && reply > broadcast;
    }

private slots:
    void init()
    {
        m_server = startServer();
        QVERIFY(m_server);
        m_a = connectPeer(*m_server, this);
        m_b = connectPeer(*m_server, this);
        QVERIFY(m_a && m_b);
        const auto rpA = m_a.reply(m_a.client->createAndJoin(room));
        IC_VERIFY_RP(rpA);
        const auto rpB = m_b.reply(m_b.client->join(room));
        IC_VERIFY_RP(rpB);
        m_aId = *rpA->userId;
        m_bId = *rpB->userId;
    }
    void cleanup()
    {
        qDeleteAll(findChildren<QObject *>(Qt::FindDirectChildrenOnly));
        m_server.reset();
    }

    // §5 TM: stored with the next id, broadcast to everyone (sender included) before the RP;
    // §4.3 message object keys.
    void textMessage()
    {
        const qsizetype fromA = m_a.frames->size(), fromB = m_b.frames->size();
        const qint64 before = ic::proto::nowSeconds();
        const QString rq = m_a.client->sendText(room, QStringLiteral("hello wörld & more"));
        IC_VERIFY_RP(m_a.reply(rq));
        QVERIFY2(broadcastBeforeReply(m_a, Command::TextMessage, rq, fromA), "TM must precede RP");
        const auto onB = broadcastMessage(m_b, Command::TextMessage, fromB);
        QVERIFY(onB);
        QCOMPARE(onB->id, std::optional<qint64>(1));
        QCOMPARE(onB->text, std::optional<QString>(urlEncode(u"hello wörld & more")));
        QCOMPARE(onB->userId, std::optional<QString>(m_aId));
        QCOMPARE(onB->supportCount, std::optional<qint64>(0));
        QCOMPARE(onB->rejectCount, std::optional<qint64>(0));
        QVERIFY(onB->createdAt && *onB->createdAt >= before - 1 &&
                *onB->createdAt <= ic::proto::nowSeconds() + 1);
        // Absent when never edited/voted and when not a reply.
        QVERIFY(!onB->lastEdited && !onB->lastVoted && !onB->replyUser && !onB->replyMessage);
        // The sender gets the same message.
        QCOMPARE(broadcastMessage(m_a, Command::TextMessage, fromA), onB);

        // A reply: rU/rM present; ids strictly increasing.
        const qsizetype from2 = m_a.frames->size();
        IC_VERIFY_RP(m_b.reply(m_b.client->sendText(room, QStringLiteral("re"), m_aId, 1)));
        const auto reply = broadcastMessage(m_a, Command::TextMessage, from2);
        QVERIFY(reply);
        QCOMPARE(reply->id, std::optional<qint64>(2));
        QCOMPARE(reply->replyUser, std::optional<QString>(m_aId));
        QCOMPARE(reply->replyMessage, std::optional<qint64>(1));
        QCOMPARE(reply->userId, std::optional<QString>(m_bId));
    }

    // §5 TM_E: author only (103); unknown id → RP without broadcast; text and reply fields are
    // all replaced and lE set.
    void editMessage()
    {
        IC_VERIFY_RP(m_a.reply(m_a.client->sendText(room, QStringLiteral("first"))));
        IC_VERIFY_RP(m_a.reply(m_a.client->sendText(room, QStringLiteral("second"), m_bId, 1)));

        const qsizetype fromA = m_a.frames->size(), fromB = m_b.frames->size();
        const qint64 before = ic::proto::nowNanoseconds();
        const QString rq = m_a.client->editText(room, 2, QStringLiteral("second, edited"));
        IC_VERIFY_RP(m_a.reply(rq));
        QVERIFY2(broadcastBeforeReply(m_a, Command::EditMessage, rq, fromA),
                 "TM_E must precede RP");
        const auto frame =
            m_b.frames->waitForFrame(FrameRecorder::is(Command::EditMessage), 5000, fromB);
        QVERIFY(frame && frame->messages && frame->messages->size() == 1);
        QVERIFY(frame->time.has_value());
        const WireMessage edited = frame->messages->first();
        QCOMPARE(edited.id, std::optional<qint64>(2));
        QCOMPARE(edited.text, std::optional<QString>(urlEncode(u"second, edited")));
        QVERIFY(edited.lastEdited && *edited.lastEdited >= before - 2'000'000'000LL);
        QVERIFY2(!edited.replyUser && !edited.replyMessage,
                 "reply fields must be replaced (cleared)");

        // Not the author → 103; unknown id → RP, no broadcast.
        IC_VERIFY_ER(m_b.reply(m_b.client->editText(room, 1, QStringLiteral("hijack"))),
                     ErrorCode::InvalidInput);
        IC_VERIFY_RP(m_a.reply(m_a.client->editText(room, 999, QStringLiteral("ghost"))));
        settle(300);
        QCOMPARE(m_b.frames->count(Command::EditMessage), 1); // only the real edit

        // A new joiner sees the edit.
        const QList<WireMessage> all = allMessages();
        QCOMPARE(all.size(), 2);
        QCOMPARE(all.at(1).text, std::optional<QString>(urlEncode(u"second, edited")));
        QVERIFY(all.at(1).lastEdited.has_value());
        QVERIFY(!all.at(1).replyUser && !all.at(1).replyMessage);
        QCOMPARE(all.at(0).text, std::optional<QString>(QStringLiteral("first")));
    }

    // §5 TM_D: author only (103); unknown id → RP; broadcast {"id"}; gone for new joiners; ids
    // never reused.
    void deleteMessage()
    {
        IC_VERIFY_RP(m_a.reply(m_a.client->sendText(room, QStringLiteral("one"))));
        IC_VERIFY_RP(m_a.reply(m_a.client->sendText(room, QStringLiteral("two"))));
        IC_VERIFY_ER(m_b.reply(m_b.client->deleteMessage(room, 1)), ErrorCode::InvalidInput);
        const qsizetype fromA = m_a.frames->size(), fromB = m_b.frames->size();
        const QString rq = m_a.client->deleteMessage(room, 2);
        IC_VERIFY_RP(m_a.reply(rq));
        QVERIFY2(broadcastBeforeReply(m_a, Command::DeleteMessage, rq, fromA),
                 "TM_D must precede RP");
        const auto deleted = broadcastMessage(m_b, Command::DeleteMessage, fromB);
        QVERIFY(deleted);
        QCOMPARE(deleted->id, std::optional<qint64>(2));
        IC_VERIFY_RP(m_a.reply(m_a.client->deleteMessage(room, 999)));

        const QList<WireMessage> all = allMessages();
        QCOMPARE(all.size(), 1);
        QCOMPARE(all.at(0).id, std::optional<qint64>(1));
        // The next message gets id 3, not 2.
        const qsizetype from = m_b.frames->size();
        IC_VERIFY_RP(m_a.reply(m_a.client->sendText(room, QStringLiteral("three"))));
        const auto three = broadcastMessage(m_b, Command::TextMessage, from);
        QVERIFY(three);
        QCOMPARE(three->id, std::optional<qint64>(3));
    }

    // Deleting a message past the first few (the server once crashed on the 4th of 4): the server
    // keeps serving, and the history is the rest in order.
    void deleteLaterMessages()
    {
        for (int i = 1; i <= 10; ++i)
            IC_VERIFY_RP(m_a.reply(m_a.client->sendText(room, QStringLiteral("n%1").arg(i))));
        for (const qint64 id : {qint64(4), qint64(7), qint64(10)})
            IC_VERIFY_RP(m_a.reply(m_a.client->deleteMessage(room, id)));
        QList<qint64> ids;
        for (const WireMessage &message : allMessages())
            ids << message.id.value_or(-1);
        QCOMPARE(ids, (QList<qint64>{1, 2, 3, 5, 6, 8, 9}));
    }

    // §5 TM_S_R: one vote per session; same again withdraws; opposite moves; own message is
    // ignored unless the voter is the room creator.
    void votes()
    {
        IC_VERIFY_RP(m_a.reply(m_a.client->sendText(room, QStringLiteral("A's")))); // id 1
        IC_VERIFY_RP(m_b.reply(m_b.client->sendText(room, QStringLiteral("B's")))); // id 2

        struct Step
        {
            Peer *voter;
            qint64 id;
            bool support;
            qint64 sC, rC;
        };
        const Step steps[] = {
            {&m_b, 1, true, 1, 0},  // support
            {&m_b, 1, true, 0, 0},  // same again: withdrawn
            {&m_b, 1, false, 0, 1}, // reject
            {&m_b, 1, true, 1, 0},  // opposite: moved
            {&m_a, 2, false, 0, 1}, // another voter on B's message
            {&m_a, 1, true, 2, 0},  // the creator may vote on (pin) its own message
        };
        for (const Step &step : steps) {
            const qsizetype fromVoter = step.voter->frames->size();
            const qsizetype fromOther = (step.voter == &m_a ? m_b : m_a).frames->size();
            const QString rq = step.voter->client->vote(room, step.id, step.support);
            IC_VERIFY_RP(step.voter->reply(rq));
            QVERIFY2(broadcastBeforeReply(*step.voter, Command::Vote, rq, fromVoter),
                     "TM_S_R must precede RP");
            const auto frame =
                (step.voter == &m_a ? m_b : m_a)
                    .frames->waitForFrame(FrameRecorder::is(Command::Vote), 5000, fromOther);
            QVERIFY(frame && frame->messages && frame->messages->size() == 1);
            QVERIFY(frame->time.has_value());
            const WireMessage vote = frame->messages->first();
            QCOMPARE(vote.id, std::optional<qint64>(step.id));
            QCOMPARE(vote.supportCount, std::optional<qint64>(step.sC));
            QCOMPARE(vote.rejectCount, std::optional<qint64>(step.rC));
        }
        // A non-creator voting on its own message: RP, no change, no broadcast.
        const qsizetype fromA = m_a.frames->size();
        IC_VERIFY_RP(m_b.reply(m_b.client->vote(room, 2, true)));
        settle(300);
        QCOMPARE(m_a.frames->indexOf(FrameRecorder::is(Command::Vote), fromA), qsizetype(-1));

        const QList<WireMessage> all = allMessages();
        QCOMPARE(all.size(), 2);
        QCOMPARE(all.at(0).supportCount, std::optional<qint64>(2));
        QCOMPARE(all.at(1).rejectCount, std::optional<qint64>(1));
        QCOMPARE(all.at(1).supportCount, std::optional<qint64>(0));
        QVERIFY(all.at(0).lastVoted.has_value());
    }

    // §5 DM: like TM, text is the URL-encoded drawing pointer; shares the id sequence.
    void drawingMessage()
    {
        IC_VERIFY_RP(m_a.reply(m_a.client->sendText(room, QStringLiteral("text first"))));
        const QString group = QUuid::createUuid().toString(QUuid::WithoutBraces);
        const qsizetype fromB = m_b.frames->size();
        const QString rq = m_a.client->sendDrawing(room, QStringLiteral("drawing_1"), group);
        IC_VERIFY_RP(m_a.reply(rq));
        // The broadcast code: §5 says TM/DM are broadcast as {"c":"TM",…}, the command table
        // lists DM as in/out; either is accepted, the content is what matters.
        const auto frame = m_b.frames->waitForFrame(
            [](const ServerFrame &f) {
                return f.kind() == Command::DrawingMessage || f.kind() == Command::TextMessage;
            },
            5000, fromB);
        QVERIFY(frame && frame->messages && frame->messages->size() == 1);
        const WireMessage drawing = frame->messages->first();
        QCOMPARE(drawing.id, std::optional<qint64>(2));
        QCOMPARE(drawing.text,
                 std::optional<QString>(urlEncode(QString(ic::proto::drawingMarker) +
                                                  QStringLiteral("drawing_1@") + group)));
        QCOMPARE(drawing.userId, std::optional<QString>(m_aId));
    }

    // §6: text over 10,000 decoded characters → 207; exactly 10,000 (multi-byte) is fine.
    void messageTooLong()
    {
        IC_VERIFY_ER(m_a.reply(m_a.client->sendText(room, QString(10001, QLatin1Char('x')))),
                     ErrorCode::MessageTooLong);
        // 10,000 × "é" is 60,000 bytes encoded, under the frame limit: counted decoded.
        IC_VERIFY_RP(m_a.reply(m_a.client->sendText(room, QString(10000, QChar(0xe9)))));
    }

    // §6 [differs]: a frame over 64 KiB gets ER 207 and the connection stays usable.
    void oversizeFrame()
    {
        const qsizetype from = m_a.frames->size();
        const QByteArray big =
            "{\"c\":\"TM\",\"rq\":\"big\",\"r\":{\"n\":\"msg-room\",\"p\":\"\"},\"m\":{\"t\":\"" +
            QByteArray(70 * 1024, 'a') + "\",\"rU\":null,\"rM\":null}}";
        m_a.client->sendRawText(big);
        const auto error =
            m_a.frames->waitForFrame(FrameRecorder::isError(ErrorCode::MessageTooLong), 5000, from);
        QVERIFY2(error, "no ER 207 for a 70 KiB frame");
        QCOMPARE(m_a.client->state(), ChatClient::State::Connected);
        IC_VERIFY_RP(m_a.reply(m_a.client->sendText(room, QStringLiteral("still works"))));
        // Nothing of the oversize frame was stored.
        const QList<WireMessage> all = allMessages();
        QCOMPARE(all.size(), 1);
        QCOMPARE(all.at(0).text, std::optional<QString>(QStringLiteral("still%20works")));
    }

    // §4.1 [differs]: valid JSON with a wrongly typed key → ER 103 (with rq), connection open.
    void wronglyTypedKeys_data()
    {
        QTest::addColumn<QByteArray>("frame");
        QTest::newRow("m not an object") << QByteArray(
            "{\"c\":\"TM\",\"rq\":\"w\",\"r\":{\"n\":\"msg-room\",\"p\":\"\"},\"m\":\"text\"}");
        QTest::newRow("r not an object") << QByteArray("{\"c\":\"R_J\",\"rq\":\"w\",\"r\":5}");
        QTest::newRow("r.n a number")
            << QByteArray("{\"c\":\"R_J\",\"rq\":\"w\",\"r\":{\"n\":5,\"p\":\"\"}}");
        QTest::newRow("uN a number") << QByteArray(
            "{\"c\":\"R_C_J\",\"rq\":\"w\",\"r\":{\"n\":\"msg-room\",\"p\":\"\"},\"uN\":7}");
        QTest::newRow("m.id a string")
            << QByteArray("{\"c\":\"TM_D\",\"rq\":\"w\",\"r\":{\"n\":\"msg-room\",\"p\":\"\"},"
                          "\"m\":{\"id\":\"1\"}}");
        QTest::newRow("m.t a number") << QByteArray(
            "{\"c\":\"TM\",\"rq\":\"w\",\"r\":{\"n\":\"msg-room\",\"p\":\"\"},\"m\":{\"t\":1}}");
        QTest::newRow("srM a string")
            << QByteArray("{\"c\":\"TM_S_R\",\"rq\":\"w\",\"r\":{\"n\":\"msg-room\",\"p\":\"\"},"
                          "\"m\":{\"id\":1},\"srM\":\"yes\"}");
        QTest::newRow("m.rM a fraction")
            << QByteArray("{\"c\":\"TM\",\"rq\":\"w\",\"r\":{\"n\":\"msg-room\",\"p\":\"\"},\"m\":{"
                          "\"t\":\"x\",\"rM\":1.5}}");
    }
    void wronglyTypedKeys()
    {
        QFETCH(QByteArray, frame);
        const qsizetype from = m_a.frames->size();
        m_a.client->sendRawText(frame);
        const auto error = m_a.frames->waitForFrame(FrameRecorder::is(Command::Error), 5000, from);
        QVERIFY2(error, "no ER for a wrongly typed key");
        QCOMPARE(int(error->errorCode()), int(ErrorCode::InvalidInput));
        QCOMPARE(error->requestId, std::optional<QString>(QStringLiteral("w")));
        QCOMPARE(m_a.client->state(), ChatClient::State::Connected);
        IC_VERIFY_RP(m_a.reply(m_a.client->sendText(room, QStringLiteral("after bad input"))));
    }

    // Malformed JSON or non-object JSON after the init frame: never closes the connection and
    // never affects the room (§6: bad input affects nobody).
    void malformedJsonAfterInit_data()
    {
        QTest::addColumn<QByteArray>("frame");
        QTest::newRow("truncated") << QByteArray("{\"c\":\"TM\",");
        QTest::newRow("not json") << QByteArray("hello");
        QTest::newRow("array") << QByteArray("[1,2,3]");
        QTest::newRow("number") << QByteArray("12");
        QTest::newRow("null") << QByteArray("null");
        QTest::newRow("empty") << QByteArray("");
        QTest::newRow("invalid utf-8 in json")
            << QByteArray("{\"c\":\"TM\",\"rq\":\"u\",\"r\":{\"n\":\"msg-room\",\"p\":\"\"},\"m\":{"
                          "\"t\":\"\xff\xfe\"}");
    }
    void malformedJsonAfterInit()
    {
        QFETCH(QByteArray, frame);
        const qsizetype fromB = m_b.frames->size();
        // Binary carries the bytes exactly; text frames must be UTF-8, so only valid text goes
        // as a text frame.
        if (QString::fromUtf8(frame).toUtf8() == frame)
            m_a.client->sendRawText(frame);
        m_a.client->sendRawBinary(frame);
        IC_VERIFY_RP(m_a.reply(m_a.client->sendText(room, QStringLiteral("after garbage"))));
        QCOMPARE(m_a.client->state(), ChatClient::State::Connected);
        // The other member saw only the valid message.
        const auto tm =
            m_b.frames->waitForFrame(FrameRecorder::is(Command::TextMessage), 5000, fromB);
        QVERIFY(tm && tm->messages);
        QCOMPARE(tm->messages->first().id, std::optional<qint64>(1));
        QByteArray seen;
        for (const ServerFrame &f : m_b.frames->frames().mid(fromB))
            seen += dump(f) + '\n';
        QVERIFY2(m_b.frames->frames().mid(fromB).size() == 1, seen.constData());
    }

    // §5 active-member checks name the room in `r`: a message command without `r` belongs to
    // no room — it is refused and stored nowhere, even if the socket joined a room.
    void messageWithoutRoomIsRefused()
    {
        const qsizetype fromB = m_b.frames->size();
        const qsizetype fromA = m_a.frames->size();
        m_a.client->sendRawText(
            "{\"c\":\"TM\",\"rq\":\"noroom\",\"m\":{\"t\":\"where\",\"rU\":null,\"rM\":null}}");
        const auto reply = m_a.frames->waitForFrame(
            [](const ServerFrame &f) { return f.requestId == QStringLiteral("noroom"); }, 5000,
            fromA);
        QVERIFY2(reply && reply->kind() == Command::Error, dump(reply).constData());
        const int code = int(reply->errorCode());
        QVERIFY2(code == 202 || code == 103 || code == 301, dump(reply).constData());
        settle(300);
        QCOMPARE(m_b.frames->indexOf(FrameRecorder::is(Command::TextMessage), fromB),
                 qsizetype(-1));
    }
};

QTEST_GUILESS_MAIN(MessagesTest)
#include "tst_messages.moc"
