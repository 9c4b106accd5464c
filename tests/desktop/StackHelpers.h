#pragma once
// For the desktop tests that run the real programs (tst_desktope2e, tst_desktopfailover,
// tst_linkhandover): where instantchat-server and instantchat-balancer are, the check that they
// exist, the wait until the balancer places rooms, and the app's window on that stack.

#include "AppSettings.h"
#include "MainWindow.h"
#include "TestSupport.h"

#include <QDir>
#include <QFileInfo>
#include <QString>
#include <memory>

namespace ictest {

// build/bin/<name>, or the path in the environment variable `envOverride`.
inline QString program(const char *name, const char *envOverride)
{
    const QString fromEnv = qEnvironmentVariable(envOverride);
    return fromEnv.isEmpty() ? QDir(ic::testing::binDir()).filePath(QString::fromLatin1(name))
                             : fromEnv;
}

inline QString serverProgram()
{
    return program("instantchat-server", "INSTANTCHAT_SERVER_BIN");
}

inline QString balancerProgram()
{
    return program("instantchat-balancer", "INSTANTCHAT_BALANCER_BIN");
}

// Empty when both programs are there, else the sentence to fail with: a skipped run would count
// as passed in ctest, so missing programs are a failure.
inline QString missingPrograms()
{
    const QString server = serverProgram();
    const QString balancer = balancerProgram();
    if (QFileInfo::exists(server) && QFileInfo::exists(balancer))
        return {};
    return QStringLiteral("instantchat-server (%1) / instantchat-balancer (%2) not found: build "
                          "them or set INSTANTCHAT_SERVER_BIN / INSTANTCHAT_BALANCER_BIN")
        .arg(server, balancer);
}

// Whether the balancer names a server for a new room within `timeoutMs`: it places rooms only on
// servers it has seen healthy.
inline bool waitUntilPlacing(const ic::testing::TestProcess &balancer, int timeoutMs = 20000)
{
    return ic::testing::waitUntil(
        [&] {
            const auto reply = ic::testing::httpGet(
                balancer.httpUrl(QStringLiteral("/pick_backend?roomName=probe")));
            return reply.status == 200 && !reply.body.contains("\"bA\":\"\"");
        },
        timeoutMs);
}

// The app's main window, shown, with a settings file of its own, talking to the balancer at
// `balancerUrl` and sending `origin` (the servers allow it).
struct StackWindow
{
    StackWindow(const QString &settingsFile, const QUrl &balancerUrl, const QString &origin)
        : settings(settingsFile)
    {
        settings.setServer(balancerUrl);
        window = std::make_unique<ic::desktop::MainWindow>(&settings);
        window->setOriginOverride(origin);
        window->show();
    }

    ic::desktop::AppSettings settings;
    std::unique_ptr<ic::desktop::MainWindow> window;
};

} // namespace ictest
