#pragma once
// Serialised HTTP/1.1 responses.

#include <QByteArray>

namespace ic::server {

QByteArray httpResponse(int status, const QByteArray &contentType, const QByteArray &body,
                        bool keepAlive = true);
QByteArray httpText(int status, const QByteArray &text, bool keepAlive = true);
QByteArray httpJson(int status, const QByteArray &json, bool keepAlive = true);
QByteArray httpStatusReason(int status);

} // namespace ic::server
