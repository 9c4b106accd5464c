#pragma once
// Per-client token buckets for the routes that create work on servers or memory on the
// balancer (/pick_backend, /s/, uploads). Off with --rate-limits off. The buckets are the
// shared ones (limits/TokenBucket.h); this adds the balancer's clock and the on/off switch.

#include "limits/TokenBucket.h"

#include <QElapsedTimer>
#include <QHostAddress>

namespace ic::balancer {

class RateLimiter
{
public:
    // Refilled at `perSecond`, `burst` requests at once (the project-wide argument order).
    RateLimiter(double perSecond, double burst) : m_buckets(perSecond, burst) { m_clock.start(); }
    void setEnabled(bool enabled) { m_enabled = enabled; }
    bool allow(const QHostAddress &client) { return allow(client, 1.0); }
    // Takes `cost` tokens (e.g. bytes); false, taking nothing, when fewer are left. A cost above
    // the burst can never pass, so callers size the burst above their largest request.
    bool allow(const QHostAddress &client, double cost);

private:
    bool m_enabled = true;
    QElapsedTimer m_clock;
    ic::limits::KeyedBuckets m_buckets;
};

} // namespace ic::balancer
