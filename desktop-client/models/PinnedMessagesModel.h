#pragma once
// The pinned messages of a room ("Picks" in the side panel): every voted message of the stream,
// i.e. support or reject count above zero (creator pins are votes too), sorted as the browser
// sorts them: most support first, then least reject, then oldest. A sorting filter
// over the room's MessageListModel, so it follows votes, edits, deletions and drops live without
// any bookkeeping of its own.

#include <QSortFilterProxyModel>

namespace ic::desktop {

class MessageListModel;

class PinnedMessagesModel : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit PinnedMessagesModel(MessageListModel *messages, QObject *parent = nullptr);

    // DisplayRole: "▲ 3  ▼ 1   author: first words"; every MessageListModel role passes through.
    QVariant data(const QModelIndex &index, int role) const override;
    qint64 idAt(int row) const;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;
};

} // namespace ic::desktop
