#include "TestSupport.h"

#include "session/SessionCookie.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QTimer>
#include <QtEndian>
#include <csignal>
#include <deque>
#include <sys/prctl.h>

#ifndef INSTANTCHAT_BIN_DIR
#error "INSTANTCHAT_BIN_DIR must point at build/bin"
#endif

namespace ic::testing {

QString binDir()
{
    return QStringLiteral(INSTANTCHAT_BIN_DIR);
}

bool waitUntil(const std::function<bool()> &condition, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!condition()) {
        if (deadline.hasExpired())
            return condition();
        // Process events in short slices so the check runs often but the CPU is not burnt.
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        if (!condition()) {
            QEventLoop loop;
            QTimer::singleShot(std::min<qint64>(5, std::max<qint64>(0, deadline.remainingTime())),
                               &loop, &QEventLoop::quit);
            loop.exec();
        }
    }
    return true;
}

void settle(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

// ---------------------------------------------------------------------------------------------

TestProcess::TestProcess(const QString &program, const QStringList &arguments, QObject *parent)
    : QObject(parent), m_program(program), m_arguments(arguments)
{
    auto names = [&arguments](const QString &flag) {
        for (const QString &argument : arguments)
            if (argument == flag || argument.startsWith(flag + QLatin1Char('=')))
                return true;
        return false;
    };
    // Ephemeral ports on loopback by default, so test executables can run in parallel.
    if (!names(QStringLiteral("--port")))
        m_arguments << QStringLiteral("--port") << QStringLiteral("0");
    if (!names(QStringLiteral("--bind")))
        m_arguments << QStringLiteral("--bind") << QStringLiteral("127.0.0.1");
    m_process.setProcessChannelMode(QProcess::SeparateChannels);
    // If the test binary dies (crash, ctest timeout), its servers die with it instead of
    // lingering on their ports.
    m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    connect(&m_process, &QProcess::readyReadStandardError, this, &TestProcess::readOutput);
    connect(&m_process, &QProcess::readyReadStandardOutput, this, &TestProcess::readOutput);
}

TestProcess::~TestProcess()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(3000);
    }
}

void TestProcess::setEnvironment(const QStringList &keyValues)
{
    QStringList environment = QProcess::systemEnvironment();
    environment << keyValues;
    m_process.setEnvironment(environment);
}

void TestProcess::readOutput()
{
    const QByteArray err = m_process.readAllStandardError();
    const QByteArray out = m_process.readAllStandardOutput();
    m_stderr += err;
    m_stdout += out;
    // INSTANTCHAT_TEST_ECHO=1 shows the programs' logs live, for debugging a failing test.
    static const bool echo = qEnvironmentVariableIntValue("INSTANTCHAT_TEST_ECHO") != 0;
    if (echo) {
        fputs(err.constData(), stderr);
        fputs(out.constData(), stderr);
    }
}

bool TestProcess::start(int timeoutMs)
{
    const QString path = QDir(binDir()).filePath(m_program);
    m_process.start(path, m_arguments);
    if (!m_process.waitForStarted(5000)) {
        m_error = QStringLiteral("cannot start %1: %2").arg(path, m_process.errorString());
        return false;
    }
    static const QRegularExpression listening(QStringLiteral(R"(listening on (\S+):(\d+))"));
    QRegularExpressionMatch match;
    const bool found = waitUntil(
        [&] {
            match = listening.match(QString::fromUtf8(m_stderr));
            return match.hasMatch() || m_process.state() == QProcess::NotRunning;
        },
        timeoutMs);
    if (!found || !match.hasMatch()) {
        m_error = QStringLiteral("%1 did not report `listening on` (%2): %3")
                      .arg(m_program,
                           m_process.state() == QProcess::NotRunning ? QStringLiteral("exited")
                                                                     : QStringLiteral("timeout"),
                           QString::fromUtf8(output().right(4000)));
        return false;
    }
    m_address = match.captured(1);
    if (m_address.startsWith(QLatin1Char('[')) && m_address.endsWith(QLatin1Char(']')))
        m_address = m_address.mid(1, m_address.size() - 2);
    m_port = quint16(match.captured(2).toUInt());
    return m_port != 0;
}

