#pragma once
// One row of a room's message stream as the desktop client keeps it: a message (text or
// drawing, possibly deleted) or a compact system notice (join/leave/rename/limits).

#include <QImage>
#include <QString>
#include <optional>

namespace ic::desktop {

struct ChatMessage
{
    enum class Kind { Text, Drawing, Notice };

    Kind kind = Kind::Text;
    qint64 id = 0;   // 0 for notices (they are not part of the server's id space)
    QString text;    // decoded text (for notices: the notice sentence)
    QString rawText; // as on the wire (URL-encoded), kept for edits
    QString authorId;
    qint64 createdAt = 0; // Unix seconds
    qint64 editedAt = 0;  // Unix ns, 0 = never edited
    qint64 votedAt = 0;   // Unix ns of the last vote change we know of
    qint64 support = 0;
    qint64 reject = 0;
    std::optional<QString> replyUser;
    std::optional<qint64> replyMessage;
    bool deleted = false;
    QString drawingName;         // for drawings: file_name
    QString drawingGroup;        // for drawings: file_group_prefix (room UUID)
    QImage drawing;              // fetched image; null until it arrives
    bool drawingMissing = false; // fetch failed: show a placeholder, never the raw marker
};

} // namespace ic::desktop
