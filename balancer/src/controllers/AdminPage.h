#pragma once
// The self-contained admin page (HTML, CSS and plain JS in one document, no external files).

#include <QByteArray>

namespace ic::balancer {
QByteArray adminPageHtml();
}
