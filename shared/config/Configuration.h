#pragma once
// Settings with one declaration each, read from (strongest first) the command line, the
// environment (INSTANTCHAT_<NAME>), an INI file (--config) and the built-in default. The same
// declaration feeds --help, so the documentation cannot drift from what is read.

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

namespace ic::config {

struct Setting
{
    QString name;         // flag name without dashes, e.g. "cluster-token-file"
    QString valueName;    // shown in --help, e.g. "FILE"; empty for on/off switches given a value
    QString description;  // one sentence for --help
    QString defaultValue; // text form
};

class Configuration
{
public:
    // `program` is the short name used for the default INI file: /etc/instantchat/<program>.conf
    Configuration(QString program, QString description);

    void add(const Setting &setting);

    enum class Outcome { Run, ExitSuccess, ExitFailure };
    // Parses arguments (argv[0] included). Prints --help / --version / errors itself.
    Outcome parse(const QStringList &arguments, const QString &version);

    QString value(const QString &name) const;
    // Strict readers: a value that is not a whole number in [min, max] (or not a switch) gives
    // false and a sentence naming the flag, so a typo stops the program instead of silently
    // becoming 0 or off.
    bool integerValue(const QString &name, qint64 min, qint64 max, qint64 *out,
                      QString *error) const;
    bool switchValue(const QString &name, bool *out,
                     QString *error) const; // on/off, true/false, yes/no, 1/0
    double doubleValue(const QString &name) const;
    QStringList listValue(const QString &name) const; // comma-separated, trimmed, empties dropped
    // Where a value came from: "flag", "environment", "file" or "default".
    QString source(const QString &name) const;

    // A secret from a file named by setting `fileSetting`, else the environment variable
    // `environmentName`; trailing whitespace removed. Empty when neither is set.
    QString secret(const QString &fileSetting, const QString &environmentName,
                   QString *error) const;

    static QString environmentName(const QString &settingName);

    // Overrides a value after parsing (tests and derived defaults).
    void set(const QString &name, const QString &value);

private:
    QString m_program;
    QString m_description;
    QList<Setting> m_settings;
    QHash<QString, QString> m_values;
    QHash<QString, QString> m_sources;
};

} // namespace ic::config
