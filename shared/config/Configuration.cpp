#include "config/Configuration.h"

#include <QCommandLineParser>
#include <QFile>
#include <QFileInfo>
#include <QSettings>
#include <QtGlobal>
#include <cstdio>

namespace ic::config {

Configuration::Configuration(QString program, QString description)
    : m_program(std::move(program)), m_description(std::move(description))
{
    add({QStringLiteral("config"), QStringLiteral("FILE"),
         QStringLiteral("INI file with settings (keys are the flag names)."),
         QStringLiteral("/etc/instantchat/%1.conf").arg(m_program)});
}

void Configuration::add(const Setting &setting)
{
    m_settings.append(setting);
}

QString Configuration::environmentName(const QString &settingName)
{
    QString name = settingName.toUpper();
    name.replace(u'-', u'_');
    return QStringLiteral("INSTANTCHAT_") + name;
}

Configuration::Outcome Configuration::parse(const QStringList &arguments, const QString &version)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        m_description +
        QStringLiteral("\n\nEvery option can also be set with the environment variable "
                       "INSTANTCHAT_<OPTION> (upper case, '-' as '_') or as a key in the INI file "
                       "given by --config. Command line wins over environment, environment over "
                       "file."));
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption versionOption = parser.addVersionOption();
    for (const Setting &setting : m_settings) {
        QString text = setting.description;
        if (!setting.defaultValue.isEmpty())
            text += QStringLiteral(" [default: %1]").arg(setting.defaultValue);
        parser.addOption(QCommandLineOption(setting.name, text,
                                            setting.valueName.isEmpty() ? QStringLiteral("VALUE")
                                                                        : setting.valueName));
    }
    if (!parser.parse(arguments)) {
        std::fprintf(stderr, "%s\nTry --help.\n", qPrintable(parser.errorText()));
        return Outcome::ExitFailure;
    }
    if (parser.isSet(help)) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return Outcome::ExitSuccess;
    }
    if (parser.isSet(versionOption)) {
        std::printf("%s\n", qPrintable(version));
        return Outcome::ExitSuccess;
    }
    if (!parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "Unexpected argument: %s\nTry --help.\n",
                     qPrintable(parser.positionalArguments().first()));
        return Outcome::ExitFailure;
    }

    // The INI file's name can itself come from flag or environment.
    QString configFile;
    bool configExplicit = false;
    const QString configEnv =
        qEnvironmentVariable(qPrintable(environmentName(QStringLiteral("config"))));
    if (parser.isSet(QStringLiteral("config"))) {
        configFile = parser.value(QStringLiteral("config"));
        configExplicit = true;
    } else if (!configEnv.isEmpty()) {
        configFile = configEnv;
        configExplicit = true;
    } else {
        configFile = QStringLiteral("/etc/instantchat/%1.conf").arg(m_program);
    }
    QHash<QString, QString> fileValues;
    if (QFileInfo::exists(configFile)) {
        QSettings ini(configFile, QSettings::IniFormat);
        if (ini.status() != QSettings::NoError) {
            std::fprintf(stderr, "Cannot read configuration file %s\n", qPrintable(configFile));
            return Outcome::ExitFailure;
        }
        const QStringList keys = ini.allKeys();
        for (const QString &key : keys) {
            const QString name = key.startsWith(QLatin1StringView("General/")) ? key.mid(8) : key;
            const QVariant value = ini.value(key);
            // QSettings splits unquoted comma lists; rejoin them as the flag would have them.
            fileValues.insert(name, value.typeId() == QMetaType::QStringList
                                        ? value.toStringList().join(u',')
                                        : value.toString());
            bool known = false;
            for (const Setting &setting : m_settings)
                known = known || setting.name == name;
            if (!known) {
                std::fprintf(stderr, "Unknown setting '%s' in %s\n", qPrintable(name),
                             qPrintable(configFile));
                return Outcome::ExitFailure;
            }
        }
    } else if (configExplicit) {
        std::fprintf(stderr, "Configuration file %s does not exist\n", qPrintable(configFile));
        return Outcome::ExitFailure;
    }

    for (const Setting &setting : m_settings) {
        const QString environment = environmentName(setting.name);
        if (parser.isSet(setting.name)) {
            m_values.insert(setting.name, parser.value(setting.name));
            m_sources.insert(setting.name, QStringLiteral("flag"));
        } else if (qEnvironmentVariableIsSet(qPrintable(environment))) {
            m_values.insert(setting.name, qEnvironmentVariable(qPrintable(environment)));
            m_sources.insert(setting.name, QStringLiteral("environment"));
        } else if (fileValues.contains(setting.name)) {
            m_values.insert(setting.name, fileValues.value(setting.name));
            m_sources.insert(setting.name, QStringLiteral("file"));
        } else {
            m_values.insert(setting.name, setting.defaultValue);
            m_sources.insert(setting.name, QStringLiteral("default"));
        }
    }
    m_values.insert(QStringLiteral("config"), configFile);
    return Outcome::Run;
}

QString Configuration::value(const QString &name) const
{
    Q_ASSERT_X(m_values.contains(name), "Configuration::value", qPrintable(name));
    return m_values.value(name);
}

bool Configuration::integerValue(const QString &name, qint64 min, qint64 max, qint64 *out,
                                 QString *error) const
{
    bool ok = false;
    const qint64 number = value(name).trimmed().toLongLong(&ok);
    if (!ok || number < min || number > max) {
        *error =
            QStringLiteral("--%1 must be a whole number from %2 to %3").arg(name).arg(min).arg(max);
        return false;
    }
    *out = number;
    return true;
}

bool Configuration::switchValue(const QString &name, bool *out, QString *error) const
{
    const QString text = value(name).trimmed().toLower();
    if (text == u"on" || text == u"true" || text == u"yes" || text == u"1") {
        *out = true;
        return true;
    }
    if (text == u"off" || text == u"false" || text == u"no" || text == u"0") {
        *out = false;
        return true;
    }
    *error = QStringLiteral("--%1 must be on or off").arg(name);
    return false;
}

double Configuration::doubleValue(const QString &name) const
{
    return value(name).trimmed().toDouble();
}

QStringList Configuration::listValue(const QString &name) const
{
    QStringList result;
    const QStringList parts = value(name).split(u',');
    for (const QString &part : parts) {
        const QString trimmed = part.trimmed();
        if (!trimmed.isEmpty())
            result.append(trimmed);
    }
    return result;
}

QString Configuration::source(const QString &name) const
{
    return m_sources.value(name);
}

void Configuration::set(const QString &name, const QString &value)
{
    m_values.insert(name, value);
}

QString Configuration::secret(const QString &fileSetting, const QString &environmentName,
                              QString *error) const
{
    const QString path = value(fileSetting);
    if (!path.isEmpty()) {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) {
            if (error)
                *error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
            return {};
        }
        return QString::fromUtf8(file.readAll()).trimmed();
    }
    return qEnvironmentVariable(qPrintable(environmentName)).trimmed();
}

} // namespace ic::config
