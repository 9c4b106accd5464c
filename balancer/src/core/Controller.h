#pragma once
// One controller per HTTP area. The core offers each request to the controllers in order; the
// first that recognises the path answers it, now or later.

#include "core/HttpExchange.h"

#include <QObject>

namespace ic::balancer {

class Controller : public QObject
{
public:
    using QObject::QObject;
    // Returns false when the request is not for this controller (the next one is asked).
    virtual bool dispatch(const Request &request, const ReplyPtr &reply) = 0;
};

} // namespace ic::balancer
