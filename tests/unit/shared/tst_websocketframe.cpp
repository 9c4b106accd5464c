// RFC 6455 framing used by the server's own WebSocket transport and the load tester. The parser
// is fed raw network bytes from anyone on the internet, so besides the happy path this checks the
// protocol errors and the oversize handling that keeps one client from exhausting memory.

#include "net/WebSocketFrame.h"
#include "system/ProcessStats.h"

#include <QRandomGenerator>
#include <QtTest>

using namespace ic::ws;
using Role = FrameParser::Role;

namespace {

// Builds a frame by hand so tests can produce what encodeFrame never does: FIN clear, reserved
// bits, reserved opcodes, chosen mask keys.
QByteArray rawFrame(bool fin, quint8 opcode, const QByteArray &payload, bool masked,
                    quint8 reservedBits = 0, quint32 maskKey = 0x12345678)
{
    QByteArray out;
    out.append(char((fin ? 0x80 : 0) | reservedBits | (opcode & 0x0F)));
    const quint8 maskBit = masked ? 0x80 : 0;
    const qint64 length = payload.size();
    if (length < 126) {
        out.append(char(maskBit | length));
    } else if (length <= 0xFFFF) {
        out.append(char(maskBit | 126));
        out.append(char(length >> 8)).append(char(length & 0xFF));
    } else {
        out.append(char(maskBit | 127));
        for (int shift = 56; shift >= 0; shift -= 8)
            out.append(char((quint64(length) >> shift) & 0xFF));
    }
    if (!masked)
        return out + payload;
    const quint8 key[4] = {quint8(maskKey >> 24), quint8(maskKey >> 16), quint8(maskKey >> 8),
                           quint8(maskKey)};
    out.append(reinterpret_cast<const char *>(key), 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        out.append(char(payload[i] ^ key[i & 3]));
    return out;
}

QByteArray randomBytes(qsizetype size, quint32 seed)
{
    QRandomGenerator random(seed);
    QByteArray bytes(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        bytes[i] = char(random.bounded(256));
    return bytes;
}

QList<Message> drain(FrameParser &parser)
{
    QList<Message> messages;
    while (auto message = parser.next())
        messages.append(std::move(*message));
    return messages;
}

// Header size a conforming encoder must use for this payload size (shortest form).
qsizetype headerSize(qsizetype payload, bool masked)
{
    const qsizetype base = payload < 126 ? 2 : payload <= 0xFFFF ? 4 : 10;
    return base + (masked ? 4 : 0);
}

} // namespace

class TestWebSocketFrame : public QObject
{
    Q_OBJECT

private slots:
    void roundTrip_data()
    {
        QTest::addColumn<int>("size");
        QTest::addColumn<bool>("masked");
        for (int size : {0, 1, 125, 126, 127, 65535, 65536, 100000}) {
            QTest::newRow(qPrintable(QStringLiteral("%1 masked").arg(size))) << size << true;
            QTest::newRow(qPrintable(QStringLiteral("%1 unmasked").arg(size))) << size << false;
        }
    }

    void roundTrip()
    {
        QFETCH(int, size);
        QFETCH(bool, masked);
        const QByteArray payload = randomBytes(size, quint32(size));
        const QByteArray frame = encodeFrame(Opcode::Binary, payload, masked);
        QCOMPARE(frame.size(), headerSize(size, masked) + size);
        QCOMPARE(quint8(frame[0]), quint8(0x82)); // FIN + binary
        QCOMPARE(bool(quint8(frame[1]) & 0x80), masked);
        const quint8 lengthCode = quint8(frame[1]) & 0x7F;
        QCOMPARE(lengthCode, quint8(size < 126 ? size : size <= 0xFFFF ? 126 : 127));
        if (masked && size >= 16)
            QVERIFY(frame.right(size) != payload); // masking actually changed the bytes

        // A server reads masked client frames, a client unmasked server frames.
        FrameParser parser(masked ? Role::Server : Role::Client, 1 << 20);
        QVERIFY(parser.feed(frame));
        const QList<Message> messages = drain(parser);
        QCOMPARE(messages.size(), 1);
        QCOMPARE(messages[0].opcode, Opcode::Binary);
        QCOMPARE(messages[0].payload, payload);
        QCOMPARE(messages[0].size, qint64(size));
        QVERIFY(!messages[0].oversize);
        QCOMPARE(parser.closeCode(), quint16(0));
    }

    void textAndControlFrames()
    {
        FrameParser parser(Role::Client, 1024);
        QVERIFY(parser.feed(encodeFrame(Opcode::Text, "hello") + encodeFrame(Opcode::Ping, "p1") +
                            encodeFrame(Opcode::Pong, "") +
                            encodeCloseFrame(CloseGoingAway, "bye")));
        const QList<Message> messages = drain(parser);
        QCOMPARE(messages.size(), 4);
        QCOMPARE(messages[0].opcode, Opcode::Text);
        QCOMPARE(messages[0].payload, QByteArray("hello"));
        QCOMPARE(messages[1].opcode, Opcode::Ping);
        QCOMPARE(messages[1].payload, QByteArray("p1"));
        QCOMPARE(messages[2].opcode, Opcode::Pong);
        QCOMPARE(messages[2].payload, QByteArray());
        QCOMPARE(messages[3].opcode, Opcode::Close);
        QCOMPARE(messages[3].payload, QByteArray("\x03\xe9"
                                                 "bye")); // 1001 big-endian + reason
    }

    void closeReasonIsCapped()
    {
        // A control frame payload is at most 125 bytes: 2 for the code, 123 for the reason.
        const QByteArray frame = encodeCloseFrame(CloseNormal, QByteArray(300, 'r'));
        FrameParser parser(Role::Client, 1024);
        QVERIFY(parser.feed(frame));
        const auto message = parser.next();
        QVERIFY(message);
        QCOMPARE(message->payload.size(), 125);
        QCOMPARE(message->payload.left(2), QByteArray("\x03\xe8"));
    }

    void maskingRequiredByRole()
    {
        FrameParser server(Role::Server, 1024);
        QVERIFY(!server.feed(encodeFrame(Opcode::Text, "x", false)));
        QCOMPARE(server.closeCode(), quint16(CloseProtocolError));
        QVERIFY(!server.hasMessages());

        FrameParser client(Role::Client, 1024);
        QVERIFY(!client.feed(encodeFrame(Opcode::Text, "x", true)));
        QCOMPARE(client.closeCode(), quint16(CloseProtocolError));
        QVERIFY(!client.hasMessages());
    }

    void fragmentedMessage()
    {
        FrameParser parser(Role::Server, 1024);
        QVERIFY(parser.feed(rawFrame(false, 0x1, "Hel", true, 0, 0x01020304)));
        QVERIFY(!parser.hasMessages()); // nothing until the final fragment
        QVERIFY(parser.feed(rawFrame(false, 0x0, "lo ", true, 0, 0xA0B0C0D0)));
        QVERIFY(parser.feed(rawFrame(true, 0x0, "world", true, 0, 0xFFFFFFFF)));
        const QList<Message> messages = drain(parser);
        QCOMPARE(messages.size(), 1);
        QCOMPARE(messages[0].opcode, Opcode::Text); // the first fragment's opcode
        QCOMPARE(messages[0].payload, QByteArray("Hello world"));
        QCOMPARE(messages[0].size, qint64(11));

        // And another message after it starts cleanly.
        QVERIFY(parser.feed(rawFrame(true, 0x2, "\x01\x02", true)));
        const auto next = parser.next();
        QVERIFY(next);
        QCOMPARE(next->opcode, Opcode::Binary);
        QCOMPARE(next->payload, QByteArray("\x01\x02"));
    }

    // RFC 6455 §5.4: control frames may arrive between the fragments of a data message.
    void controlFramesInsideFragmentedMessage()
    {
        FrameParser parser(Role::Server, 1024);
        QByteArray stream = rawFrame(false, 0x1, "ab", true) + rawFrame(true, 0x9, "ping!", true) +
                            rawFrame(false, 0x0, "cd", true) + rawFrame(true, 0xA, "", true) +
                            rawFrame(true, 0x0, "ef", true);
        QVERIFY(parser.feed(stream));
        const QList<Message> messages = drain(parser);
        QCOMPARE(messages.size(), 3);
        QCOMPARE(messages[0].opcode, Opcode::Ping);
        QCOMPARE(messages[0].payload, QByteArray("ping!"));
        QCOMPARE(messages[1].opcode, Opcode::Pong);
        QCOMPARE(messages[2].opcode, Opcode::Text);
        QCOMPARE(messages[2].payload, QByteArray("abcdef"));
    }

    void oversizeMessageSkippedNextParses()
    {
        const qsizetype limit = 100;
        FrameParser parser(Role::Server, limit);
        const QByteArray big = randomBytes(1000, 1);
        QVERIFY(parser.feed(rawFrame(true, 0x1, big, true) + rawFrame(true, 0x1, "ok", true)));
        const QList<Message> messages = drain(parser);
        QCOMPARE(messages.size(), 2);
        QVERIFY(messages[0].oversize);
        QVERIFY(messages[0].payload.isEmpty());
        QCOMPARE(messages[0].size, qint64(1000));
        QCOMPARE(messages[0].opcode, Opcode::Text);
        QVERIFY(!messages[1].oversize);
        QCOMPARE(messages[1].payload, QByteArray("ok"));

        // Exactly at the limit is fine.
        QVERIFY(parser.feed(rawFrame(true, 0x1, QByteArray(limit, 'x'), true)));
        const auto atLimit = parser.next();
        QVERIFY(atLimit && !atLimit->oversize && atLimit->payload.size() == limit);
    }

    void fragmentedOversize()
    {
        // Each fragment is small, the total is not: still oversize, and a ping in between and
        // the next message still come through.
        FrameParser parser(Role::Server, 100);
        QByteArray stream =
            rawFrame(false, 0x1, QByteArray(60, 'a'), true) + rawFrame(true, 0x9, "p", true) +
            rawFrame(false, 0x0, QByteArray(60, 'b'), true) +
            rawFrame(true, 0x0, QByteArray(60, 'c'), true) + rawFrame(true, 0x1, "next", true);
        QVERIFY(parser.feed(stream));
        const QList<Message> messages = drain(parser);
        QCOMPARE(messages.size(), 3);
        QCOMPARE(messages[0].opcode, Opcode::Ping);
        QVERIFY(messages[1].oversize);
        QCOMPARE(messages[1].size, qint64(180));
        QVERIFY(messages[1].payload.isEmpty());
        QVERIFY(!messages[2].oversize);
        QCOMPARE(messages[2].payload, QByteArray("next"));
    }

    // A 48 MiB message streamed in 64 KiB reads with a 64 KiB limit must not be buffered: the
    // parser's memory stays flat (checked through the process RSS, with a wide margin).
    void oversizeIsNotBuffered()
    {
        const qint64 total = 48LL * 1024 * 1024;
        FrameParser parser(Role::Server, 64 * 1024);
        QByteArray header;
        header.append(char(0x81));
        header.append(char(0x80 | 127));
        for (int shift = 56; shift >= 0; shift -= 8)
            header.append(char((quint64(total) >> shift) & 0xFF));
        header.append(QByteArray(4, '\0')); // zero mask key: payload bytes pass unchanged
        const QByteArray chunk(64 * 1024, 'z');
        const qint64 before = ic::sys::residentBytes();
        QVERIFY(before > 0);
        QVERIFY(parser.feed(header));
        for (qint64 sent = 0; sent < total; sent += chunk.size())
            QVERIFY(parser.feed(chunk));
        const qint64 growth = ic::sys::residentBytes() - before;
        QVERIFY2(growth < 16LL * 1024 * 1024,
                 qPrintable(QStringLiteral("RSS grew by %1 bytes").arg(growth)));
        const auto message = parser.next();
        QVERIFY(message);
        QVERIFY(message->oversize);
        QCOMPARE(message->size, total);
        QVERIFY(parser.feed(rawFrame(true, 0x1, "after", true)));
        QCOMPARE(parser.next()->payload, QByteArray("after"));
    }

    void aboveHardLimitCloses()
    {
        FrameParser parser(Role::Server, 1024);
        QByteArray header;
        header.append(char(0x82));
        header.append(char(0x80 | 127));
        const quint64 huge = quint64(1) << 40;
        for (int shift = 56; shift >= 0; shift -= 8)
            header.append(char((huge >> shift) & 0xFF));
        header.append(QByteArray(4, '\0'));
        QVERIFY(!parser.feed(header));
        QCOMPARE(parser.closeCode(), quint16(CloseTooBig));
        // A 64-bit length with the top bit set (negative if read as signed) also closes.
        FrameParser negative(Role::Server, 1024);
        QByteArray negativeHeader("\x82\xff\xff\xff\xff\xff\xff\xff\xff\xff\0\0\0\0", 14);
        QVERIFY(!negative.feed(negativeHeader));
        QVERIFY(negative.closeCode() != 0);
    }

    void byteByByte()
    {
        const QByteArray big = randomBytes(70000, 7);
        const QByteArray stream = rawFrame(false, 0x1, "frag-", true, 0, 0xDEADBEEF) +
                                  rawFrame(true, 0x9, "ping", true, 0, 0x0BADF00D) +
                                  rawFrame(true, 0x0, "ment", true, 0, 0x11223344) +
                                  rawFrame(true, 0x2, big, true, 0, 0x55667788) +
                                  rawFrame(true, 0x1, QByteArray(300, 'q'), true) +
                                  rawFrame(true, 0x1, "", true);
        FrameParser whole(Role::Server, 100000);
        QVERIFY(whole.feed(stream));
        const QList<Message> expected = drain(whole);
        QCOMPARE(expected.size(), 5);

        FrameParser bytewise(Role::Server, 100000);
        QList<Message> got;
        for (qsizetype i = 0; i < stream.size(); ++i) {
            QVERIFY(bytewise.feed(QByteArrayView(stream.constData() + i, 1)));
            got += drain(bytewise);
        }
        QCOMPARE(got.size(), expected.size());
        for (qsizetype i = 0; i < got.size(); ++i) {
            QCOMPARE(got[i].opcode, expected[i].opcode);
            QCOMPARE(got[i].payload, expected[i].payload);
            QCOMPARE(got[i].size, expected[i].size);
        }
        QCOMPARE(got[0].payload, QByteArray("ping"));
        QCOMPARE(got[1].payload, QByteArray("frag-ment"));
        QCOMPARE(got[2].payload, big);
        QCOMPARE(got[4].payload, QByteArray());
    }

    void protocolErrors_data()
    {
        QTest::addColumn<QByteArray>("stream");
        QTest::newRow("fragmented ping") << rawFrame(false, 0x9, "p", true);
        QTest::newRow("fragmented close") << rawFrame(false, 0x8, "\x03\xe8", true);
        QTest::newRow("control payload 126") << rawFrame(true, 0x9, QByteArray(126, 'p'), true);
        QTest::newRow("continuation without start") << rawFrame(true, 0x0, "x", true);
        QTest::newRow("continuation after complete message")
            << rawFrame(true, 0x1, "a", true) + rawFrame(true, 0x0, "b", true);
        QTest::newRow("new message inside fragmented")
            << rawFrame(false, 0x1, "a", true) + rawFrame(true, 0x1, "b", true);
        for (quint8 opcode : {0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF})
            QTest::newRow(qPrintable(QStringLiteral("reserved opcode %1").arg(opcode)))
                << rawFrame(true, opcode, "x", true);
        QTest::newRow("rsv1") << rawFrame(true, 0x1, "x", true, 0x40);
        QTest::newRow("rsv2") << rawFrame(true, 0x1, "x", true, 0x20);
        QTest::newRow("rsv3 on ping") << rawFrame(true, 0x9, "x", true, 0x10);
        QTest::newRow("close with 1-byte body") << rawFrame(true, 0x8, "\x03", true);
        QTest::newRow("close code 999") << rawFrame(true, 0x8, QByteArray("\x03\xe7", 2), true);
        QTest::newRow("close code 1005 (never sent)") << rawFrame(true, 0x8, "\x03\xed", true);
        QTest::newRow("close reason not UTF-8") << rawFrame(true, 0x8, "\x03\xe8\xff\xfe", true);
    }

    void validCloseFramesAccepted_data()
    {
        QTest::addColumn<QByteArray>("payload");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("1000") << QByteArray("\x03\xe8", 2);
        QTest::newRow("1001 with reason") << QByteArray("\x03\xe9") + "bye";
        QTest::newRow("4000 application code") << QByteArray("\x0f\xa0", 2);
    }

    void validCloseFramesAccepted()
    {
        QFETCH(QByteArray, payload);
        FrameParser parser(Role::Server, 1024);
        QVERIFY(parser.feed(rawFrame(true, 0x8, payload, true)));
        const auto message = parser.next();
        QVERIFY(message.has_value());
        QCOMPARE(message->opcode, Opcode::Close);
        QCOMPARE(message->payload, payload);
    }

    void protocolErrors()
    {
        QFETCH(QByteArray, stream);
        FrameParser parser(Role::Server, 1024);
        QVERIFY(!parser.feed(stream));
        QCOMPARE(parser.closeCode(), quint16(CloseProtocolError));
        // Once failed, the parser stays failed: nothing more is read from that connection.
        QVERIFY(!parser.feed(rawFrame(true, 0x1, "valid", true)));
        while (auto message = parser.next())
            QVERIFY(message->payload != "valid");
    }

    void acceptKey()
    {
        // The example of RFC 6455 §1.3.
        QCOMPARE(ic::ws::acceptKey("dGhlIHNhbXBsZSBub25jZQ=="),
                 QByteArray("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
        QCOMPARE(ic::ws::acceptKey(" dGhlIHNhbXBsZSBub25jZQ== "),
                 QByteArray("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    }

    void clientKeys()
    {
        const QByteArray first = randomClientKey();
        const QByteArray second = randomClientKey();
        QCOMPARE(first.size(), 24); // base64 of 16 bytes
        QCOMPARE(QByteArray::fromBase64(first).size(), 16);
        QVERIFY(first != second);
    }

    void maskKeysDiffer()
    {
        // A fixed mask key would defeat masking's purpose (proxy cache poisoning, RFC 6455 §10.3).
        QSet<QByteArray> keys;
        for (int i = 0; i < 8; ++i)
            keys.insert(encodeFrame(Opcode::Text, "x", true).mid(2, 4));
        QVERIFY(keys.size() > 1);
    }
};

QTEST_APPLESS_MAIN(TestWebSocketFrame)
#include "tst_websocketframe.moc"
