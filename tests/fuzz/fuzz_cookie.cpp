// The session cookie from arbitrary Cookie headers and values: no crash, and an accepted cookie
// always yields a real (non-nil) UUID from a value of bounded size.

#include "fuzz_common.h"
#include "session/SessionCookie.h"

using namespace ic::session;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input = fuzz::bytes(data, size);

    if (const auto uuid = parseCookieValue(input)) {
        FUZZ_CHECK(!uuid->isNull());
        FUZZ_CHECK(input.size() <= 4096);
        FUZZ_CHECK(!QUuid::fromString(uuid->toString(QUuid::WithoutBraces)).isNull());
    }

    if (const auto value = cookieValueFromHeader(input)) {
        // The value comes out of the header: it never spans into another cookie.
        FUZZ_CHECK(!value->contains(';'));
        FUZZ_CHECK(input.contains(*value));
        FUZZ_CHECK(input.contains("session"));
        FUZZ_CHECK(sessionFromCookieHeader(input) == parseCookieValue(*value));
    } else {
        FUZZ_CHECK(!sessionFromCookieHeader(input));
    }

    // The same bytes as the cookie's value among others: found, and judged like the bare value.
    if (!input.contains(';') && !input.contains('"') && input.trimmed() == input) {
        const QByteArray header = "theme=dark; session=" + input + "; lang=en";
        const auto value = cookieValueFromHeader(header);
        FUZZ_CHECK(value && *value == input);
        FUZZ_CHECK(sessionFromCookieHeader(header) == parseCookieValue(input));
    }
    return 0;
}
