#include "Icons.h"

#include <QPainter>
#include <QPainterPath>

namespace ic::desktop::icons {
namespace {

const QColor accent(0x2f, 0x6f, 0xeb);
const QColor badgeRed(0xe0, 0x3e, 0x3e);
const QColor mentionAmber(0xe8, 0x9a, 0x10);

void drawBubble(QPainter &p, const QRectF &r)
{
    QPainterPath path;
    const QRectF body(r.left(), r.top(), r.width(), r.height() * 0.78);
    path.addRoundedRect(body, r.width() * 0.22, r.width() * 0.22);
    QPolygonF tail;
    tail << QPointF(r.left() + r.width() * 0.22, body.bottom() - 1)
         << QPointF(r.left() + r.width() * 0.16, r.bottom())
         << QPointF(r.left() + r.width() * 0.45, body.bottom() - 1);
    path.addPolygon(tail);
    path.setFillRule(Qt::WindingFill);
    p.fillPath(path, accent);
    // Three dots: "someone is talking".
    p.setBrush(Qt::white);
    p.setPen(Qt::NoPen);
    const qreal d = r.width() * 0.12;
    for (int i = 0; i < 3; ++i)
        p.drawEllipse(QPointF(body.center().x() + (i - 1) * d * 2.0, body.center().y()), d / 1.4,
                      d / 1.4);
}

QPixmap bubble(int size)
{
    QPixmap pm(size, size);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    drawBubble(p, QRectF(1, 2, size - 2, size - 3));
    return pm;
}

void drawBadge(QPainter &p, const QRectF &r, const QString &text, const QColor &colour)
{
    p.setPen(Qt::NoPen);
    p.setBrush(colour);
    p.drawRoundedRect(r, r.height() / 2, r.height() / 2);
    QFont f = p.font();
    f.setBold(true);
    f.setPixelSize(int(r.height() * 0.68));
    p.setFont(f);
    p.setPen(Qt::white);
    p.drawText(r, Qt::AlignCenter, text);
}

QString countText(int n)
{
    return n > 99 ? QStringLiteral("99+") : QString::number(n);
}

} // namespace

QIcon app()
{
    QIcon icon;
    for (int size : {16, 22, 32, 48, 64, 128, 256})
        icon.addPixmap(bubble(size));
    return icon;
}

QIcon tray(int unread, bool mention)
{
    QIcon icon;
    for (int size : {16, 22, 32, 64}) {
        QPixmap pm = bubble(size);
        if (unread > 0) {
            QPainter p(&pm);
            p.setRenderHint(QPainter::Antialiasing);
            const qreal h = size * 0.55;
            const qreal w = std::max(h, h * 0.45 * countText(unread).size() + h * 0.35);
            drawBadge(p, QRectF(size - w, 0, w, h), countText(unread),
                      mention ? mentionAmber : badgeRed);
        }
        icon.addPixmap(pm);
    }
    return icon;
}

QIcon badge(int count, bool mention)
{
    const int h = 18;
    const QString text = mention ? QStringLiteral("@") : countText(count);
    const int w = std::max(h, 8 + 7 * int(text.size()));
    QPixmap pm(w * 2, h * 2);
    pm.setDevicePixelRatio(2);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    drawBadge(p, QRectF(0, 0, w, h), text, mention ? mentionAmber : badgeRed);
    return QIcon(pm);
}

QIcon pen()
{
    QPixmap pm(32, 32);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    p.translate(16, 16);
    p.rotate(45);
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(0x55, 0x5b, 0x66));
    p.drawRoundedRect(QRectF(-4, -13, 8, 20), 2, 2);
    QPolygonF tip;
    tip << QPointF(-4, 7) << QPointF(4, 7) << QPointF(0, 14);
    p.setBrush(QColor(0xe8, 0x9a, 0x10));
    p.drawPolygon(tip);
    return QIcon(pm);
}

} // namespace ic::desktop::icons
