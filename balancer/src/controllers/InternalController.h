#pragma once
// Routes servers call (docs/interfaces.md): POST /internal/heartbeat, POST /internal/deregister,
// GET /internal/route-check, POST /internal/handoff/{begin,target,done,failed},
// POST /internal/replica/target. With a cluster
// token configured, X-Instantchat-Token must match; without one only --internal-peers (loopback by
// default) are answered.

#include "Balancer.h"
#include "core/Controller.h"

namespace ic::balancer {

class InternalController : public Controller
{
public:
    explicit InternalController(BalancerContext *context) : m_context(context) {}
    bool dispatch(const Request &request, const ReplyPtr &reply) override;

private:
    // A server moving its rooms away, or asking where a room's copy goes; it may act only for
    // its own id (bound to the address it registered from, as heartbeats are).
    void handoff(const Request &request, const QString &source, const ReplyPtr &reply);

    BalancerContext *m_context;
};

} // namespace ic::balancer
