#pragma once
// Tab completion of member names in the composer, by the browser's mention rules: "@" starts a
// mention when it starts a word, the name may hold spaces, and the whole name goes in ("@Ana ").
// A bare word at a word start ("An") completes the same way.

#include <QStringList>

namespace ic::desktop {

class UserListModel;

struct NameCompletion
{
    int start = -1;    // first character to replace: the "@", or the bare word's first letter
    QString partial;   // what was typed of the name
    QStringList names; // matching members (never me), online first, then alphabetical
    bool isEmpty() const { return names.isEmpty(); }
    // What replaces text[start, caret) when `names[index]` is chosen.
    QString replacement(int index) const;
};

// The completion for `text` with the caret at `caret`; empty when nothing before the caret can
// be completed.
NameCompletion completeName(const QString &text, int caret, const UserListModel &users);

} // namespace ic::desktop