QString TestProcess::hostPort() const
{
    const bool v6 = m_address.contains(QLatin1Char(':'));
    return (v6 ? QLatin1Char('[') + m_address + QLatin1Char(']') : m_address) + QLatin1Char(':') +
           QString::number(m_port);
}

QUrl TestProcess::httpUrl(const QString &path) const
{
    return QUrl(QStringLiteral("http://") + hostPort() + path);
}

QUrl TestProcess::wsUrl(const QString &path) const
{
    return QUrl(QStringLiteral("ws://") + hostPort() + path);
}

qint64 TestProcess::pid() const
{
    return m_process.processId();
}

bool TestProcess::isRunning() const
{
    return m_process.state() != QProcess::NotRunning;
}

int TestProcess::waitForExit(int timeoutMs)
{
    // The event loop keeps running while waiting, so clients in this thread can take part in a
    // graceful shutdown (answer close frames) instead of being frozen.
    if (!waitUntil([this] { return m_process.state() == QProcess::NotRunning; }, timeoutMs))
        return -1;
    readOutput();
    if (m_process.exitStatus() != QProcess::NormalExit)
        return -1;
    return m_process.exitCode();
}

int TestProcess::terminate(int timeoutMs)
{
    if (m_process.state() == QProcess::NotRunning)
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
    m_process.terminate(); // SIGTERM on Unix
    const int code = waitForExit(timeoutMs);
    if (m_process.state() != QProcess::NotRunning) {
        kill();
        return -1;
    }
    return code;
}

void TestProcess::kill()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.kill();
    m_process.waitForFinished(3000);
    readOutput();
}

bool TestProcess::waitForOutput(const QByteArray &needle, int timeoutMs)
{
    return waitUntil([&] { return m_stderr.contains(needle) || m_stdout.contains(needle); },
                     timeoutMs);
}

// ---------------------------------------------------------------------------------------------

QByteArray HttpResult::header(QByteArrayView name) const
{
    for (const auto &[key, value] : headers)
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    return {};
}

QList<QByteArray> HttpResult::headerValues(QByteArrayView name) const
{
    QList<QByteArray> values;
    for (const auto &[key, value] : headers)
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            values << value;
    return values;
}

namespace {

HttpResult runRequest(const std::function<QNetworkReply *(QNetworkAccessManager &)> &issue,
                      int timeoutMs)
{
    QNetworkAccessManager manager;
    // Tests look at redirects and Set-Cookie themselves.
    manager.setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    QNetworkReply *reply = issue(manager);
    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    bool timedOut = false;
    QObject::connect(&timer, &QTimer::timeout, &loop, [&] {
        timedOut = true;
        reply->abort();
    });
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    timer.start(timeoutMs);
    if (!reply->isFinished())
        loop.exec();
    HttpResult result;
    result.timedOut = timedOut;
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    for (const auto &pair : reply->rawHeaderPairs())
        result.headers << pair;
    result.body = reply->readAll();
    if (result.status == 0)
        result.error = reply->errorString();
    delete reply;
    return result;
}

QNetworkRequest makeRequest(const QUrl &url, const Headers &headers, int timeoutMs)
{
    QNetworkRequest request(url);
    request.setTransferTimeout(timeoutMs);
    for (const auto &[name, value] : headers)
        request.setRawHeader(name, value);
    return request;
}

} // namespace

HttpResult httpGet(const QUrl &url, const Headers &headers, int timeoutMs)
{
    return runRequest(
        [&](QNetworkAccessManager &manager) {
            return manager.get(makeRequest(url, headers, timeoutMs));
        },
        timeoutMs);
}

HttpResult httpPost(const QUrl &url, const QByteArray &body, const QByteArray &contentType,
                    const Headers &headers, int timeoutMs)
{
    return runRequest(
        [&](QNetworkAccessManager &manager) {
            QNetworkRequest request = makeRequest(url, headers, timeoutMs);
            request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
            return manager.post(request, body);
        },
        timeoutMs);
}

QPair<QByteArray, QByteArray> cookieHeader(const QByteArray &sessionValue)
{
    return {QByteArrayLiteral("Cookie"), QByteArray(session::cookieName) + '=' + sessionValue};
}

