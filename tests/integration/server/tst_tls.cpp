// The server's own TLS listener (--tls-cert / --tls-key, server/transport/TlsTransport.cpp): HTTPS,
// wss:// sessions (docs/protocol.md §3.1–§5) with messages spanning several TLS records, a plain
// client on the TLS port, and the Origin check (§3.2) over TLS. The clients trust the test's
// self-signed certificate as their only CA: no TLS error is ignored.

#include "ServerFixture.h"

#include "protocol/ClientFrame.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslError>
#include <QSslSocket>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QWebSocket>

using namespace ic::testing;

namespace {

constexpr int waitMs = 10000;

QString sslErrorText(const QList<QSslError> &errors)
{
    QStringList texts;
    for (const QSslError &error : errors)
        texts << error.errorString();
    return texts.join(QStringLiteral("; "));
}

// A response read off a raw TLS connection.
struct TlsExchange
{
    bool encrypted = false; // the TLS handshake completed (certificate verified)
    int status = -1;        // HTTP status, -1 when no status line arrived
    QByteArray head;        // status line + headers
    QByteArray body;
    QString error; // socket error text when the exchange failed
    QList<QSslError> sslErrors;
};

// A wss:// client: QWebSocket with the test CA, recording every decoded server frame.
class WssClient : public QObject
{
    Q_OBJECT
public:
    WssClient(const QSslConfiguration &tls, QObject *parent = nullptr)
        : QObject(parent), m_socket(testOrigin) // the Origin header of the upgrade
    {
        m_socket.setSslConfiguration(tls);
        connect(&m_socket, &QWebSocket::sslErrors, this,
                [this](const QList<QSslError> &errors) { m_sslErrors << errors; });
        connect(&m_socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
            const QByteArray json = text.toUtf8();
            if (std::optional<ServerFrame> frame = ic::proto::decodeServerFrame(json))
                m_frames << *frame;
            else
                m_undecodable << json;
        });
    }

    bool open(const QUrl &url, const QByteArray &cookie)
    {
        QNetworkRequest request(url);
        request.setRawHeader("Cookie", QByteArray(ic::session::cookieName) + '=' + cookie);
        m_socket.open(request);
        waitUntil(
            [this] {
                return m_socket.state() == QAbstractSocket::ConnectedState ||
                       m_socket.state() == QAbstractSocket::UnconnectedState;
            },
            waitMs);
        return m_socket.state() == QAbstractSocket::ConnectedState;
    }

    void send(const QByteArray &json) { m_socket.sendTextMessage(QString::fromUtf8(json)); }

    // The first recorded frame satisfying predicate, waiting up to waitMs.
    std::optional<ServerFrame> waitFor(const std::function<bool(const ServerFrame &)> &predicate)
    {
        qsizetype checked = 0, found = -1;
        waitUntil(
            [&] {
                for (; checked < m_frames.size(); ++checked)
                    if (predicate(m_frames.at(checked))) {
                        found = checked;
                        return true;
                    }
                return m_socket.state() == QAbstractSocket::UnconnectedState;
            },
            waitMs);
        if (found < 0)
            return std::nullopt;
        return m_frames.at(found);
    }
    std::optional<ServerFrame> waitForReply(const QString &requestId)
    {
        return waitFor([requestId](const ServerFrame &frame) {
            return (frame.kind() == Command::Reply || frame.kind() == Command::Error) &&
                   frame.requestId == requestId;
        });
    }

    QString describe() const
    {
        return QStringLiteral("state %1, error \"%2\", ssl errors [%3], %4 frames, %5 undecodable")
            .arg(int(m_socket.state()))
            .arg(m_socket.errorString(), sslErrorText(m_sslErrors))
            .arg(m_frames.size())
            .arg(m_undecodable.size());
    }

    QWebSocket &socket() { return m_socket; }
    const QList<QSslError> &sslErrors() const { return m_sslErrors; }

private:
    QWebSocket m_socket;
    QList<ServerFrame> m_frames;
    QList<QByteArray> m_undecodable;
    QList<QSslError> m_sslErrors;
};

