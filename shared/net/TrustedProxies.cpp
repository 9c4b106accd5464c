#include "net/TrustedProxies.h"

#include <QStringList>

namespace ic::net {
namespace {

// IPv4-mapped IPv6 peers (::ffff:a.b.c.d on dual-stack sockets) compare as IPv4.
QHostAddress normalised(const QHostAddress &address)
{
    bool ok = false;
    const quint32 v4 = address.toIPv4Address(&ok);
    return ok ? QHostAddress(v4) : address;
}

} // namespace

bool TrustedProxies::parse(const QString &list, QString *error, const QString &flag)
{
    m_ranges.clear();
    const QStringList entries = list.split(u',', Qt::SkipEmptyParts);
    for (QString entry : entries) {
        entry = entry.trimmed();
        if (entry.isEmpty())
            continue;
        QPair<QHostAddress, int> range;
        if (entry.contains(u'/')) {
            range = QHostAddress::parseSubnet(entry);
        } else {
            const QHostAddress address(entry);
            range = {address, address.protocol() == QAbstractSocket::IPv4Protocol ? 32 : 128};
        }
        if (range.first.isNull() || range.second < 0) {
            *error =
                QStringLiteral("--%1: '%2' is not an IP address or CIDR range").arg(flag, entry);
            return false;
        }
        m_ranges.append(range);
    }
    return true;
}

bool TrustedProxies::isTrusted(const QHostAddress &address) const
{
    const QHostAddress plain = normalised(address);
    for (const auto &range : m_ranges) {
        if (plain.isInSubnet(range))
            return true;
    }
    return false;
}

QString TrustedProxies::clientAddress(const QHostAddress &peer, const QByteArray &forwardedFor,
                                      const QByteArray &realIp) const
{
    const QHostAddress plainPeer = normalised(peer);
    if (!isTrusted(plainPeer))
        return plainPeer.toString();
    if (!forwardedFor.trimmed().isEmpty()) {
        // Each proxy appends the address it saw, so walk from the right past our own proxies.
        const QList<QByteArray> hops = forwardedFor.split(',');
        for (qsizetype i = hops.size() - 1; i >= 0; --i) {
            const QHostAddress hop(QString::fromLatin1(hops.at(i).trimmed()));
            if (hop.isNull())
                break;
            if (!isTrusted(hop))
                return normalised(hop).toString();
        }
        return plainPeer.toString();
    }
    const QHostAddress real(QString::fromLatin1(realIp.trimmed()));
    if (!real.isNull())
        return normalised(real).toString();
    return plainPeer.toString();
}

} // namespace ic::net