// ---------------------------------------------------------------------------------------------

namespace {
// The parser's limit for what the tests receive: large enough for ALL_TM of a full room.
constexpr qsizetype rawMaxMessage = 32 * 1024 * 1024;
} // namespace

RawSocket::RawSocket(QObject *parent) : QObject(parent), m_socket(new QTcpSocket(this))
{
    connect(m_socket, &QTcpSocket::readyRead, this, &RawSocket::onReadyRead);
}

bool RawSocket::connectTo(quint16 port, const QString &host, int timeoutMs)
{
    m_port = port;
    m_socket->connectToHost(host, port);
    return waitUntil(
               [this] {
                   return m_socket->state() == QAbstractSocket::ConnectedState ||
                          m_socket->state() == QAbstractSocket::UnconnectedState;
               },
               timeoutMs) &&
           m_socket->state() == QAbstractSocket::ConnectedState;
}

bool RawSocket::isConnected() const
{
    return m_socket->state() == QAbstractSocket::ConnectedState;
}

void RawSocket::stopReading()
{
    // A one-byte read buffer that is never emptied makes Qt stop reading from the kernel; the
    // kernel's receive window then fills and the server's writes back up.
    m_reading = false;
    m_socket->setReadBufferSize(1);
}

void RawSocket::onReadyRead()
{
    if (!m_reading)
        return;
    const QByteArray data = m_socket->readAll();
    if (!m_upgraded) {
        m_buffer += data;
        return;
    }
    if (!m_parser->feed(data)) {
        // A framing error from the server: note it as a close with the parser's code.
        m_closeCode = m_parser->closeCode();
        m_closeReason = QByteArrayLiteral("client-side parse error");
        return;
    }
    while (std::optional<ws::Message> message = m_parser->next()) {
        if (message->opcode == ws::Opcode::Ping && m_autoPong)
            sendFrame(ws::Opcode::Pong, message->payload);
        if (message->opcode == ws::Opcode::Close) {
            const QByteArray &payload = message->payload;
            m_closeCode =
                payload.size() >= 2 ? qFromBigEndian<quint16>(payload.constData()) : quint16(1005);
            m_closeReason = payload.mid(2);
        }
        m_pending.push_back(std::move(*message));
    }
}

bool RawSocket::readHead(int timeoutMs)
{
    return waitUntil([this] { return m_buffer.contains("\r\n\r\n") || !isConnected(); },
                     timeoutMs) &&
           m_buffer.contains("\r\n\r\n");
}

int RawSocket::handshake(const Handshake &request, int timeoutMs)
{
    QByteArray head = "GET " + request.path + " HTTP/1.1\r\n";
    head += "Host: " +
            (request.host.isEmpty() ? QByteArray("127.0.0.1:") + QByteArray::number(m_port)
                                    : request.host) +
            "\r\n";
    head += "Upgrade: websocket\r\nConnection: Upgrade\r\n";
    head += "Sec-WebSocket-Key: " + (request.key.isEmpty() ? ws::randomClientKey() : request.key) +
            "\r\n";
    head += "Sec-WebSocket-Version: 13\r\n";
    if (request.origin)
        head += "Origin: " + *request.origin + "\r\n";
    if (request.cookie)
        head += QByteArray("Cookie: ") + session::cookieName + '=' + *request.cookie + "\r\n";
    for (const auto &[name, value] : request.extraHeaders)
        head += name + ": " + value + "\r\n";
    head += "\r\n";
    m_socket->write(head);

    if (!readHead(timeoutMs))
        return m_status = -1;
    const qsizetype end = m_buffer.indexOf("\r\n\r\n") + 4;
    m_responseHead = m_buffer.left(end);
    QByteArray rest = m_buffer.mid(end);
    m_buffer.clear();
    const QList<QByteArray> statusLine =
        m_responseHead.left(m_responseHead.indexOf("\r\n")).split(' ');
    m_status = statusLine.size() >= 2 ? statusLine.at(1).toInt() : -1;
    if (m_status == 101) {
        m_upgraded = true;
        m_parser = std::make_unique<ws::FrameParser>(ws::FrameParser::Role::Client, rawMaxMessage);
        if (!rest.isEmpty()) {
            // Frames that came right behind the response head.
            m_parser->feed(rest);
            while (std::optional<ws::Message> message = m_parser->next())
                m_pending.push_back(std::move(*message));
        }
        return m_status;
    }
    // A refusal: collect the body (Content-Length, or until the server closes).
    qsizetype length = -1;
    for (const QByteArray &line : m_responseHead.split('\n')) {
        const QByteArray trimmed = line.trimmed();
        if (trimmed.toLower().startsWith("content-length:"))
            length = trimmed.mid(15).trimmed().toLongLong();
    }
    m_buffer = rest;
    waitUntil([&] { return (length >= 0 && m_buffer.size() >= length) || !isConnected(); },
              timeoutMs);
    m_responseBody = length >= 0 ? m_buffer.left(length) : m_buffer;
    m_buffer.clear();
    return m_status;
}

