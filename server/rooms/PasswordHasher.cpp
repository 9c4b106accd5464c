#include "rooms/PasswordHasher.h"

#include <QCryptographicHash>
#include <QPasswordDigestor>
#include <QRandomGenerator>

namespace ic::server {
namespace {

QByteArray derive(const QString &password, const QByteArray &salt)
{
    return QPasswordDigestor::deriveKeyPbkdf2(QCryptographicHash::Sha256, password.toUtf8(), salt,
                                              passwordIterations, 32);
}

// Compares every byte whatever differs first, so timing tells nothing about the key.
bool constantTimeEqual(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    unsigned char difference = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        difference |= static_cast<unsigned char>(a[i] ^ b[i]);
    return difference == 0;
}

} // namespace

PasswordHash hashPassword(const QString &password)
{
    PasswordHash hash;
    hash.salt.resize(16);
    QRandomGenerator::system()->generate(hash.salt.begin(), hash.salt.end());
    hash.key = derive(password, hash.salt);
    return hash;
}

bool passwordMatches(const QString &password, const PasswordHash &hash)
{
    if (!hash.isSet())
        return false;
    return constantTimeEqual(derive(password, hash.salt), hash.key);
}

} // namespace ic::server
