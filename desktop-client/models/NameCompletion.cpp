#include "NameCompletion.h"

#include "UserListModel.h"

#include <QRegularExpression>

#include <algorithm>

namespace ic::desktop {
namespace {

// A letter, digit, "_" or "-" continues a word (the browser's NAME_CHAR).
bool isNameChar(QChar c)
{
    return c.isLetterOrNumber() || c == u'_' || c == u'-';
}

QStringList candidates(const QString &partial, const UserListModel &users)
{
    QList<const ChatUser *> found;
    for (const ChatUser &u : users.users())
        if (u.id != users.myId() && !u.name.isEmpty() &&
            u.name.startsWith(partial, Qt::CaseInsensitive))
            found.append(&u);
    // The likely addressee first: online people, then by name.
    std::stable_sort(found.begin(), found.end(), [](const ChatUser *a, const ChatUser *b) {
        if (a->online != b->online)
            return a->online;
        return a->name.localeAwareCompare(b->name) < 0;
    });
    QStringList names;
    for (const ChatUser *u : found)
        if (!names.contains(u->name))
            names.append(u->name);
    return names;
}

} // namespace

QString NameCompletion::replacement(int index) const
{
    return QLatin1Char('@') + names.value(index) + QLatin1Char(' ');
}

NameCompletion completeName(const QString &text, int caret, const UserListModel &users)
{
    const QString before = text.left(std::clamp(caret, 0, int(text.size())));
    NameCompletion c;
    // "@" at a word start and up to 40 characters (spaces included) up to the caret.
    static const QRegularExpression mention(
        QStringLiteral("(^|[^\\p{L}\\p{N}_-])@([^@\\n]{0,40})$"));
    if (const auto m = mention.match(before); m.hasMatch()) {
        c.partial = m.captured(2);
        c.start = int(before.size() - c.partial.size() - 1);
        c.names = candidates(c.partial, users);
        if (!c.names.isEmpty())
            return c;
    }
    // A bare word: the name characters right before the caret.
    int start = int(before.size());
    while (start > 0 && isNameChar(before.at(start - 1)))
        --start;
    // Nothing typed, or the end of an address ("mail@bo") rather than a word of its own.
    if (start == before.size() || (start > 0 && before.at(start - 1) == u'@'))
        return {};
    c.start = start;
    c.partial = before.mid(start);
    c.names = candidates(c.partial, users);
    return c.names.isEmpty() ? NameCompletion{} : c;
}

} // namespace ic::desktop
