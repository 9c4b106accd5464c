#pragma once
// Content-Type of static files by extension; only types the web UI uses are known, anything else
// is served as application/octet-stream so a browser never sniffs it into something active.

#include <QByteArray>
#include <QString>

namespace ic::balancer {
QByteArray contentTypeForPath(const QString &path);
}
