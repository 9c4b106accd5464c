#include "rooms/AnonymousNames.h"

#include <QRandomGenerator>
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

} // namespace

const QStringList &anonymousNames()
{
    static const QStringList names = buildNames();
    return names;
}

QString randomAnonymousName()
{
    const QStringList &names = anonymousNames();
    return names.at(QRandomGenerator::global()->bounded(names.size()));
}

} // namespace ic::server
