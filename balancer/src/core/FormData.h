#pragma once
// Form fields of a POST body: application/x-www-form-urlencoded (jQuery's default) and
// multipart/form-data (FormData). Only text fields are needed.

#include <QByteArray>
#include <QHash>
#include <QString>
#include <optional>

namespace ic::balancer {

using FormFields = QHash<QString, QString>;

// nullopt when the content type is neither form encoding or the body cannot be parsed.
std::optional<FormFields> parseForm(const QByteArray &contentType, const QByteArray &body);

} // namespace ic::balancer
