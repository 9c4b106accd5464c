#pragma once
// GET /metrics (Prometheus text), GET /healthz, GET /sd (Prometheus http_sd: every known server).

#include "Balancer.h"
#include "core/Controller.h"

namespace ic::balancer {

class MonitoringController : public Controller
{
public:
    explicit MonitoringController(BalancerContext *context) : m_context(context) {}
    bool dispatch(const Request &request, const ReplyPtr &reply) override;

private:
    BalancerContext *m_context;
};

} // namespace ic::balancer
