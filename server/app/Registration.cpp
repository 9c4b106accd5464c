#include "app/Registration.h"

#include "app/ClusterRequest.h"
#include "core/ServerContext.h"
#include "protocol/JsonWriter.h"
#include "system/BuildId.h"
#include "system/ProcessStats.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkReply>
#include <QUrl>
#include <algorithm>

Q_LOGGING_CATEGORY(lcRegistration, "registration")

namespace ic::server {

Registration::Registration(ServerContext &context, QObject *parent)
    : QObject(parent), m_context(context), m_network(this)
{
    useForCluster(m_network);
    m_timer.setParent(this);
    m_timer.setInterval(2000);
    connect(&m_timer, &QTimer::timeout, this, &Registration::beat);
}

void Registration::start()
{
    if (m_context.settings().balancer.isEmpty())
        return;
    m_context.setRegistrationProblem(QStringLiteral("waiting for the balancer's first answer"));
    m_context.metrics().setRegistered(false);
    beat();
    m_timer.start();
}

QNetworkRequest Registration::request(const char *path) const
{
    return clusterRequest(m_context.settings(),
                          m_context.settings().balancer + QLatin1StringView(path),
                          QByteArrayLiteral("application/json"), 3000);
}

QByteArray Registration::loadJson() const
{
    const ServerSettings &settings = m_context.settings();
    ServerMetrics &metrics = m_context.metrics();
    proto::JsonWriter writer(128);
    writer.beginObject();
    writer.member("id", settings.serverId);
    writer.member("address", settings.advertise);
    writer.member("version", QString::fromLatin1(ic::sys::buildId()));
    writer.endObject();
    QByteArray json = writer.take();
    json.chop(1); // reopened for the load object: JsonWriter writes integers only, not floats
    const auto number = [](double value) { return QByteArray::number(value, 'f', 2); };
    json += ",\"load\":{\"connections\":" + QByteArray::number(metrics.connections.load()) +
            ",\"rooms\":" + QByteArray::number(metrics.rooms.load()) +
            ",\"usersOnline\":" + QByteArray::number(metrics.usersOnline.load()) +
            ",\"cpu\":" + number(m_context.processCpu.load()) +
            ",\"rss\":" + QByteArray::number(sys::residentBytes()) +
            ",\"hostCpu\":" + number(m_context.hostCpu.load()) +
            ",\"hostMem\":" + number(m_context.hostMemory.load()) +
            ",\"maxConnections\":" + QByteArray::number(settings.maxConnections) + "}}";
    return json;
}

void Registration::beat()
{
    QNetworkReply *reply = m_network.post(request("/internal/heartbeat"), loadJson());
    connect(reply, &QNetworkReply::finished, this, [this, reply]() {
        reply->deleteLater();
        const int status = replyStatus(reply);
        const QString balancer = m_context.settings().balancer;
        if (status == 0) {
            failed(
                "unreachable",
                QStringLiteral("balancer %1 unreachable (%2)").arg(balancer, reply->errorString()));
            return;
        }
        if (status == 403) {
            failed("token",
                   m_context.settings().clusterToken.isEmpty()
                       ? QStringLiteral("balancer %1 requires a cluster token and this server has "
                                        "none (--cluster-token-file)")
                             .arg(balancer)
                       : QStringLiteral("balancer %1 refused the cluster token (not the same "
                                        "token as the balancer's)")
                             .arg(balancer));
            return;
        }
        if (status < 200 || status >= 300) {
            // The balancer's answer is one short English sentence; keep its first line.
            const QString answer =
                QString::fromUtf8(reply->read(300)).section(u'\n', 0, 0).trimmed();
            failed("refused", QStringLiteral("balancer %1 answered %2: %3")
                                  .arg(balancer)
                                  .arg(status)
                                  .arg(answer.isEmpty() ? QStringLiteral("(no text)") : answer));
            return;
        }
        succeeded();
        const QJsonObject answer = QJsonDocument::fromJson(reply->readAll()).object();
        const double interval = answer.value(QLatin1StringView("heartbeatInterval")).toDouble();
        if (interval >= 0.2 && interval <= 600 && int(interval * 1000) != m_timer.interval())
            m_timer.setInterval(int(interval * 1000));
        emit handoffAdvised(answer.value(QLatin1StringView("handoff")).toBool());
    });
}

void Registration::succeeded()
{
    if (!m_registered)
        qCInfo(lcRegistration) << "registered with the balancer as"
                               << m_context.settings().serverId;
    m_registered = true;
    m_problem.clear();
    m_failuresInARow = 0;
    m_context.setRegistrationProblem({});
    m_context.metrics().setRegistered(true);
}

void Registration::failed(const char *reason, const QString &problem)
{
    m_registered = false;
    m_context.metrics().setRegistered(false);
    m_context.metrics().countRegistrationFailure(reason);
    m_context.setRegistrationProblem(problem);
    // Every failure would flood the log at one line per heartbeat: log a change of reason, and
    // a reminder about once a minute.
    const int reminderEvery = std::max(1, 60000 / std::max(1, m_timer.interval()));
    if (problem != m_problem || m_failuresInARow % reminderEvery == 0)
        qCWarning(lcRegistration).noquote() << "not registered with the balancer:" << problem
                                            << "(this server gets no rooms until it is registered)";
    m_problem = problem;
    ++m_failuresInARow;
}

void Registration::deregister(int timeoutMs, std::function<void()> done)
{
    m_timer.stop();
    if (m_context.settings().balancer.isEmpty()) {
        done();
        return;
    }
    proto::JsonWriter writer(64);
    writer.beginObject();
    writer.member("id", m_context.settings().serverId);
    writer.endObject();
    QNetworkRequest deregistration = request("/internal/deregister");
    deregistration.setTransferTimeout(timeoutMs);
    QNetworkReply *reply = m_network.post(deregistration, writer.take());
    connect(reply, &QNetworkReply::finished, this, [reply, done]() {
        reply->deleteLater();
        done();
    });
}

} // namespace ic::server
