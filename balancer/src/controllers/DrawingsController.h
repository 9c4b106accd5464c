#pragma once
// POST /upload_text_file and GET /get_text_file (docs/protocol.md §10) over the DrawingStore.

#include "Balancer.h"
#include "core/Controller.h"

namespace ic::balancer {

class DrawingsController : public Controller
{
public:
    explicit DrawingsController(BalancerContext *context) : m_context(context) {}
    bool dispatch(const Request &request, const ReplyPtr &reply) override;

private:
    void upload(const Request &request, const ReplyPtr &reply);
    void download(const Request &request, const ReplyPtr &reply);
    BalancerContext *m_context;
};

} // namespace ic::balancer