bool RawSocket::open(quint16 port, const QByteArray &cookie, const QByteArray &origin,
                     const std::optional<QByteArray> &initFrame, int timeoutMs)
{
    if (!connectTo(port, QStringLiteral("127.0.0.1"), timeoutMs))
        return false;
    Handshake request;
    request.cookie = cookie;
    request.origin = origin;
    if (handshake(request, timeoutMs) != 101)
        return false;
    if (initFrame)
        sendText(*initFrame);
    return true;
}

void RawSocket::sendFrame(ws::Opcode opcode, QByteArrayView payload)
{
    m_socket->write(ws::encodeFrame(opcode, payload, true));
}

void RawSocket::sendText(QByteArrayView text)
{
    sendFrame(ws::Opcode::Text, text);
}

void RawSocket::sendBinary(QByteArrayView data)
{
    sendFrame(ws::Opcode::Binary, data);
}

void RawSocket::sendClose(quint16 code, QByteArrayView reason)
{
    m_socket->write(ws::encodeCloseFrame(code, reason, true));
}

void RawSocket::sendRaw(QByteArrayView bytes)
{
    m_socket->write(bytes.data(), bytes.size());
}

std::optional<ws::Message> RawSocket::nextMessage(int timeoutMs)
{
    waitUntil([this] { return !m_pending.empty() || !isConnected(); }, timeoutMs);
    if (m_pending.empty()) {
        // Bytes that arrived together with the disconnect may still sit in the socket.
        if (m_reading && m_socket->bytesAvailable() > 0)
            onReadyRead();
        if (m_pending.empty())
            return std::nullopt;
    }
    ws::Message message = std::move(m_pending.front());
    m_pending.pop_front();
    return message;
}

std::optional<proto::ServerFrame> RawSocket::nextFrame(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (true) {
        std::optional<ws::Message> message =
            nextMessage(int(std::max<qint64>(0, deadline.remainingTime())));
        if (!message)
            return std::nullopt;
        if (message->opcode != ws::Opcode::Text && message->opcode != ws::Opcode::Binary)
            continue;
        std::optional<proto::ServerFrame> frame = proto::decodeServerFrame(message->payload);
        if (!frame)
            m_lastUndecodable = message->payload;
        return frame;
    }
}

std::optional<proto::ServerFrame>
RawSocket::waitForFrame(const std::function<bool(const proto::ServerFrame &)> &predicate,
                        int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        std::optional<ws::Message> message =
            nextMessage(int(std::max<qint64>(0, deadline.remainingTime())));
        if (!message)
            return std::nullopt;
        if (message->opcode != ws::Opcode::Text && message->opcode != ws::Opcode::Binary)
            continue;
        std::optional<proto::ServerFrame> frame = proto::decodeServerFrame(message->payload);
        if (frame && predicate(*frame))
            return frame;
    }
    return std::nullopt;
}

bool RawSocket::waitForDisconnected(int timeoutMs)
{
    return waitUntil([this] { return !isConnected(); }, timeoutMs);
}

// ---------------------------------------------------------------------------------------------

FrameRecorder::FrameRecorder(client::ChatClient *client, QObject *parent)
    : QObject(parent ? parent : client)
{
    connect(client, &client::ChatClient::frameReceived, this,
            [this](const proto::ServerFrame &frame) { m_frames.append(frame); });
    connect(client, &client::ChatClient::requestFinished, this,
            [this](const QString &requestId, const proto::ServerFrame &reply) {
                m_replies.insert(requestId, reply);
            });
}

