#include "security/ConstantTime.h"

#include <QCryptographicHash>

namespace ic::security {

bool constantTimeEqual(const QByteArray &a, const QByteArray &b)
{
    // Hashing first gives both the same length, so a length difference cannot be timed either;
    // then every byte is compared, whatever differs first.
    const QByteArray ha = QCryptographicHash::hash(a, QCryptographicHash::Sha256);
    const QByteArray hb = QCryptographicHash::hash(b, QCryptographicHash::Sha256);
    unsigned char difference = 0;
    for (qsizetype i = 0; i < ha.size(); ++i)
        difference |= static_cast<unsigned char>(ha[i] ^ hb[i]);
    return difference == 0;
}

} // namespace ic::security
