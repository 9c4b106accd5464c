#include "log/Log.h"

#include <QDateTime>
#include <cstdio>

namespace ic::log {
namespace {

QtMsgType minimumLevel = QtInfoMsg;
bool journalPrefix = false;

int severity(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return 0;
    case QtInfoMsg:
        return 1;
    case QtWarningMsg:
        return 2;
    case QtCriticalMsg:
        return 3;
    case QtFatalMsg:
        return 4;
    }
    return 1;
}

const char *levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return "debug";
    case QtInfoMsg:
        return "info";
    case QtWarningMsg:
        return "warning";
    case QtCriticalMsg:
        return "error";
    case QtFatalMsg:
        return "fatal";
    }
    return "info";
}

// syslog(3) priorities, as journald reads them from a "<N>" line prefix.
int syslogPriority(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return 7; // LOG_DEBUG
    case QtInfoMsg:
        return 6; // LOG_INFO
    case QtWarningMsg:
        return 4; // LOG_WARNING
    case QtCriticalMsg:
        return 3; // LOG_ERR
    case QtFatalMsg:
        return 2; // LOG_CRIT
    }
    return 6;
}

void handler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (severity(type) < severity(minimumLevel))
        return;
    const QByteArray line = formatLine(type, context.category, message, journalPrefix);
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    if (type == QtFatalMsg)
        std::abort();
}

} // namespace

QByteArray formatLine(QtMsgType type, const char *category, const QString &message, bool journal)
{
    QByteArray line;
    if (journal)
        line += '<' + QByteArray::number(syslogPriority(type)) + '>';
    line += QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toUtf8() + ' ' +
            levelName(type) + ' ' + (category ? category : "default") + ": " +
            message.toUtf8().replace('\n', ' ') + '\n';
    return line;
}

bool install(const QString &level)
{
    const QString name = level.trimmed().toLower();
    if (name == u"debug")
        minimumLevel = QtDebugMsg;
    else if (name == u"info")
        minimumLevel = QtInfoMsg;
    else if (name == u"warning")
        minimumLevel = QtWarningMsg;
    else if (name == u"error")
        minimumLevel = QtCriticalMsg;
    else
        return false;
    // Categories default to debug off; our own filter decides.
    QLoggingCategory::setFilterRules(
        name == u"debug" ? QStringLiteral("*.debug=true\nqt.*.debug=false") : QString());
    // systemd sets JOURNAL_STREAM when stderr is connected to the journal.
    journalPrefix = !qEnvironmentVariableIsEmpty("JOURNAL_STREAM");
    qInstallMessageHandler(handler);
    return true;
}

} // namespace ic::log
