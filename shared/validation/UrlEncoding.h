#pragma once
// URL encoding as v1 clients use it: JavaScript's encodeURIComponent / decodeURIComponent.

#include <QString>

namespace ic::validation {

// encodeURIComponent: everything but A–Z a–z 0–9 - _ . ! ~ * ' ( ) is percent-encoded as UTF-8,
// spaces as %20.
QString urlEncode(QStringView text);

// Percent-decodes UTF-8. A '%' not followed by two hex digits, or bytes that are not valid UTF-8,
// make the text invalid: `ok` is set false and the input is returned unchanged.
QString urlDecode(QStringView text, bool *ok = nullptr);

// Number of Unicode code points (what the limits count as "characters").
qsizetype characterCount(QStringView text);

} // namespace ic::validation
