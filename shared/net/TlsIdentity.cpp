#include "net/TlsIdentity.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslSocket>

namespace ic::net {

std::optional<QSslConfiguration> loadTlsIdentity(const QString &certPath, const QString &keyPath,
                                                 QString *error)
{
    if (!QSslSocket::supportsSsl()) {
        *error = QStringLiteral("TLS was asked for (--tls-cert) but this Qt has no TLS backend");
        return std::nullopt;
    }
    QFile certFile(certPath), keyFile(keyPath);
    if (!certFile.open(QIODevice::ReadOnly) || !keyFile.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read --tls-cert %1 or --tls-key %2").arg(certPath, keyPath);
        return std::nullopt;
    }
    const QList<QSslCertificate> chain = QSslCertificate::fromData(certFile.readAll(), QSsl::Pem);
    const QByteArray keyPem = keyFile.readAll();
    QSslKey key(keyPem, QSsl::Rsa, QSsl::Pem);
    if (key.isNull())
        key = QSslKey(keyPem, QSsl::Ec, QSsl::Pem);
    if (chain.isEmpty() || key.isNull()) {
        *error = QStringLiteral(
            "--tls-cert must hold a PEM certificate and --tls-key a PEM RSA or EC key");
        return std::nullopt;
    }
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificateChain(chain);
    configuration.setPrivateKey(key);
    return configuration;
}

} // namespace ic::net
