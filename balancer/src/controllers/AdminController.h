#pragma once
// Admin: off (404) unless a password is configured; HTTP Basic with a
// constant-time compare. GET /admin is the page; the JSON API under /admin/api/:
//   GET  servers                       servers with load, health, drain state, mapped rooms
//   GET  rooms?server=<id>             the server's GET /internal/rooms
//   POST maintenance {"server"?, "on"} POST /internal/maintenance on one or every live server
//   POST delete-room {"name"}          POST /internal/delete-room on the room's server
//   POST drain {"server", "drained"}   takes a server out of / back into new placements
//   POST forget-server {"server"}      drops a dead server from the list and /sd
// POSTs must be application/json, which a cross-site form cannot send.

#include "Balancer.h"
#include "core/Controller.h"

namespace ic::balancer {

class AdminController : public Controller
{
public:
    explicit AdminController(BalancerContext *context) : m_context(context) {}
    bool dispatch(const Request &request, const ReplyPtr &reply) override;

private:
    bool authorised(const Request &request) const;
    void servers(const ReplyPtr &reply);
    void rooms(const Request &request, const ReplyPtr &reply);
    void maintenance(const QJsonObject &body, const ReplyPtr &reply);
    void deleteRoom(const QJsonObject &body, const ReplyPtr &reply);
    void drain(const QJsonObject &body, const ReplyPtr &reply);
    void forgetServer(const QJsonObject &body, const ReplyPtr &reply);
    BalancerContext *m_context;
};

} // namespace ic::balancer
