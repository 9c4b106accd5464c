// Room against its model (tests/common/RoomModelDriver.h): the fuzzer's bytes choose the steps
// (who, what, which message anywhere in the history); after every step the room, the frames and
// their receivers, and every member's view of the history must match the model. A mismatch or
// a sanitizer report is a crash.

#include "RoomModelDriver.h"
#include "fuzz_common.h"

#include <cstdio>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ic::testing::ByteChoices choices(data, size);
    ic::testing::RoomModelDriver driver(choices, [](const std::string &what) {
        std::fprintf(stderr, "invariant failed: room differs from its model: %s\n", what.c_str());
        std::abort();
    });
    // Two bytes or more a step; a bounded number of steps keeps one input fast.
    for (int i = 0; i < 150 && !choices.exhausted(); ++i)
        driver.step();
    return 0;
}