QByteArray joinFrame(const QString &requestId, const QString &room)
{
    ic::proto::ClientFrame frame;
    frame.command = ic::proto::commandCode(Command::RoomCreateJoin);
    frame.requestId = requestId;
    frame.hasRoom = true;
    frame.roomName = room;
    return ic::proto::encodeClientFrame(frame);
}

QByteArray textFrame(const QString &requestId, const QString &room, const QString &encodedText)
{
    ic::proto::ClientFrame frame;
    frame.command = ic::proto::commandCode(Command::TextMessage);
    frame.requestId = requestId;
    frame.hasRoom = true;
    frame.roomName = room;
    ic::proto::ClientMessage message;
    message.text = encodedText;
    frame.message = message;
    return ic::proto::encodeClientFrame(frame);
}

// A URL-encoded text of well under the 10 000-character limit whose encoded form is `minBytes`
// or more: mostly three-byte UTF-8 characters (9 encoded bytes each) in a pattern that does not
// repeat within a TLS record, so a lost, doubled or reordered record changes the text.
QString largeEncodedText(qsizetype minBytes)
{
    QString encoded;
    for (int i = 0; encoded.size() < minBytes; ++i) {
        QString chunk = QString::number(i) + QLatin1Char(':');
        for (int j = 0; j < 12; ++j)
            chunk += QChar(0x4E00 + (i * 12 + j) % 0x5000); // CJK: 9 encoded bytes each
        chunk += QLatin1Char(' ');
        encoded += ic::validation::urlEncode(chunk);
    }
    return encoded;
}

} // namespace

