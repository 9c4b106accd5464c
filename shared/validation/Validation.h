#pragma once
// Input rules of docs/protocol.md §2.3 and §6, shared by the server, the balancer and the clients
// so a client can tell the user what the server would refuse before sending.

#include "protocol/Codes.h"
#include "protocol/Limits.h"

#include <QString>

namespace ic::validation {

using proto::ErrorCode;

// Room names: trimmed and lower-cased (Unicode-aware); `Room`, `room` and ` room` are one room.
QString canonicalRoomName(QStringView name);
// Checks a canonical name: length (301), reserved (302), characters (303); None when valid.
ErrorCode checkRoomName(QStringView canonical, const proto::Limits &limits = {});
bool isReservedRoomName(QStringView canonical);

// Characters that show nothing or reorder text (format characters such as zero-width spaces and
// bidi controls, controls, fillers, variation selectors): refused in room and user names, where
// they would make a lookalike of another name.
bool hasInvisibleCharacters(QStringView text);
// What a name looks like, for comparisons with reserved names: NFKC compatibility forms
// (fullwidth, ligatures), case folded, combining marks dropped, dotless i as i. "ADMİN",
// "ａｄｍｉｎ" and "admın" all give "admin".
QString nameSkeleton(QStringView name);

// User names arrive URL-encoded; the checks apply to the decoded, trimmed text.
// 205 for a length outside 1..max (or undecodable), 204 for a reserved name.
ErrorCode checkUserName(QStringView decoded, const proto::Limits &limits = {});
bool isReservedUserName(QStringView decoded);
// Two names clash in a room when their keys are equal (decoded, NFKC, case-folded).
QString userNameKey(QStringView decoded);

// Message text (URL-encoded as sent): decoded length ≤ messageTextMax, else 207.
ErrorCode checkMessageText(QStringView encoded, const proto::Limits &limits = {});
// Room description (URL-encoded as sent): decoded length ≤ descriptionMax, else 304.
ErrorCode checkDescription(QStringView encoded, const proto::Limits &limits = {});
// Room password: ≤ roomPasswordMax characters, else 203 (the v1 code for a bad password).
ErrorCode checkRoomPassword(QStringView password, const proto::Limits &limits = {});

// A user-in-room id as the server hands them out (`uId`, `rU`): a UUID in its 36-character
// form, e.g. the external user's 00000000-0000-0000-0000-000000000000.
bool isUserId(QStringView text);

// Decoded length of URL-encoded text; undecodable text counts as its raw length.
qsizetype decodedLength(QStringView encoded);

} // namespace ic::validation
