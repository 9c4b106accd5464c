// Room snapshots (server/rooms/RoomSnapshot): the decoder reads untrusted bytes.
// First input byte even: the rest is decoded as a snapshot (either form); it must be refused with
// a sentence or give a room whose encodings (offline and keep-online) decode again to the same
// encodings. Odd: the bytes drive the
// room model (tests/common/RoomModelDriver.h); everyone leaves, the room is encoded and restored,
// and the restored room must show the same frames, encode to the same bytes, and keep matching
// the model for further steps. A mismatch or a sanitizer report is a crash.

#include "RoomModelDriver.h"
#include "fuzz_common.h"
#include "rooms/RoomSnapshot.h"

#include <cstdio>

namespace {

ic::server::RoomSettings modelSettings()
{
    ic::server::RoomSettings settings;
    settings.limits.messagesKept = ic::testing::RoomModelDriver::cap;
    settings.limits.activeUsersMax = ic::testing::RoomModelDriver::maxUsers;
    settings.rateLimits = false;
    settings.userExpirySeconds = 600;
    settings.authorisationExpirySeconds = 120;
    settings.build = QStringLiteral("model");
    return settings;
}

QByteArray observables(const ic::server::Room &room, qint64 now)
{
    return room.membersFrame(true, now, true) + room.allMessagesFrame(now) +
           room.descriptionFrame(now) + room.id().toUtf8();
}

void decodeBytes(const uint8_t *data, size_t size)
{
    // Small limits, so counts over them are reachable.
    ic::server::RoomSettings settings = modelSettings();
    settings.limits.frameMaxBytes = 4096;
    std::atomic<qint64> counted{0};
    settings.serverBytes = &counted;
    QString error;
    {
        auto room = ic::server::RoomSnapshot::decode(fuzz::bytes(data, size), settings, &error);
        if (!room) {
            FUZZ_CHECK(!error.isEmpty());
            FUZZ_CHECK(counted.load() == 0);
            return;
        }
        FUZZ_CHECK(counted.load() == room->storedBytes());
        const QByteArray once = ic::server::RoomSnapshot::encode(*room, 1);
        auto again = ic::server::RoomSnapshot::decode(once, settings, &error);
        FUZZ_CHECK(again != nullptr);
        FUZZ_CHECK(ic::server::RoomSnapshot::encode(*again, 1) == once);
        FUZZ_CHECK(observables(*again, 1) == observables(*room, 1));
        // The keep-online form (a replica's Init) round-trips too, members and all.
        using Form = ic::server::RoomSnapshot::Form;
        const QByteArray online = ic::server::RoomSnapshot::encode(*room, 1, Form::KeepOnline);
        auto copy = ic::server::RoomSnapshot::decode(online, settings, &error);
        FUZZ_CHECK(copy != nullptr);
        FUZZ_CHECK(copy->memberCount() == room->memberCount());
        FUZZ_CHECK(ic::server::RoomSnapshot::encode(*copy, 1, Form::KeepOnline) == online);
    }
    FUZZ_CHECK(counted.load() == 0);
}

void moveModelRoom(const uint8_t *data, size_t size)
{
    ic::testing::ByteChoices choices(data, size);
    ic::testing::RoomModelDriver driver(choices, [](const std::string &what) {
        std::fprintf(stderr, "invariant failed: room differs from its model: %s\n", what.c_str());
        std::abort();
    });
    for (int i = 0; i < 100 && !choices.exhausted(); ++i)
        driver.step();
    driver.leaveEveryone();
    const QByteArray bytes = ic::server::RoomSnapshot::encode(driver.room(), driver.now());
    QString error;
    auto restored = ic::server::RoomSnapshot::decode(bytes, modelSettings(), &error);
    if (!restored)
        std::fprintf(stderr, "restore failed: %s\n", qPrintable(error));
    FUZZ_CHECK(restored != nullptr);
    FUZZ_CHECK(ic::server::RoomSnapshot::encode(*restored, driver.now()) == bytes);
    FUZZ_CHECK(observables(*restored, driver.now()) == observables(driver.room(), driver.now()));
    driver.replaceRoom(std::move(restored));
    for (int i = 0; i < 50 && !choices.exhausted(); ++i)
        driver.step();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] % 2 == 0)
        decodeBytes(data + 1, size - 1);
    else
        moveModelRoom(data + 1, size - 1);
    return 0;
}
