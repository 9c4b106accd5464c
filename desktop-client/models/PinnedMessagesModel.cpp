#include "PinnedMessagesModel.h"

#include "MessageListModel.h"
#include "TextFormat.h"

namespace ic::desktop {

using Role = MessageListModel::Role;

PinnedMessagesModel::PinnedMessagesModel(MessageListModel *messages, QObject *parent) : QSortFilterProxyModel(parent)
{
    setSourceModel(messages);
    // The model emits dataChanged without a role list for a vote; with a dynamic filter the
    // proxy re-checks the row, so a message appears with its first vote and goes with its last.
    setDynamicSortFilter(true);
    sort(0);
}

bool PinnedMessagesModel::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    const qint64 ls = left.data(Role::SupportRole).toLongLong();
    const qint64 rs = right.data(Role::SupportRole).toLongLong();
    if (ls != rs)
        return ls > rs;
    const qint64 lr = left.data(Role::RejectRole).toLongLong();
    const qint64 rr = right.data(Role::RejectRole).toLongLong();
    if (lr != rr)
        return lr < rr;
    return left.data(Role::IdRole).toLongLong() < right.data(Role::IdRole).toLongLong();
}

bool PinnedMessagesModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex i = sourceModel()->index(sourceRow, 0, sourceParent);
    if (ChatMessage::Kind(i.data(Role::KindRole).toInt()) == ChatMessage::Kind::Notice)
        return false;
    // A deleted message keeps its counts on the server but has nothing left to pick.
    if (i.data(Role::DeletedRole).toBool())
        return false;
    return i.data(Role::SupportRole).toLongLong() > 0 || i.data(Role::RejectRole).toLongLong() > 0;
}

QVariant PinnedMessagesModel::data(const QModelIndex &index, int role) const
{
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole && role != Qt::AccessibleTextRole)
        return QSortFilterProxyModel::data(index, role);
    const QModelIndex s = mapToSource(index);
    const bool drawing =
        ChatMessage::Kind(s.data(Role::KindRole).toInt()) == ChatMessage::Kind::Drawing;
    const QString text = drawing ? QStringLiteral("(drawing)") : s.data(Role::TextRole).toString();
    const QString author = s.data(Role::AuthorNameRole).toString();
    const qint64 support = s.data(Role::SupportRole).toLongLong();
    const qint64 reject = s.data(Role::RejectRole).toLongLong();
    if (role == Qt::ToolTipRole)
        return QStringLiteral("#%1 %2: %3\nClick to show it in the chat.")
            .arg(s.data(Role::IdRole).toLongLong())
            .arg(author, text);
    if (role == Qt::AccessibleTextRole)
        return QStringLiteral("%1 support, %2 reject, %3: %4")
            .arg(support)
            .arg(reject)
            .arg(author, snippet(text, 60));
    // Counts as text with arrows, so the tally is not told by colour alone.
    return QStringLiteral("\u25B2 %1  \u25BC %2    %3: %4")
        .arg(support)
        .arg(reject)
        .arg(author, snippet(text, 60));
}

qint64 PinnedMessagesModel::idAt(int row) const
{
    return index(row, 0).data(Role::IdRole).toLongLong();
}

} // namespace ic::desktop
