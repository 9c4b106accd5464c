#pragma once
// The web UI: "/" and "/<room>" (index.html, session cookie), /connection-methods, /about,
// /static/<path> from the web root, /static/vendor/jquery.min.js from --jquery.

#include "Balancer.h"
#include "core/Controller.h"
#include "core/WebFileCache.h"

namespace ic::balancer {

class PagesController : public Controller
{
public:
    explicit PagesController(BalancerContext *context);
    bool dispatch(const Request &request, const ReplyPtr &reply) override;

private:
    void servePage(const Request &request, const ReplyPtr &reply, const QString &file,
                   bool withCookie);
    void serveStatic(const Request &request, const ReplyPtr &reply);
    void redirectHome(const ReplyPtr &reply, const QString &sentence);
    BalancerContext *m_context;
    WebFileCache m_files; // keys: paths relative to the web root
};

// The path of `relative` inside `root`, or empty when it would leave the root (.., symlinks
// pointing outside, hidden files) or is not a regular file.
QString resolveInside(const QString &root, const QString &relative);

} // namespace ic::balancer
