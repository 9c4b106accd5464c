// The balancer's drawing checks (docs/protocol.md §10) on arbitrary uploads: the PNG data-URL check
// and the file name / group rules. An accepted drawing must really be within every limit, and an
// accepted name must really consist of [A-Za-z0-9_-]{1,128}.

#include "drawings/DrawingStore.h"
#include "drawings/PngDataUrl.h"
#include "fuzz_common.h"

#include <QtEndian>

using namespace ic::balancer;

namespace {

bool nameCharacters(const QString &name)
{
    if (name.isEmpty() || name.size() > 128)
        return false;
    for (QChar c : name) {
        const char16_t u = c.unicode();
        if (!((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
              u == '_' || u == '-'))
            return false;
    }
    return true;
}

bool uuidSyntax(const QString &group)
{
    if (group.size() != 36)
        return false;
    for (qsizetype i = 0; i < 36; ++i) {
        const char16_t u = group[i].unicode();
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? u != '-'
                 : !((u >= '0' && u <= '9') || (u >= 'a' && u <= 'f') || (u >= 'A' && u <= 'F')))
            return false;
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input = fuzz::bytes(data, size);

    // As an upload body: small limits so the fuzzer reaches every verdict.
    for (const QByteArray &url : {input, QByteArray("data:image/png;base64,") + input,
                                  QByteArray("data:image/png;base64,") + input.toBase64()}) {
        const PngCheck check = checkPngDataUrl(url, 4096, 64);
        if (check.ok()) {
            FUZZ_CHECK(url.startsWith("data:image/png;base64,"));
            const QByteArray png = QByteArray::fromBase64(url.mid(22));
            FUZZ_CHECK(png.size() <= 4096 && png.size() >= 33);
            FUZZ_CHECK(png.startsWith("\x89PNG\r\n\x1a\n"));
            FUZZ_CHECK(check.width >= 1 && check.width <= 64 && check.height >= 1 &&
                       check.height <= 64);
            FUZZ_CHECK(quint32(check.width) == qFromBigEndian<quint32>(png.constData() + 16));
        } else {
            FUZZ_CHECK(!check.sentence().isEmpty());
        }
    }

    // As a file name and a group.
    for (const QString &text : {QString::fromUtf8(input), fuzz::utf16(data, size)}) {
        FUZZ_CHECK(DrawingStore::validName(text) == nameCharacters(text));
        FUZZ_CHECK(DrawingStore::validGroup(text) == uuidSyntax(text));
    }
    return 0;
}
