#include "rooms/PasswordHasher.h"
#include "security/ConstantTime.h"

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
    return security::constantTimeEqual(derive(password, hash.salt), hash.key);
}

} // namespace ic::server
