#pragma once
// L({"RP", "TM"}): a QStringList from literals, for the expected command and text sequences the
// server unit tests compare against.

#include <QLatin1StringView>
#include <QStringList>
#include <initializer_list>

inline QStringList L(std::initializer_list<const char *> items)
{
    QStringList list;
    for (const char *item : items)
        list.append(QLatin1StringView(item));
    return list;
}
