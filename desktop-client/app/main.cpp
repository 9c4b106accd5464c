// instantchat-desktop [--server URL] [--join ROOM]... [--name NICK] [instantchat://host/room]
#include "AppSettings.h"
#include "Icons.h"
#include "MainWindow.h"
#include "RoomLink.h"
#include "Theme.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("instantchat-desktop"));
    QApplication::setOrganizationName(QStringLiteral("instantchat"));
    QApplication::setApplicationVersion(QStringLiteral(INSTANTCHAT_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("instantchat-desktop"));
    QApplication::setWindowIcon(ic::desktop::icons::app());

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("instantchat desktop client: anonymous chat rooms."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption server(QStringLiteral("server"),
                                    QStringLiteral("Server (balancer) address, e.g. http://localhost:8080; remembered."),
                                    QStringLiteral("URL"));
    const QCommandLineOption join(QStringLiteral("join"), QStringLiteral("Open this room (repeatable)."), QStringLiteral("ROOM"));
    const QCommandLineOption name(QStringLiteral("name"), QStringLiteral("Nickname to join with."), QStringLiteral("NICK"));
    const QCommandLineOption settingsFile(QStringLiteral("settings"),
                                          QStringLiteral("Use this INI file for settings (e.g. a second identity)."),
                                          QStringLiteral("FILE"));
    parser.addOptions({server, join, name, settingsFile});
    parser.addPositionalArgument(QStringLiteral("link"),
                                 QStringLiteral("instantchat://host/room or https://host/room links to open."),
                                 QStringLiteral("[link...]"));
    parser.process(app);

    ic::desktop::AppSettings settings(parser.value(settingsFile));
    if (parser.isSet(server)) {
        QUrl url = QUrl::fromUserInput(parser.value(server));
        url.setPath(QString());
        settings.setServer(url);
    }
    if (parser.isSet(name))
        settings.setUserName(parser.value(name));
    ic::desktop::theme::apply(settings.theme());

    ic::desktop::MainWindow window(&settings);
    window.show();
    // Rooms open once the event loop runs; nothing here waits on the network.
    QStringList rooms = parser.values(join);
    rooms += parser.positionalArguments();
    const QString nick = parser.value(name);
    QTimer::singleShot(0, &window, [&window, rooms, nick] {
        for (const QString &room : rooms)
            window.openRoom(room, QString(), nick);
    });
    return app.exec();
}
