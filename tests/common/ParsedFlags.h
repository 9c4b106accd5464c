#pragma once
// Settings tests parse flags the way a program does, with an empty config file named by
// --config, so an installed /etc/instantchat/<program>.conf cannot leak into a test.

#include "config/Configuration.h"

#include <QStringList>
#include <QTemporaryFile>

#include <memory>

namespace ic::testing {

// `program` is the short name ("server", "balancer"); `declare` adds the program's settings.
// Null, with `*error` set, when parsing fails.
inline std::unique_ptr<config::Configuration> parseFlags(const QString &program,
                                                         void (*declare)(config::Configuration &),
                                                         const QStringList &flags, QString *error)
{
    QTemporaryFile ini;
    if (!ini.open()) {
        *error = QStringLiteral("no temporary file");
        return nullptr;
    }
    auto configuration = std::make_unique<config::Configuration>(program, QStringLiteral("test"));
    declare(*configuration);
    QStringList arguments{QStringLiteral("instantchat-") + program, QStringLiteral("--config"),
                          ini.fileName()};
    arguments << flags;
    if (configuration->parse(arguments, QStringLiteral("test")) !=
        config::Configuration::Outcome::Run) {
        *error = QStringLiteral("parse failed");
        return nullptr;
    }
    return configuration;
}

} // namespace ic::testing
