#include "protocol/Codes.h"

#include <array>
#include <utility>

namespace ic::proto {
namespace {

constexpr std::array<std::pair<Command, const char *>, 20> codes{{
    {Command::RoomCreateJoin, "R_C_J"},
    {Command::RoomCreateJoinAuthorise, "R_C_J_AU"},
    {Command::RoomCreate, "R_C"},
    {Command::RoomJoin, "R_J"},
    {Command::ChangeDescription, "R_CH_D"},
    {Command::ChangeUserName, "R_CH_UN"},
    {Command::MembersChanged, "R_M_CH"},
    {Command::TextMessage, "TM"},
    {Command::EditMessage, "TM_E"},
    {Command::DeleteMessage, "TM_D"},
    {Command::Vote, "TM_S_R"},
    {Command::AllMessages, "ALL_TM"},
    {Command::DrawingMessage, "DM"},
    {Command::Error, "ER"},
    {Command::Reply, "RP"},
    {Command::LimitApproaching, "N_M_LIMIT_A"},
    {Command::LimitReached, "N_M_LIMIT_R"},
    {Command::MemberDelta, "R_M_D"},
    {Command::MembersRequest, "R_M_G"},
    {Command::Typing, "TY"},
}};

} // namespace

Command commandFromCode(QStringView code)
{
    for (const auto &[command, text] : codes) {
        if (code == QLatin1StringView(text))
            return command;
    }
    return Command::Unknown;
}

QLatin1StringView commandCode(Command command)
{
    for (const auto &[candidate, text] : codes) {
        if (candidate == command)
            return QLatin1StringView(text);
    }
    return {};
}

QString errorSentence(ErrorCode code)
{
    switch (code) {
    case ErrorCode::None:
        return {};
    case ErrorCode::ServerError:
        return QStringLiteral("The server failed to process the request.");
    case ErrorCode::ConnectionError:
        return QStringLiteral("This connection is not the one this user is active on.");
    case ErrorCode::InvalidInput:
        return QStringLiteral("The request is invalid.");
    case ErrorCode::RoomExists:
        return QStringLiteral("A room with this name already exists.");
    case ErrorCode::RoomNotFound:
        return QStringLiteral("The room was not found.");
    case ErrorCode::InvalidPassword:
        return QStringLiteral("The room password is wrong.");
    case ErrorCode::UserNameTaken:
        return QStringLiteral("This user name is already taken or reserved.");
    case ErrorCode::UserNameLength:
        return QStringLiteral("A user name must have 1 to 80 characters.");
    case ErrorCode::NotAuthorised:
        return QStringLiteral("You have not joined this room.");
    case ErrorCode::MessageTooLong:
        return QStringLiteral("The message is too long.");
    case ErrorCode::RoomFull:
        return QStringLiteral("The room is full.");
    case ErrorCode::SessionReplaced:
        return QStringLiteral("This session joined the room from another connection.");
    case ErrorCode::RoomNameLength:
        return QStringLiteral("A room name must have 3 to 100 characters.");
    case ErrorCode::RoomNameReserved:
        return QStringLiteral("This room name is reserved.");
    case ErrorCode::RoomNameCharacters:
        return QStringLiteral(
            "A room name may only have letters, digits and ! @ $ * ( ) _ - , . ~ [ ].");
    case ErrorCode::DescriptionLength:
        return QStringLiteral("A room description may have at most 400 characters.");
    case ErrorCode::RateLimited:
        return QStringLiteral("Too many requests; slow down and try again shortly.");
    }
    return QStringLiteral("Unknown error.");
}

} // namespace ic::proto
