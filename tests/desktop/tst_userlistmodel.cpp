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
};

QTEST_GUILESS_MAIN(TestUserListModel)
#include "tst_userlistmodel.moc"
