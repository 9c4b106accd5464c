#include "RoomLink.h"

#include "validation/Validation.h"

namespace ic::desktop {

RoomLink parseRoomInput(const QString &input)
{
    RoomLink link;
    const QString text = input.trimmed();
    QString name = text;
    const QUrl url(text, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (url.isValid() && !url.host().isEmpty() &&
        (scheme == u"instantchat" || scheme == u"http" || scheme == u"https")) {
        QUrl server;
        // instantchat:// links name the balancer; TLS is the norm for public hosts, while an
        // explicit port or a loopback host means a local plain-HTTP stack.
        const bool local =
            url.port() > 0 || url.host() == u"localhost" || url.host() == u"127.0.0.1";
        server.setScheme(scheme == u"instantchat"
                             ? (local ? QStringLiteral("http") : QStringLiteral("https"))
                             : scheme);
        server.setHost(url.host());
        if (url.port() > 0)
            server.setPort(url.port());
        link.server = server;
        name = url.path(QUrl::FullyDecoded);
        while (name.startsWith(QLatin1Char('/')))
            name.remove(0, 1);
        while (name.endsWith(QLatin1Char('/')))
            name.chop(1);
    }
    // The web form normalises as the user types: trimmed, lower-case, spaces become dashes.
    link.room = validation::canonicalRoomName(name);
    link.room.replace(QLatin1Char(' '), QLatin1Char('-'));
    link.error = validation::checkRoomName(link.room);
    return link;
}

QUrl roomPageUrl(const QUrl &server, const QString &room)
{
    QUrl url = server;
    url.setPath(QLatin1Char('/') + room);
    return url;
}

QString roomNameProblem(proto::ErrorCode error)
{
    switch (error) {
    case proto::ErrorCode::None:
        return {};
    case proto::ErrorCode::RoomNameLength:
        return QStringLiteral("A room name needs 3 to 100 characters.");
    case proto::ErrorCode::RoomNameReserved:
        return QStringLiteral("This name is reserved; please pick another one.");
    case proto::ErrorCode::RoomNameCharacters:
        return QStringLiteral("Use letters, digits and ! @ $ * ( ) _ - , . ~ [ ] only.");
    default:
        return proto::errorSentence(error);
    }
}

ServerAddress parseServerAddress(const QString &input)
{
    const QString text = input.trimmed();
    auto refuse = [&](const QString &why) {
        return ServerAddress{{}, QStringLiteral("“%1” is not a server address: %2").arg(text, why)};
    };
    if (text.isEmpty())
        return ServerAddress{{}, QStringLiteral("The server address is empty.")};
    QUrl url = QUrl::fromUserInput(text);
    if (!url.isValid())
        return refuse(QStringLiteral("it cannot be read as an address."));
    if (url.scheme() != u"http" && url.scheme() != u"https")
        return refuse(QStringLiteral("only http:// and https:// servers are supported."));
    if (url.host().isEmpty())
        return refuse(QStringLiteral("it names no host."));
    if (url.port() == 0)
        return refuse(QStringLiteral("port 0 is not a port."));
    url.setPath(QString());
    url.setQuery(QString());
    url.setFragment(QString());
    url.setUserInfo(QString());
    return ServerAddress{url, {}};
}

QString serverLabel(const QUrl &server)
{
    return server.host() + QLatin1Char(':') +
           QString::number(server.port(server.scheme() == u"https" ? 443 : 80));
}

} // namespace ic::desktop
