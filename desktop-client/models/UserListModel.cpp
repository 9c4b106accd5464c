#include "UserListModel.h"

#include "TextFormat.h"
#include "protocol/Codes.h"

#include <algorithm>

namespace ic::desktop {

namespace {

bool listedBefore(const ChatUser &a, const ChatUser &b)
{
    if (a.online != b.online)
        return a.online;
    return a.name.compare(b.name, Qt::CaseInsensitive) < 0;
}

} // namespace

UserListModel::UserListModel(QObject *parent) : QAbstractListModel(parent) {}

int UserListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_visible.size());
}

QVariant UserListModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_visible.size())
        return {};
    const ChatUser &u = m_visible.at(index.row());
    switch (role) {
    case Qt::DisplayRole: {
        QString label = u.name;
        if (u.id == m_myId)
            label += QStringLiteral(" (you)");
        if (u.id == m_creatorId)
            label += QStringLiteral(" · creator");
        return label;
    }
    case Qt::ToolTipRole:
        return u.online ? QStringLiteral("%1 is online").arg(u.name)
                        : QStringLiteral("%1 is offline").arg(u.name);
    case IdRole:
        return u.id;
    case NameRole:
        return u.name;
    case AnonymousRole:
        return u.anonymous;
    case OnlineRole:
        return u.online;
    case IsMeRole:
        return u.id == m_myId;
    case IsCreatorRole:
        return u.id == m_creatorId;
    default:
        return {};
    }
}

QHash<int, QByteArray> UserListModel::roleNames() const
{
    auto names = QAbstractListModel::roleNames();
    names.insert(IdRole, "userId");
    names.insert(NameRole, "name");
    names.insert(AnonymousRole, "anonymous");
    names.insert(OnlineRole, "online");
    names.insert(IsMeRole, "isMe");
    names.insert(IsCreatorRole, "isCreator");
    return names;
}

void UserListModel::setUsers(const QList<proto::WireUser> &users)
{
    beginResetModel();
    m_visible.clear();
    m_byId.clear();
    for (const auto &w : users) {
        ChatUser u{w.id, decodeText(w.name), w.anonymous, w.online};
        m_byId.insert(u.id, u);
        if (u.id != proto::externalUserId)
            m_visible.append(u);
    }
    std::stable_sort(m_visible.begin(), m_visible.end(), listedBefore);
    endResetModel();
    emit countsChanged();
}

void UserListModel::applyUser(const proto::WireUser &wire)
{
    const ChatUser changed{wire.id, decodeText(wire.name), wire.anonymous, wire.online};
    m_byId.insert(changed.id, changed);
    if (changed.id == proto::externalUserId)
        return;
    const auto old = std::find_if(m_visible.begin(), m_visible.end(),
                                  [&](const ChatUser &u) { return u.id == changed.id; });
    if (old != m_visible.end()) {
        const int row = int(old - m_visible.begin());
        const bool stays =
            (row == 0 || !listedBefore(changed, m_visible.at(row - 1))) &&
            (row + 1 == m_visible.size() || !listedBefore(m_visible.at(row + 1), changed));
        if (stays) {
            *old = changed;
            emit dataChanged(index(row), index(row));
            emit countsChanged();
            return;
        }
        beginRemoveRows({}, row, row);
        m_visible.removeAt(row);
        endRemoveRows();
    }
    const int row =
        int(std::upper_bound(m_visible.cbegin(), m_visible.cend(), changed, listedBefore) -
            m_visible.cbegin());
    beginInsertRows({}, row, row);
    m_visible.insert(row, changed);
    endInsertRows();
    emit countsChanged();
}

void UserListModel::setMyId(const QString &id)
{
    if (id == m_myId)
        return;
    m_myId = id;
    if (!m_visible.isEmpty())
        emit dataChanged(index(0), index(int(m_visible.size()) - 1));
}

void UserListModel::setCreatorId(const QString &id)
{
    if (id == m_creatorId)
        return;
    m_creatorId = id;
    if (!m_visible.isEmpty())
        emit dataChanged(index(0), index(int(m_visible.size()) - 1));
}

QString UserListModel::nameOf(const QString &id) const
{
    const auto it = m_byId.constFind(id);
    if (it != m_byId.cend())
        return it->name;
    if (id == proto::externalUserId)
        return QString(proto::externalUserName);
    return {};
}

bool UserListModel::isAnonymous(const QString &id) const
{
    const auto it = m_byId.constFind(id);
    return it != m_byId.cend() && it->anonymous;
}

std::optional<ChatUser> UserListModel::user(const QString &id) const
{
    const auto it = m_byId.constFind(id);
    if (it == m_byId.cend())
        return std::nullopt;
    return *it;
}

int UserListModel::onlineCount() const
{
    return int(std::count_if(m_visible.cbegin(), m_visible.cend(),
                             [](const ChatUser &u) { return u.online; }));
}

} // namespace ic::desktop
