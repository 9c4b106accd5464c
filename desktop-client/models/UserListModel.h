#pragma once
// The room's members as R_M_CH lists them (and R_M_D deltas change them, one row at a time):
// online users first, then by name. The technical
// `external-user` (HTTP sends) is kept for naming authors but hidden from the list and counts.

#include "protocol/ServerFrame.h"

#include <QAbstractListModel>
#include <QHash>

namespace ic::desktop {

struct ChatUser
{
    QString id;
    QString name; // decoded
    bool anonymous = false;
    bool online = false;
};

class UserListModel : public QAbstractListModel
{
    Q_OBJECT
public:
    enum Role {
        IdRole = Qt::UserRole + 1,
        NameRole,
        AnonymousRole,
        OnlineRole,
        IsMeRole,
        IsCreatorRole,
    };
    Q_ENUM(Role)

    explicit UserListModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Replaces the list (R_M_CH always carries the full list).
    void setUsers(const QList<proto::WireUser> &users);
    // One user's new entry (R_M_D): replaces or adds that row only, no model reset, so a join in
    // a big room does not rebuild the view.
    void applyUser(const proto::WireUser &user);
    void setMyId(const QString &id);
    void setCreatorId(const QString &id);

    QString myId() const { return m_myId; }
    // Display name for any user id ever seen in the room (also external-user); empty if unknown.
    QString nameOf(const QString &id) const;
    bool isAnonymous(const QString &id) const;
    std::optional<ChatUser> user(const QString &id) const;
    int onlineCount() const;
    int totalCount() const { return int(m_visible.size()); }
    const QList<ChatUser> &users() const { return m_visible; }

signals:
    void countsChanged();

private:
    QList<ChatUser> m_visible;       // shown rows, sorted
    QHash<QString, ChatUser> m_byId; // every user incl. external-user
    QString m_myId;
    QString m_creatorId;
};

} // namespace ic::desktop
