#pragma once
// Command and error codes of protocol v1 (docs/protocol.md §5, §6).

#include <QLatin1StringView>
#include <QString>

namespace ic::proto {

enum class Command {
    Unknown,
    RoomCreateJoin,          // R_C_J
    RoomCreateJoinAuthorise, // R_C_J_AU
    RoomCreate,              // R_C
    RoomJoin,                // R_J
    ChangeDescription,       // R_CH_D
    ChangeUserName,          // R_CH_UN
    MembersChanged,          // R_M_CH
    TextMessage,             // TM
    EditMessage,             // TM_E
    DeleteMessage,           // TM_D
    Vote,                    // TM_S_R
    AllMessages,             // ALL_TM
    DrawingMessage,          // DM
    Error,                   // ER
    Reply,                   // RP
    LimitApproaching,        // N_M_LIMIT_A
    LimitReached,            // N_M_LIMIT_R
    // pv >= 2 only (docs/protocol.md §7.2); a v1 session neither gets nor may send them.
    MemberDelta,    // R_M_D: server → client, one member joined / left / renamed / added
    MembersRequest, // R_M_G: client → server, "send me the full member list" (after a gap)
    Typing,         // TY: client → server "I am typing", server → other members with uId
};

Command commandFromCode(QStringView code);
QLatin1StringView commandCode(Command command);

enum class ErrorCode : int {
    None = 0,
    ServerError = 101,
    ConnectionError = 102,
    InvalidInput = 103,
    RoomExists = 201,
    RoomNotFound = 202,
    InvalidPassword = 203,
    UserNameTaken = 204,
    UserNameLength = 205,
    NotAuthorised = 206,
    MessageTooLong = 207,
    RoomFull = 208,
    SessionReplaced = 209,
    RoomNameLength = 301,
    RoomNameReserved = 302,
    RoomNameCharacters = 303,
    DescriptionLength = 304,
    RateLimited = 429, // extension: v1 sessions receive InvalidInput instead
};

// One English sentence per code, for logs, HTTP error bodies and clients' messages.
QString errorSentence(ErrorCode code);

// Server status values carried in `sS`.
inline constexpr QLatin1StringView statusOnline{"online"};
inline constexpr QLatin1StringView statusShuttingDown{"shutting_down"};
inline constexpr QLatin1StringView statusRestarting{"restarting"};

// Protocol version a client opts in to with `pv`; 1 = plain v1 (no extensions).
inline constexpr int protocolVersionExtensions = 2;

// `mA` of an R_M_D frame: what happened to the one user it carries.
inline constexpr QLatin1StringView memberActionJoined{"j"};  // now online (new or returning)
inline constexpr QLatin1StringView memberActionLeft{"l"};    // went offline; stays listed
inline constexpr QLatin1StringView memberActionRenamed{"r"}; // name (and `an`) changed
inline constexpr QLatin1StringView memberActionAdded{"a"};   // authorised, not online yet

// The technical author of messages sent over plain HTTP (docs/protocol.md §9).
inline constexpr QLatin1StringView externalUserId{"00000000-0000-0000-0000-000000000000"};
inline constexpr QLatin1StringView externalUserName{"external-user"};

// Marker a DM text carries (URL-decoded) in front of `<file_name>@<file_group_prefix>`.
inline constexpr QLatin1StringView drawingMarker{"$#$meta_marker_is_drawing$#$"};

} // namespace ic::proto
