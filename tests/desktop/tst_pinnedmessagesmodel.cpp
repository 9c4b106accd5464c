// PinnedMessagesModel: the "Picks" panel lists exactly the voted messages and follows every
// change live (votes up and down to zero, creator pins, deletions, dropped history, rejoin
// reloads).
#include "FrameHelpers.h"
#include "PinnedMessagesModel.h"
#include "RoomSession.h"

#include <QSignalSpy>
#include <QTest>

using namespace ictest;
using ic::desktop::MessageListModel;
using ic::desktop::PinnedMessagesModel;
using ic::desktop::RoomSession;

namespace {
QList<qint64> ids(const PinnedMessagesModel &picks)
{
    QList<qint64> out;
    for (int row = 0; row < picks.rowCount(); ++row)
        out << picks.idAt(row);
    return out;
}
} // namespace

class TestPinnedMessagesModel : public QObject
{
    Q_OBJECT
private slots:
    void listsVotedMessages()
    {
        RoomSession s(QStringLiteral("room"));
        PinnedMessagesModel picks(s.messages());
        s.applyFrame(members({user(QStringLiteral("a"), QStringLiteral("alice")),
                              user(QStringLiteral("b"), QStringLiteral("bob"))}));
        auto m1 = msg(1, QStringLiteral("a"), QStringLiteral("first"));
        auto m2 = msg(2, QStringLiteral("b"), QStringLiteral("second"));
        m2.rejectCount = 2;
        auto m3 = msg(3, QStringLiteral("a"), QStringLiteral("third"));
        m3.supportCount = 1;
        s.applyFrame(allMessages({m1, m2, m3}));
        QCOMPARE(ids(picks), (QList<qint64>{3, 2})); // more support first
        // The label carries both counts as text and the author.
        const QString label = picks.index(1, 0).data(Qt::DisplayRole).toString();
        QVERIFY2(label.contains(QStringLiteral("\u25B2 0")) &&
                     label.contains(QStringLiteral("\u25BC 2")) &&
                     label.contains(QStringLiteral("bob: second")),
                 qPrintable(label));
        // Source roles pass through (the view jumps by IdRole).
        QCOMPARE(picks.index(0, 0).data(MessageListModel::IdRole).toLongLong(), 3);
    }

    // The browser's order (web/js/room-list.js): support descending, then reject ascending, then
    // the older message first; a vote moves a pick at once.
    void sortedLikeTheBrowser()
    {
        RoomSession s(QStringLiteral("room"));
        PinnedMessagesModel picks(s.messages());
        auto with = [](qint64 id, qint64 support, qint64 reject) {
            auto m = msg(id, QStringLiteral("a"), QStringLiteral("m%1").arg(id));
            m.supportCount = support;
            m.rejectCount = reject;
            return m;
        };
        s.applyFrame(allMessages({with(1, 1, 0), with(2, 3, 2), with(3, 3, 0), with(4, 0, 1),
                                  with(5, 1, 0), with(6, 0, 0), with(7, 3, 0)}));
        QCOMPARE(ids(picks), (QList<qint64>{3, 7, 2, 1, 5, 4}));
        s.applyFrame(vote(4, 5, 1, 20));
        QCOMPARE(ids(picks), (QList<qint64>{4, 3, 7, 2, 1, 5}));
    }

    void followsVotesLive()
    {
        RoomSession s(QStringLiteral("room"));
        PinnedMessagesModel picks(s.messages());
        s.applyFrame(allMessages({msg(1, QStringLiteral("a"), QStringLiteral("one")),
                                  msg(2, QStringLiteral("b"), QStringLiteral("two")),
                                  msg(3, QStringLiteral("a"), QStringLiteral("three"))}));
        QCOMPARE(picks.rowCount(), 0);
        QSignalSpy inserted(&picks, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&picks, &QAbstractItemModel::rowsRemoved);
        // A creator pin is a support vote like any other: it appears at once.
        s.applyFrame(vote(3, 1, 0, 10));
        QCOMPARE(ids(picks), (QList<qint64>{3}));
        QCOMPARE(inserted.count(), 1);
        s.applyFrame(vote(1, 0, 1, 11));
        QCOMPARE(ids(picks), (QList<qint64>{3, 1}));
        // Counts change in place, the label follows.
        s.applyFrame(vote(3, 4, 1, 12));
        QVERIFY(picks.index(0, 0).data().toString().contains(QStringLiteral("\u25B2 4  \u25BC 1")));
        // Back to zero votes: gone from the panel.
        s.applyFrame(vote(1, 0, 0, 13));
        QCOMPARE(ids(picks), (QList<qint64>{3}));
        QCOMPARE(removed.count(), 1);
        // A new message arriving with votes already (e.g. after a rejoin) shows too.
        auto m4 = msg(4, QStringLiteral("b"), QStringLiteral("four"));
        m4.supportCount = 2;
        s.applyFrame(frame("TM", {m4}));
        QCOMPARE(ids(picks), (QList<qint64>{3, 4}));
    }

    void deletedDroppedAndNoticesAreNotPicks()
    {
        RoomSession s(QStringLiteral("room"));
        PinnedMessagesModel picks(s.messages());
        auto m1 = msg(1, QStringLiteral("a"), QStringLiteral("one"));
        m1.supportCount = 1;
        auto m2 = msg(2, QStringLiteral("b"), QStringLiteral("two"));
        m2.supportCount = 1;
        auto m3 = msg(3, QStringLiteral("b"), QStringLiteral("three"));
        m3.rejectCount = 5;
        s.applyFrame(allMessages({m1, m2, m3}));
        s.messages()->appendNotice(QStringLiteral("bob joined"), 1700000100);
        QCOMPARE(ids(picks), (QList<qint64>{1, 2, 3}));
        s.applyFrame(deletion(2));
        QCOMPARE(ids(picks), (QList<qint64>{1, 3}));
        s.applyFrame(limitReached(3)); // ids below 3 dropped from the room
        QCOMPARE(ids(picks), (QList<qint64>{3}));
        // A rejoin reload (model reset or merge) keeps the filter right.
        auto again = msg(3, QStringLiteral("b"), QStringLiteral("three"));
        again.rejectCount = 0;
        auto m5 = msg(5, QStringLiteral("a"), QStringLiteral("five"));
        m5.supportCount = 3;
        s.applyFrame(allMessages({again, m5}));
        QCOMPARE(ids(picks), (QList<qint64>{5}));
    }
};

QTEST_GUILESS_MAIN(TestPinnedMessagesModel)
#include "tst_pinnedmessagesmodel.moc"
