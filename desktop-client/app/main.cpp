// instantchat-desktop [--server URL] [--join ROOM]... [--name NICK] [instantchat://host/room]
#include "AppSettings.h"
#include "Icons.h"
#include "MainWindow.h"
#include "RoomLink.h"
#include "SingleInstance.h"
#include "Theme.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

namespace {
// QGuiApplication takes `-name`/`--name` for itself (the X11 WM_CLASS name) and removes it from
// the arguments, so our --name must be read before the application object exists.
QString takeNameArgument(int argc, char *argv[])
{
    for (int i = 1; i < argc; ++i) {
        const QString arg = QString::fromLocal8Bit(argv[i]);
        if ((arg == u"--name" || arg == u"-name") && i + 1 < argc)
            return QString::fromLocal8Bit(argv[i + 1]);
        if (arg.startsWith(u"--name="))
            return arg.mid(7);
    }
    return {};
}
} // namespace

int main(int argc, char *argv[])
{
    const QString earlyName = takeNameArgument(argc, argv);
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("instantchat-desktop"));
    QApplication::setOrganizationName(QStringLiteral("instantchat"));
    QApplication::setApplicationVersion(QStringLiteral(INSTANTCHAT_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("instantchat-desktop"));
    QApplication::setWindowIcon(ic::desktop::icons::app());

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("instantchat desktop client: anonymous chat rooms."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption server(
        QStringLiteral("server"),
        QStringLiteral("Server (balancer) address, e.g. http://localhost:8080; remembered."),
        QStringLiteral("URL"));
    const QCommandLineOption join(QStringLiteral("join"),
                                  QStringLiteral("Open this room (repeatable)."),
                                  QStringLiteral("ROOM"));
    const QCommandLineOption name(QStringList{QStringLiteral("name"), QStringLiteral("nick")},
                                  QStringLiteral("Nickname to join with."), QStringLiteral("NICK"));
    const QCommandLineOption settingsFile(
        QStringLiteral("settings"),
        QStringLiteral("Use this INI file for settings (e.g. a second identity)."),
        QStringLiteral("FILE"));
    parser.addOptions({server, join, name, settingsFile});
    parser.addPositionalArgument(
        QStringLiteral("link"),
        QStringLiteral("instantchat://host/room or https://host/room links to open."),
        QStringLiteral("[link...]"));
    parser.process(app);

    ic::desktop::AppSettings settings(parser.value(settingsFile));
    QUrl serverUrl;
    if (parser.isSet(server)) {
        serverUrl = QUrl::fromUserInput(parser.value(server));
        serverUrl.setPath(QString());
    }
    QStringList rooms;
    for (const QString &room : parser.values(join)) {
        // A plain name given with --server travels as that server's room link, so the running
        // app opens it there and not on its own server.
        const bool plain = ic::desktop::parseRoomInput(room).server.isEmpty();
        rooms << (plain && serverUrl.isValid()
                      ? ic::desktop::roomPageUrl(serverUrl, room).toString()
                      : room);
    }
    rooms += parser.positionalArguments();
    // Already running with this profile: it opens the rooms (and comes to the front). This start
    // writes nothing to the profile: its --name/--server must not change the running app's.
    ic::desktop::SingleInstance instance(settings.fileName());
    if (instance.handOver(rooms))
        return 0;
    instance.listen();

    if (serverUrl.isValid())
        settings.setServer(serverUrl);
    const QString nick = parser.isSet(name) ? parser.value(name) : earlyName;
    if (!nick.isEmpty())
        settings.setUserName(nick);
    ic::desktop::theme::apply(settings.theme());

    ic::desktop::MainWindow window(&settings);
    window.show();
    QObject::connect(&instance, &ic::desktop::SingleInstance::roomsRequested, &window,
                     [&window, nick](const QStringList &requested) {
                         for (const QString &room : requested)
                             window.openRoom(room, QString(), nick);
                         window.showNormal();
                         window.raise();
                         window.activateWindow();
                     });
    // Rooms open once the event loop runs; nothing here waits on the network.
    // The rooms open at the last quit come back first; the ones asked for now open in addition.
    QTimer::singleShot(0, &window, [&window, rooms, nick] {
        window.restoreSession();
        for (const QString &room : rooms)
            window.openRoom(room, QString(), nick);
    });
    return app.exec();
}