class tst_Tls : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_certPath;
    QString m_keyPath;
    QSslCertificate m_certificate;
    std::unique_ptr<TestProcess> m_server;

    // Trusts exactly the test certificate and verifies the peer (name included).
    QSslConfiguration clientTls() const
    {
        QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
        configuration.setCaCertificates({m_certificate});
        configuration.setPeerVerifyMode(QSslSocket::VerifyPeer);
        return configuration;
    }

    QUrl httpsUrl(const QString &path) const
    {
        return QUrl(QStringLiteral("https://127.0.0.1:%1%2").arg(m_server->port()).arg(path));
    }
    QUrl wssUrl() const
    {
        return QUrl(QStringLiteral("wss://127.0.0.1:%1/ws_entry").arg(m_server->port()));
    }

    // Opens a TLS connection, sends `request` and reads the response head and body (by
    // Content-Length, or until the server closes; a 101 ends at the head).
    TlsExchange tlsExchange(const QByteArray &request)
    {
        TlsExchange result;
        QSslSocket socket;
        socket.setSslConfiguration(clientTls());
        QObject::connect(&socket, &QSslSocket::sslErrors, &socket,
                         [&result](const QList<QSslError> &errors) { result.sslErrors << errors; });
        socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), m_server->port());
        waitUntil(
            [&] {
                return socket.isEncrypted() || socket.state() == QAbstractSocket::UnconnectedState;
            },
            waitMs);
        result.encrypted = socket.isEncrypted();
        if (!result.encrypted) {
            result.error = socket.errorString();
            return result;
        }
        socket.write(request);
        QByteArray buffer;
        auto complete = [&] {
            const qsizetype end = buffer.indexOf("\r\n\r\n");
            if (end < 0)
                return false;
            const QByteArray head = buffer.left(end + 4);
            if (head.startsWith("HTTP/1.1 101"))
                return true;
            for (const QByteArray &line : head.split('\n')) {
                const QByteArray trimmed = line.trimmed();
                if (trimmed.toLower().startsWith("content-length:"))
                    return buffer.size() - (end + 4) >= trimmed.mid(15).trimmed().toLongLong();
            }
            return false;
        };
        waitUntil(
            [&] {
                buffer += socket.readAll();
                return complete() || socket.state() == QAbstractSocket::UnconnectedState;
            },
            waitMs);
        buffer += socket.readAll();
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0) {
            result.error = QStringLiteral("no complete response head: \"%1\" (%2)")
                               .arg(QString::fromLatin1(buffer.left(200)), socket.errorString());
            return result;
        }
        result.head = buffer.left(end + 4);
        result.body = buffer.mid(end + 4);
        const QList<QByteArray> statusLine =
            result.head.left(result.head.indexOf("\r\n")).split(' ');
        result.status = statusLine.size() >= 2 ? statusLine.at(1).toInt() : -1;
        socket.abort();
        return result;
    }

    QByteArray upgradeRequest(const QByteArray &origin) const
    {
        return "GET /ws_entry HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(m_server->port()) +
               "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " +
               ic::ws::randomClientKey() + "\r\nSec-WebSocket-Version: 13\r\nOrigin: " + origin +
               "\r\nCookie: " + ic::session::cookieName + '=' + ic::session::createCookieValue() +
               "\r\n\r\n";
    }

    // GET /healthz over HTTPS with QNetworkAccessManager; "" when it answered 200 "ok", else
    // what went wrong.
    QString checkHealthz()
    {
        QNetworkAccessManager manager;
        QNetworkRequest request(httpsUrl(QStringLiteral("/healthz")));
        request.setSslConfiguration(clientTls());
        request.setTransferTimeout(waitMs);
        QNetworkReply *reply = manager.get(request);
        QList<QSslError> sslErrors;
        connect(reply, &QNetworkReply::sslErrors, reply,
                [&sslErrors](const QList<QSslError> &errors) { sslErrors << errors; });
        waitUntil([reply] { return reply->isFinished(); }, waitMs + 2000);
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray body = reply->isOpen() ? reply->readAll() : QByteArray();
        const QSslCertificate peer = reply->sslConfiguration().peerCertificate();
        const QString network = reply->errorString();
        const bool finished = reply->isFinished();
        delete reply;
        if (!finished)
            return QStringLiteral("no answer within %1 ms").arg(waitMs);
        if (status != 200 || body.trimmed() != "ok")
            return QStringLiteral("status %1, body \"%2\", error \"%3\", ssl errors [%4]")
                .arg(status)
                .arg(QString::fromUtf8(body.left(200)), network, sslErrorText(sslErrors));
        if (peer != m_certificate)
            return QStringLiteral("answered, but not over TLS with the test certificate");
        return {};
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(QSslSocket::supportsSsl(), "this Qt has no TLS backend");
        const QString openssl = QStandardPaths::findExecutable(QStringLiteral("openssl"));
        if (openssl.isEmpty())
            QFAIL("the openssl command line tool is not in PATH (scripts/setup.sh installs it)");
        QVERIFY2(m_dir.isValid(), qPrintable(m_dir.errorString()));
        m_certPath = m_dir.filePath(QStringLiteral("cert.pem"));
        m_keyPath = m_dir.filePath(QStringLiteral("key.pem"));

        QProcess process;
        process.setWorkingDirectory(m_dir.path());
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(
            openssl, {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                      QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-days"),
                      QStringLiteral("1"), QStringLiteral("-subj"), QStringLiteral("/CN=127.0.0.1"),
                      QStringLiteral("-addext"), QStringLiteral("subjectAltName=IP:127.0.0.1"),
                      QStringLiteral("-keyout"), m_keyPath, QStringLiteral("-out"), m_certPath});
        QVERIFY2(process.waitForStarted(waitMs), qPrintable(process.errorString()));
        QVERIFY2(process.waitForFinished(60000), "openssl req did not finish");
        const QByteArray output = process.readAll();
        QVERIFY2(process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0,
                 output.constData());

        const QList<QSslCertificate> certificates =
            QSslCertificate::fromPath(m_certPath, QSsl::Pem);
        QVERIFY2(certificates.size() == 1, output.constData());
        m_certificate = certificates.first();
        QVERIFY(!m_certificate.isNull());
    }

    void init()
    {
        m_server = startServer(
            {QStringLiteral("--tls-cert"), m_certPath, QStringLiteral("--tls-key"), m_keyPath});
        QVERIFY(m_server);
        QVERIFY2(m_server->standardError().contains(", TLS)"),
                 m_server->standardError().right(2000).constData());
    }
    void cleanup()
    {
        qDeleteAll(findChildren<QObject *>(Qt::FindDirectChildrenOnly));
        if (QTest::currentTestFailed() && m_server)
            qWarning("server output:\n%s", m_server->output().right(4000).constData());
        m_server.reset();
    }

    // GET /healthz over HTTPS: 200 "ok", as over plain HTTP (tst_http healthz).
    void httpsHealthz()
    {
        const QString problem = checkHealthz();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));

        // The same over a raw TLS connection: a well-formed HTTP/1.1 answer.
        const TlsExchange raw =
            tlsExchange("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        QVERIFY2(raw.encrypted,
                 qPrintable(raw.error + QLatin1Char(' ') + sslErrorText(raw.sslErrors)));
        QVERIFY2(raw.status == 200, qPrintable(raw.error + QString::fromLatin1(raw.head)));
        QCOMPARE(raw.body.trimmed(), QByteArray("ok"));
    }

    // Two wss:// sessions join one room and exchange messages, one of them far larger than a
    // TLS record (16 KiB), in both directions.
    void wssJoinAndMessage()
    {
        const QString room = QStringLiteral("tls-room");
        auto *alice = new WssClient(clientTls(), this);
        auto *bob = new WssClient(clientTls(), this);
        QVERIFY2(alice->open(wssUrl(), ic::session::createCookieValue()),
                 qPrintable(alice->describe()));
        QVERIFY2(bob->open(wssUrl(), ic::session::createCookieValue()),
                 qPrintable(bob->describe()));
        QVERIFY(alice->sslErrors().isEmpty() && bob->sslErrors().isEmpty());

        alice->send(ic::proto::encodeInitFrame(QStringLiteral("cp")));
        bob->send(ic::proto::encodeInitFrame(QStringLiteral("cp")));

        alice->send(joinFrame(QStringLiteral("ja"), room));
        const auto aliceJoined = alice->waitForReply(QStringLiteral("ja"));
        QVERIFY2(aliceJoined, qPrintable(alice->describe()));
        QVERIFY2(aliceJoined->kind() == Command::Reply, dump(aliceJoined).constData());
        QVERIFY2(
            aliceJoined->details.value_or(QString()).startsWith(QStringLiteral("room_created")),
            dump(aliceJoined).constData());
        const QString aliceId = aliceJoined->userId.value_or(QString());
        QVERIFY(!aliceId.isEmpty());

        bob->send(joinFrame(QStringLiteral("jb"), room));
        const auto bobJoined = bob->waitForReply(QStringLiteral("jb"));
        QVERIFY2(bobJoined, qPrintable(bob->describe()));
        QVERIFY2(bobJoined->kind() == Command::Reply, dump(bobJoined).constData());
        QVERIFY2(bobJoined->details.value_or(QString()).startsWith(QStringLiteral("room_joined")),
                 dump(bobJoined).constData());
        const QString bobId = bobJoined->userId.value_or(QString());
        QVERIFY(!bobId.isEmpty() && bobId != aliceId);

        auto isTextMessage = [](const QString &text, const QString &author) {
            return [text, author](const ServerFrame &frame) {
                return frame.kind() == Command::TextMessage && frame.messages &&
                       frame.messages->size() == 1 && frame.messages->first().text == text &&
                       frame.messages->first().userId == author;
            };
        };
        auto anyTextMessage = [](const ServerFrame &frame) {
            return frame.kind() == Command::TextMessage;
        };

        // A short message, alice → bob.
        const QString hello = ic::validation::urlEncode(QStringLiteral("hello over TLS"));
        alice->send(textFrame(QStringLiteral("t1"), room, hello));
        IC_VERIFY_RP(alice->waitForReply(QStringLiteral("t1")));
        const auto received = bob->waitFor(isTextMessage(hello, aliceId));
        QVERIFY2(received, qPrintable(bob->describe()));

        // Larger than several TLS records (and than the 16 KiB a single read usually yields),
        // alice → bob and bob → alice.
        const QString large = largeEncodedText(40 * 1024);
        QVERIFY(large.size() > 2 * 16 * 1024);
        QVERIFY(ic::validation::characterCount(ic::validation::urlDecode(large)) < 10000);
        alice->send(textFrame(QStringLiteral("t2"), room, large));
        IC_VERIFY_RP(alice->waitForReply(QStringLiteral("t2")));
        const auto largeAtBob = bob->waitFor(isTextMessage(large, aliceId));
        if (!largeAtBob) {
            // Say what arrived instead (truncated, corrupted, or nothing).
            const auto other = bob->waitFor([&](const ServerFrame &frame) {
                return anyTextMessage(frame) && frame.messages && !frame.messages->isEmpty() &&
                       frame.messages->first().text != hello;
            });
            QFAIL(qPrintable(
                QStringLiteral("large message did not arrive intact at bob: %1; got %2 chars")
                    .arg(bob->describe())
                    .arg(other && other->messages
                             ? other->messages->first().text.value_or(QString()).size()
                             : -1)));
        }

        const QString largeBack =
            ic::validation::urlEncode(QStringLiteral("back ")) + largeEncodedText(48 * 1024);
        bob->send(textFrame(QStringLiteral("t3"), room, largeBack));
        IC_VERIFY_RP(bob->waitForReply(QStringLiteral("t3")));
        QVERIFY2(alice->waitFor(isTextMessage(largeBack, bobId)), qPrintable(alice->describe()));

        // Still a working session afterwards.
        const QString bye = ic::validation::urlEncode(QStringLiteral("bye"));
        bob->send(textFrame(QStringLiteral("t4"), room, bye));
        IC_VERIFY_RP(bob->waitForReply(QStringLiteral("t4")));
        QVERIFY2(alice->waitFor(isTextMessage(bye, bobId)), qPrintable(alice->describe()));
        QVERIFY(alice->sslErrors().isEmpty() && bob->sslErrors().isEmpty());
    }

    // Plain HTTP to the TLS port gets no HTTP answer; the connection ends; TLS still works.
    void plainClientOnTlsPortGetsNoHttp()
    {
        QTcpSocket plain;
        plain.connectToHost(QStringLiteral("127.0.0.1"), m_server->port());
        QVERIFY(waitUntil(
            [&] {
                return plain.state() == QAbstractSocket::ConnectedState ||
                       plain.state() == QAbstractSocket::UnconnectedState;
            },
            waitMs));
        QCOMPARE(plain.state(), QAbstractSocket::ConnectedState);
        plain.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        QByteArray received;
        // The server must end the connection: at once when the TLS handshake fails, at the
        // latest after its handshake timeout (10 s).
        const bool closed = waitUntil(
            [&] {
                received += plain.readAll();
                return plain.state() == QAbstractSocket::UnconnectedState;
            },
            25000);
        received += plain.readAll();
        QVERIFY2(!received.startsWith("HTTP/"),
                 qPrintable(QStringLiteral("plain HTTP answered on the TLS port: ") +
                            QString::fromLatin1(received.left(200))));
        QVERIFY2(!received.contains("ok"), received.toHex().constData());
        QVERIFY2(closed, "the server kept a plain-text connection to its TLS port open");

        // The server is unharmed: a TLS client is served.
        const QString problem = checkHealthz();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }

    // §3.2 over TLS: a wrong Origin gets 403 (no upgrade); the right one gets 101.
    void wrongOriginOverTls()
    {
        const TlsExchange refused = tlsExchange(upgradeRequest("http://evil.example"));
        QVERIFY2(refused.encrypted,
                 qPrintable(refused.error + QLatin1Char(' ') + sslErrorText(refused.sslErrors)));
        QVERIFY2(refused.status == 403,
                 qPrintable(QString::number(refused.status) + QLatin1Char(' ') + refused.error +
                            QString::fromLatin1(refused.head)));
        QVERIFY(!refused.head.toLower().contains("sec-websocket-accept"));

        const TlsExchange accepted = tlsExchange(upgradeRequest(testOrigin.toUtf8()));
        QVERIFY2(accepted.encrypted, qPrintable(accepted.error));
        QVERIFY2(accepted.status == 101,
                 qPrintable(QString::number(accepted.status) + QLatin1Char(' ') + accepted.error +
                            QString::fromLatin1(accepted.head)));
    }
};

QTEST_GUILESS_MAIN(tst_Tls)
#include "tst_tls.moc"
