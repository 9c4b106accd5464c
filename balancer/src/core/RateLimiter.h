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
    RateLimiter(double burst, double perSecond) : m_burst(burst), m_rate(perSecond)
    {
        m_clock.start();
    }
    void setEnabled(bool enabled) { m_enabled = enabled; }
    bool allow(const QHostAddress &client) { return allow(client, 1.0); }
    // Takes `cost` tokens (e.g. bytes); false, taking nothing, when fewer are left. A cost above
    // the burst can never pass, so callers size the burst above their largest request.
    bool allow(const QHostAddress &client, double cost);

private:
    struct Bucket
    {
        double tokens;
        qint64 lastMs;
    };
    double m_burst;
    double m_rate;
    bool m_enabled = true;
    QElapsedTimer m_clock;
    QHash<QString, Bucket> m_buckets;
};

} // namespace ic::balancer
