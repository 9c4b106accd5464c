#include "emoji/EmojiTable.h"

#include <QFile>

namespace ic::emoji {

QString tablePath()
{
    return QStringLiteral(":/instantchat/emoji/emoji.txt");
}

QByteArray tableText()
{
    QFile file(tablePath());
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

} // namespace ic::emoji