QList<proto::ServerFrame> FrameRecorder::frames(proto::Command kind) const
{
    QList<proto::ServerFrame> result;
    for (const proto::ServerFrame &frame : m_frames)
        if (frame.kind() == kind)
            result << frame;
    return result;
}

int FrameRecorder::count(const Predicate &predicate) const
{
    int n = 0;
    for (const proto::ServerFrame &frame : m_frames)
        n += predicate(frame) ? 1 : 0;
    return n;
}

int FrameRecorder::count(proto::Command kind) const
{
    return count(is(kind));
}

qsizetype FrameRecorder::indexOf(const Predicate &predicate, qsizetype from) const
{
    for (qsizetype i = std::max<qsizetype>(0, from); i < m_frames.size(); ++i)
        if (predicate(m_frames.at(i)))
            return i;
    return -1;
}

bool FrameRecorder::waitFor(const Predicate &predicate, int timeoutMs, qsizetype from)
{
    // Scan incrementally: frames already checked are not checked again.
    qsizetype checked = from;
    return waitUntil(
        [&] {
            for (; checked < m_frames.size(); ++checked)
                if (predicate(m_frames.at(checked)))
                    return true;
            return false;
        },
        timeoutMs);
}

std::optional<proto::ServerFrame> FrameRecorder::waitForFrame(const Predicate &predicate,
                                                              int timeoutMs, qsizetype from)
{
    if (!waitFor(predicate, timeoutMs, from))
        return std::nullopt;
    return m_frames.at(indexOf(predicate, from));
}

std::optional<proto::ServerFrame> FrameRecorder::waitForReply(const QString &requestId,
                                                              int timeoutMs)
{
    if (!waitUntil([&] { return m_replies.contains(requestId); }, timeoutMs))
        return std::nullopt;
    return m_replies.value(requestId);
}

bool FrameRecorder::waitForCount(const Predicate &predicate, int n, int timeoutMs)
{
    int seen = 0;
    qsizetype checked = 0;
    return waitUntil(
        [&] {
            for (; checked < m_frames.size(); ++checked)
                seen += predicate(m_frames.at(checked)) ? 1 : 0;
            return seen >= n;
        },
        timeoutMs);
}

FrameRecorder::Predicate FrameRecorder::is(proto::Command kind)
{
    return [kind](const proto::ServerFrame &frame) { return frame.kind() == kind; };
}

FrameRecorder::Predicate FrameRecorder::isReplyTo(const QString &requestId)
{
    return [requestId](const proto::ServerFrame &frame) {
        return (frame.kind() == proto::Command::Reply || frame.kind() == proto::Command::Error) &&
               frame.requestId == requestId;
    };
}

FrameRecorder::Predicate FrameRecorder::isError(proto::ErrorCode code)
{
    return [code](const proto::ServerFrame &frame) { return frame.errorCode() == code; };
}

// ---------------------------------------------------------------------------------------------

client::ChatClient::Options serverClientOptions(const TestProcess &server, const QByteArray &cookie,
                                                const QString &origin)
{
    client::ChatClient::Options options;
    options.serverUrl = server.wsUrl();
    options.balancerUrl = server.httpUrl();
    options.sessionCookie = cookie.isEmpty() ? session::createCookieValue() : cookie;
    options.origin = origin;
    options.autoReconnect = false;
    return options;
}

client::ChatClient *connectClient(const client::ChatClient::Options &options, QObject *parent,
                                  int timeoutMs)
{
    auto *client = new client::ChatClient(options, parent);
    client->open();
    if (!waitUntil(
            [client] {
                return client->state() == client::ChatClient::State::Connected ||
                       client->state() == client::ChatClient::State::Disconnected;
            },
            timeoutMs) ||
        client->state() != client::ChatClient::State::Connected) {
        qWarning("connectClient: %s did not connect", qPrintable(options.serverUrl.toString()));
        delete client;
        return nullptr;
    }
    return client;
}

} // namespace ic::testing
