#include "log/Log.h"

#include <QDateTime>
#include <cstdio>

namespace ic::log {
namespace {

QtMsgType minimumLevel = QtInfoMsg;

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

void handler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (severity(type) < severity(minimumLevel))
        return;
    const QByteArray line = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toUtf8() +
                            ' ' + levelName(type) + ' ' +
                            (context.category ? context.category : "default") + ": " +
                            message.toUtf8().replace('\n', ' ') + '\n';
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    if (type == QtFatalMsg)
        std::abort();
}

} // namespace

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
    qInstallMessageHandler(handler);
    return true;
}

} // namespace ic::log
