#pragma once
// The TLS identity of a listening program (the server's and the balancer's --tls-cert and
// --tls-key): a PEM certificate chain and its PEM RSA or EC private key, read once at start.

#include <QSslConfiguration>
#include <QString>
#include <optional>

namespace ic::net {

// A configuration carrying the chain and the key, or nothing and a sentence in `error` that
// names the flags.
std::optional<QSslConfiguration> loadTlsIdentity(const QString &certPath, const QString &keyPath,
                                                 QString *error);

} // namespace ic::net
