#pragma once
// Per-client token buckets for the routes that create work on servers or memory on the
// balancer (/pick_backend, /s/, uploads). Off with --rate-limits off.

#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>

namespace ic::balancer {

class RateLimiter
{
public:
    // `burst` requests at once, refilled at `perSecond`.
    RateLimiter(double burst, double perSecond) : m_burst(burst), m_rate(perSecond) { m_clock.start(); }
    void setEnabled(bool enabled) { m_enabled = enabled; }
    bool allow(const QHostAddress &client);

private:
    struct Bucket { double tokens; qint64 lastMs; };
    double m_burst;
    double m_rate;
    bool m_enabled = true;
    QElapsedTimer m_clock;
    QHash<QString, Bucket> m_buckets;
};

} // namespace ic::balancer
