// libFuzzer target: the balancer's ServerRegistry against its model (tests/common/RegistryModel.h),
// four input bytes per step. A difference between registry and model aborts with what differed.

#include "RegistryModel.h"
#include "fuzz_common.h"

#include <QCoreApplication>

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static QCoreApplication app(*argc, *argv);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ic::testing::registrymodel::Driver driver;
    for (size_t i = 0; i + 3 < size && i < 4 * 4096; i += 4) {
        const QString error = driver.step(data[i], data[i + 1], data[i + 2], data[i + 3]);
        if (!error.isEmpty()) {
            std::fprintf(stderr, "%s\n", qPrintable(error));
            FUZZ_CHECK(error.isEmpty());
        }
    }
    return 0;
}
