#pragma once
// The one token bucket of the project, and a keyed map of them (per client address, per
// address and room, ...). Argument order everywhere: (perSecond, burst). The caller's clock
// drives both (any monotonic millisecond count), so tests decide what "now" is.

#include <QHash>
#include <QString>
#include <QtGlobal>
#include <algorithm>

namespace ic::limits {

class TokenBucket
{
public:
    TokenBucket() = default; // unlimited
    // `burst` tokens at once, refilled at `perSecond`; a rate of 0 or less means unlimited.
    TokenBucket(double perSecond, double burst) : m_rate(perSecond), m_burst(burst), m_tokens(burst)
    {
    }

    // Takes `cost` tokens if there are that many; false, taking nothing, otherwise. A cost above
    // the burst can never pass, so callers size the burst above their largest request.
    bool take(qint64 nowMs, double cost = 1.0)
    {
        if (unlimited())
            return true;
        refill(nowMs);
        if (m_tokens < cost)
            return false;
        m_tokens -= cost;
        return true;
    }

    // True when the bucket would be full at `nowMs`: forgetting it then changes nothing, since a
    // new bucket starts full.
    bool fullAt(qint64 nowMs) const
    {
        if (unlimited() || !m_started)
            return true;
        return m_tokens + elapsedTokens(nowMs) >= m_burst;
    }

    bool unlimited() const { return m_rate <= 0; }
    double tokensAt(qint64 nowMs) const
    {
        return m_started ? std::min(m_burst, m_tokens + elapsedTokens(nowMs)) : m_burst;
    }

private:
    double elapsedTokens(qint64 nowMs) const
    {
        return double(std::max<qint64>(0, nowMs - m_lastMs)) * m_rate / 1000.0;
    }
    void refill(qint64 nowMs)
    {
        if (m_started)
            m_tokens = std::min(m_burst, m_tokens + elapsedTokens(nowMs));
        // A clock that went backwards must not hand out tokens later: keep the latest time.
        m_lastMs = m_started ? std::max(m_lastMs, nowMs) : nowMs;
        m_started = true;
    }

    double m_rate = 0;
    double m_burst = 0;
    double m_tokens = 0;
    qint64 m_lastMs = 0;
    bool m_started = false;
};

// One bucket per key, created full on first use. Idle buckets are forgotten one by one, each
// only once it has refilled to full (so forgetting it gives nobody a fresh burst); a sweep runs
// at most every `sweepIntervalMs`. The table therefore holds only keys seen within about
// burst / perSecond seconds. Not thread-safe: callers own it on one thread or lock around it.
class KeyedBuckets
{
public:
    KeyedBuckets(double perSecond, double burst, qint64 sweepIntervalMs = 10000)
        : m_rate(perSecond), m_burst(burst), m_sweepIntervalMs(sweepIntervalMs)
    {
    }

    bool allow(const QString &key, qint64 nowMs, double cost = 1.0)
    {
        if (m_rate <= 0)
            return true;
        if (nowMs - m_lastSweepMs >= m_sweepIntervalMs)
            sweep(nowMs);
        auto it = m_buckets.find(key);
        if (it == m_buckets.end())
            it = m_buckets.insert(key, TokenBucket(m_rate, m_burst));
        return it->take(nowMs, cost);
    }

    // Drops every bucket that is full again at `nowMs`; returns how many were dropped.
    qsizetype sweep(qint64 nowMs)
    {
        m_lastSweepMs = nowMs;
        qsizetype dropped = 0;
        for (auto it = m_buckets.begin(); it != m_buckets.end();) {
            if (it->fullAt(nowMs)) {
                it = m_buckets.erase(it);
                ++dropped;
            } else {
                ++it;
            }
        }
        return dropped;
    }

    qsizetype size() const { return m_buckets.size(); }
    bool contains(const QString &key) const { return m_buckets.contains(key); }

private:
    double m_rate;
    double m_burst;
    qint64 m_sweepIntervalMs;
    qint64 m_lastSweepMs = 0;
    QHash<QString, TokenBucket> m_buckets;
};

} // namespace ic::limits
