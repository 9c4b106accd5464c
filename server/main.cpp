// instantchat-server: holds chat rooms in RAM and serves their WebSockets and HTTP calls.

#include "app/ServerApp.h"
#include "app/ServerFlags.h"
#include "config/Configuration.h"
#include "core/ServerContext.h"
#include "log/Log.h"
#include "system/BuildId.h"

#include <QCoreApplication>
#include <cstdio>

int main(int argc, char *argv[])
{
    // Qt's own (non-GLib) event dispatcher: with thousands of sockets, GLib's dispatcher searches
    // its poll list linearly each time a write notifier is switched off, which the load tester
    // measured as the largest single cost of a broadcast (tests/load/PROFILE.md).
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("instantchat-server"));
    QCoreApplication::setApplicationVersion(QStringLiteral(INSTANTCHAT_VERSION));

    ic::config::Configuration configuration(
        QStringLiteral("server"),
        QStringLiteral(
            "instantchat room server: holds chat rooms in RAM and serves their WebSockets "
            "(/ws_entry) and HTTP calls on one port."));
    ic::server::declareServerSettings(configuration);
    switch (configuration.parse(QCoreApplication::arguments(),
                                QString::fromLatin1(ic::sys::buildId()))) {
    case ic::config::Configuration::Outcome::ExitSuccess:
        return 0;
    case ic::config::Configuration::Outcome::ExitFailure:
        return 2;
    case ic::config::Configuration::Outcome::Run:
        break;
    }
    ic::server::ServerSettings settings;
    QString error;
    if (!ic::server::readServerSettings(configuration, settings, &error)) {
        std::fprintf(stderr, "instantchat-server: %s\n", qPrintable(error));
        return 2;
    }
    if (!ic::log::install(settings.logLevel)) {
        std::fprintf(stderr, "instantchat-server: unknown --log-level %s\n",
                     qPrintable(settings.logLevel));
        return 2;
    }

    ic::server::ServerContext context(std::move(settings));
    ic::server::ServerApp server(context);
    if (!server.start())
        return 1;
    return app.exec();
}
