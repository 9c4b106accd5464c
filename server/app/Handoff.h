#pragma once
// "Hand off all rooms" (docs/interfaces.md "Handoff"): every room of this server moves to another
// live server the balancer names, RAM to RAM. Per room: ask the balancer for a target (the room
// is then in transit there), freeze the room and take its snapshot on its worker (members get
// close 1012), POST the snapshot to the target's /internal/rooms/import, tell the balancer
// done (or failed: the room unfreezes here) and delete the copy here. A few rooms move at once;
// the whole run is bounded by --handoff-timeout. Main thread; rooms are touched only through
// queued calls to their workers.

#include <QElapsedTimer>
#include <QHash>
#include <QNetworkAccessManager>
#include <QObject>
#include <QStringList>
#include <QTimer>
#include <functional>

class QNetworkReply;

namespace ic::server {

class RoomDirectory;
class ServerContext;

class Handoff : public QObject
{
    Q_OBJECT

public:
    Handoff(ServerContext &context, const RoomDirectory &rooms, QObject *parent = nullptr);

    // The balancer said "handoff": true in a heartbeat answer: runs the procedure unless it runs
    // already or ran for this drain. `false` ends the drain (a later drain runs it again).
    void setDrained(bool handoff);
    // SIGTERM/SIGINT: asks the balancer (POST /internal/handoff/begin) and runs the procedure
    // when it agrees; `done` runs afterwards in every case. Rooms not moved stay frozen, and are
    // counted as lost.
    void runBeforeExit(std::function<void()> done);
    bool running() const { return m_running; }

private:
    struct Target
    {
        QString id;
        QString url;
    };
    void run(bool exiting, std::function<void()> done);
    void collectRooms();
    void startMore();
    void moveRoom(const QString &room);
    void snapshotTaken(const QString &room, const Target &target, const QByteArray &snapshot);
    void roomDone(const QString &room, const Target &target);
    void roomFailed(const QString &room, bool frozen, const QString &why);
    void finish();

    QNetworkReply *postJson(const char *path, const QByteArray &json, int timeoutMs);
    QByteArray roomJson(const QString &room, const QString &to = QString()) const;
    int remainingMs() const;

    ServerContext &m_context;
    const RoomDirectory &m_rooms;
    QNetworkAccessManager m_network;
    QTimer m_deadline;
    QElapsedTimer m_clock;
    bool m_running = false;
    bool m_ranForDrain = false;
    bool m_exiting = false;
    std::function<void()> m_done;
    QStringList m_queue;        // rooms not started yet
    QHash<QString, int> m_busy; // rooms in flight (value unused)
    bool m_secondPass = false;  // the rooms were listed a second time
    int m_moved = 0;
    int m_failed = 0;
};

} // namespace ic::server
