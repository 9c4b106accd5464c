#include "rooms/AnonymousNames.h"

#include <QCryptographicHash>
#include <QtEndian>
#include <array>

namespace ic::server {
namespace {

constexpr std::array adjectives{
    "Agile",  "Amber",  "Brave",  "Breezy", "Bright", "Calm",   "Clever", "Cosmic", "Curious",
    "Dapper", "Daring", "Dreamy", "Eager",  "Fancy",  "Fluffy", "Gentle", "Golden", "Happy",
    "Humble", "Jolly",  "Kind",   "Lively", "Lucky",  "Mellow", "Merry",  "Misty",  "Nimble",
    "Noble",  "Plucky", "Quiet",  "Rapid",  "Rosy",   "Rusty",  "Shiny",  "Silent", "Silver",
    "Sleepy", "Snowy",  "Sunny",  "Swift",  "Tiny",   "Witty",  "Zesty",  "Velvet", "Wild"};

constexpr std::array animals{
    "Albatross", "Badger",  "Beaver",  "Bison",  "Camel", "Cheetah", "Condor",  "Coyote",
    "Crane",     "Dolphin", "Falcon",  "Ferret", "Finch", "Fox",     "Gazelle", "Gecko",
    "Heron",     "Ibex",    "Jaguar",  "Koala",  "Lemur", "Lynx",    "Marmot",  "Meerkat",
    "Moose",     "Narwhal", "Ocelot",  "Otter",  "Owl",   "Panda",   "Pelican", "Penguin",
    "Puffin",    "Quokka",  "Raccoon", "Raven",  "Seal",  "Sparrow", "Tapir",   "Tiger",
    "Toucan",    "Walrus",  "Wombat",  "Yak",    "Zebra"};

QStringList buildNames()
{
    QStringList names;
    names.reserve(qsizetype(adjectives.size() * animals.size()));
    for (const char *adjective : adjectives) {
        for (const char *animal : animals)
            names.append(QLatin1StringView(adjective) + QLatin1StringView(animal));
    }
    return names;
}

// SHA-256 of the session, the room id and a purpose with its counter: one-way, so the public
// results (names, ids) give nothing away about the session.
QByteArray digest(const QUuid &session, const QString &roomId, char purpose, quint32 counter)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(session.toRfc4122());
    hash.addData(roomId.toUtf8());
    char tail[5] = {purpose};
    qToLittleEndian(counter, tail + 1);
    hash.addData(QByteArrayView(tail, sizeof tail));
    return hash.result();
}

} // namespace

const QStringList &anonymousNames()
{
    static const QStringList names = buildNames();
    return names;
}

QString anonymousName(const QUuid &session, const QString &roomId, int attempt)
{
    const QStringList &names = anonymousNames();
    const QByteArray bytes = digest(session, roomId, 'n', quint32(attempt));
    return names.at(qsizetype(qFromLittleEndian<quint64>(bytes.constData()) %
                              quint64(names.size())));
}

QString derivedUserId(const QUuid &session, const QString &roomId)
{
    QByteArray bytes = digest(session, roomId, 'u', 0).left(16);
    // A well-formed random-looking (version 4, RFC 4122 variant) UUID.
    bytes[6] = char((bytes[6] & 0x0F) | 0x40);
    bytes[8] = char((bytes[8] & 0x3F) | 0x80);
    return QUuid::fromRfc4122(bytes).toString(QUuid::WithoutBraces);
}

} // namespace ic::server
