#pragma once
// Which peers may tell us the real client address. Behind the gateway every TCP peer is the
// proxy, so per-address limits would be shared by all users; a forwarding header is believed
// only from a configured proxy, otherwise any client could pick its own address by sending one.

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QString>

namespace ic::net {

class TrustedProxies
{
public:
    TrustedProxies() = default;
    // Comma list of IPs or CIDR ranges; false with `error` set on a bad entry (naming `flag`).
    // Also used for other address lists (--internal-peers): only isTrusted() then matters.
    bool parse(const QString &list, QString *error,
               const QString &flag = QStringLiteral("trusted-proxies"));
    bool isTrusted(const QHostAddress &address) const;
    // The client address for limits: `peer`, or for a trusted peer the last X-Forwarded-For hop
    // that is not itself trusted (X-Real-IP when there is no X-Forwarded-For). Malformed
    // header entries end the walk: whatever precedes them cannot be vouched for.
    QString clientAddress(const QHostAddress &peer, const QByteArray &forwardedFor,
                          const QByteArray &realIp) const;

private:
    QList<QPair<QHostAddress, int>> m_ranges;
};

} // namespace ic::net
