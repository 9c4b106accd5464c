// UserListModel: order, roles, the hidden external-user, counts.
#include "FrameHelpers.h"
#include "UserListModel.h"

#include <QSignalSpy>
#include <QTest>

using namespace ictest;
using ic::desktop::UserListModel;

class TestUserListModel : public QObject
{
    Q_OBJECT
private slots:
    void orderRolesCounts()
    {
        UserListModel m;
        QSignalSpy counts(&m, &UserListModel::countsChanged);
        m.setUsers({user(QStringLiteral("z"), QStringLiteral("zed"), false),
                    user(QStringLiteral("00000000-0000-0000-0000-000000000000"),
                         QStringLiteral("external-user"), false),
                    user(QStringLiteral("b"), QStringLiteral("Bob Smith"), true, true),
                    user(QStringLiteral("a"), QStringLiteral("alice"), true)});
        QCOMPARE(counts.count(), 1);
        QCOMPARE(m.rowCount(), 3); // external-user is not a member
        QCOMPARE(m.totalCount(), 3);
        QCOMPARE(m.onlineCount(), 2);
        QCOMPARE(m.index(0).data(UserListModel::NameRole).toString(), QStringLiteral("alice"));
        QCOMPARE(m.index(1).data(UserListModel::NameRole).toString(),
                 QStringLiteral("Bob Smith")); // decoded
        QCOMPARE(m.index(2).data(UserListModel::NameRole).toString(), QStringLiteral("zed"));
        QVERIFY(!m.index(2).data(UserListModel::OnlineRole).toBool());
        QVERIFY(m.index(1).data(UserListModel::AnonymousRole).toBool());
        QCOMPARE(m.nameOf(QStringLiteral("00000000-0000-0000-0000-000000000000")),
                 QStringLiteral("external-user"));
        QVERIFY(m.nameOf(QStringLiteral("nobody")).isEmpty());

        m.setMyId(QStringLiteral("a"));
        m.setCreatorId(QStringLiteral("b"));
        QVERIFY(m.index(0).data(UserListModel::IsMeRole).toBool());
        QVERIFY(m.index(0).data().toString().contains(QStringLiteral("(you)")));
        QVERIFY(m.index(1).data(UserListModel::IsCreatorRole).toBool());
        QVERIFY(m.index(1).data().toString().contains(QStringLiteral("creator")));
    }

    void replaceList()
    {
        UserListModel m;
        m.setUsers({user(QStringLiteral("a"), QStringLiteral("alice"))});
        m.setUsers({user(QStringLiteral("a"), QStringLiteral("alice"), false),
                    user(QStringLiteral("c"), QStringLiteral("carol"))});
        QCOMPARE(m.rowCount(), 2);
        QCOMPARE(m.index(0).data(UserListModel::NameRole).toString(),
                 QStringLiteral("carol")); // online first
        QCOMPARE(m.onlineCount(), 1);
    }

    // A member delta (R_M_D) touches one row: no reset, so a join in a big room does not
    // rebuild the view; the row moves when its sort position changes.
    void applyUserChangesOneRow()
    {
        UserListModel m;
        m.setUsers({user(QStringLiteral("a"), QStringLiteral("alice")),
                    user(QStringLiteral("c"), QStringLiteral("carol")),
                    user(QStringLiteral("z"), QStringLiteral("zed"), false)});
        QSignalSpy resets(&m, &QAbstractItemModel::modelReset);
        QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&m, &QAbstractItemModel::rowsRemoved);
        QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
        QSignalSpy counts(&m, &UserListModel::countsChanged);

        m.applyUser(user(QStringLiteral("b"), QStringLiteral("bob"))); // joined
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(inserted.first().at(1).toInt(), 1); // between alice and carol
        QCOMPARE(m.rowCount(), 4);
        QCOMPARE(m.onlineCount(), 3);

        m.applyUser(user(QStringLiteral("c"), QStringLiteral("cleo"))); // renamed, same place
        QCOMPARE(changed.count(), 1);
        QCOMPARE(m.index(2).data(UserListModel::NameRole).toString(), QStringLiteral("cleo"));
        QCOMPARE(m.nameOf(QStringLiteral("c")), QStringLiteral("cleo"));

        m.applyUser(user(QStringLiteral("a"), QStringLiteral("alice"), false)); // left
        QCOMPARE(removed.count(), 1);
        QCOMPARE(inserted.count(), 2);
        QCOMPARE(m.index(2).data(UserListModel::NameRole).toString(), QStringLiteral("alice"));
        QVERIFY(!m.index(2).data(UserListModel::OnlineRole).toBool());
        QCOMPARE(m.onlineCount(), 2);

        m.applyUser(user(QStringLiteral("00000000-0000-0000-0000-000000000000"),
                         QStringLiteral("external-user"), false));
        QCOMPARE(m.rowCount(), 4); // never listed

        QCOMPARE(resets.count(), 0);
        QCOMPARE(counts.count(), 3); // the external user changes no count
        QStringList order;
        for (int row = 0; row < m.rowCount(); ++row)
            order << m.index(row).data(UserListModel::NameRole).toString();
        QCOMPARE(order.join(u','), QStringLiteral("bob,cleo,alice,zed"));
    }
};

QTEST_GUILESS_MAIN(TestUserListModel)
#include "tst_userlistmodel.moc"
