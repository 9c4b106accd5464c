#pragma once
// Random names for users who join without one: adjective + animal, written for this project.

#include <QString>
#include <QStringList>

namespace ic::server {

// Every name the generator can produce (distinct, ASCII letters only, so they need no URL
// encoding and look the same in every client).
const QStringList &anonymousNames();
QString randomAnonymousName();

} // namespace ic::server
