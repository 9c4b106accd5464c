#pragma once
// Comparing secrets (a password's derived key, the cluster token, the admin password) in time
// that depends neither on where they differ nor on their lengths.

#include <QByteArray>

namespace ic::security {

bool constantTimeEqual(const QByteArray &a, const QByteArray &b);

} // namespace ic::security
