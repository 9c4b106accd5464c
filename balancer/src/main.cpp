// instantchat-balancer: serves the web UI, hands out session cookies, places rooms on room
// servers, proxies the plain-HTTP room calls (/r/, /s/), stores drawings and serves admin and
// discovery.

#include "Balancer.h"
#include "BalancerSettings.h"
#include "config/Configuration.h"
#include "log/Log.h"
#include "system/BuildId.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QSocketNotifier>
#include <csignal>
#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcMain, "balancer")

int main(int argc, char *argv[])
{
    // Qt's own event dispatcher rather than GLib's: cheaper per wake-up, and a join storm wakes
    // the balancer thousands of times a second (the server does the same, see its main.cpp).
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("instantchat-balancer"));
    QCoreApplication::setApplicationVersion(QStringLiteral(INSTANTCHAT_VERSION));

    // "balancer": the default INI file is /etc/instantchat/balancer.conf, the file the package
    // ships (packaging/etc).
    ic::config::Configuration configuration(
        QStringLiteral("balancer"),
        QStringLiteral("instantchat balancer: web UI, session cookies, room placement, plain-HTTP "
                       "room calls (/r/, /s/), drawings, admin and service discovery."));
    ic::balancer::declareSettings(configuration);
    switch (configuration.parse(QCoreApplication::arguments(),
                                QString::fromLatin1(ic::sys::buildId()))) {
    case ic::config::Configuration::Outcome::ExitSuccess:
        return 0;
    case ic::config::Configuration::Outcome::ExitFailure:
        return 2;
    case ic::config::Configuration::Outcome::Run:
        break;
    }
    if (!ic::log::install(configuration.value(QStringLiteral("log-level")))) {
        std::fprintf(stderr, "--log-level must be debug, info, warning or error\n");
        return 2;
    }
    ic::balancer::BalancerSettings settings;
    QString error;
    if (!ic::balancer::loadSettings(configuration, QCoreApplication::applicationDirPath(),
                                    &settings, &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 2;
    }
    const QString bind = settings.bind;
    ic::balancer::Balancer balancer(settings);
    const quint16 port = balancer.start(&error);
    if (port == 0) {
        qCCritical(lcMain, "cannot start: %s", qPrintable(error));
        return 1;
    }
    // Test harnesses and scripts parse this line for the actual port.
    qCInfo(lcMain, "listening on %s:%u (build %s, web root %s, admin %s, %d static servers)",
           qPrintable(bind), unsigned(port), ic::sys::buildId(), qPrintable(settings.webRoot),
           settings.adminPassword.isEmpty() ? "off" : "on", int(settings.servers.size()));

    // SIGTERM/SIGINT end the event loop so sockets close cleanly (systemd stop, Ctrl-C). The
    // handler only writes to a pipe (async-signal-safe); the event loop does the rest.
    static int signalPipe[2] = {-1, -1};
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, signalPipe) == 0) {
        auto *notifier = new QSocketNotifier(signalPipe[1], QSocketNotifier::Read, &app);
        QObject::connect(notifier, &QSocketNotifier::activated, &app, [] {
            qCInfo(lcMain, "stopping");
            QCoreApplication::quit();
        });
        for (int signalNumber : {SIGTERM, SIGINT})
            std::signal(signalNumber, [](int) {
                const char byte = 1;
                [[maybe_unused]] const auto written = ::write(signalPipe[0], &byte, 1);
            });
    }
    return app.exec();
}
