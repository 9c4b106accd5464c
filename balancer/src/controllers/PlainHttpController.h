#pragma once
// GET /r/<room> and GET /s/<room> (docs/protocol.md §9): placed like /pick_backend, then forwarded
// to the room's server (/direct_retrieval, /direct_sending) with its status and body relayed.

#include "Balancer.h"
#include "core/Controller.h"

namespace ic::balancer {

class PlainHttpController : public Controller
{
public:
    explicit PlainHttpController(BalancerContext *context) : m_context(context) {}
    bool dispatch(const Request &request, const ReplyPtr &reply) override;

private:
    BalancerContext *m_context;
};

} // namespace ic::balancer
