#include "PastedImage.h"

#include <QBuffer>
#include <QPainter>

namespace ic::desktop {
namespace {

QByteArray encodePng(const QImage &image)
{
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return png;
}

QString kib(qint64 bytes)
{
    return QStringLiteral("%1 KiB").arg((bytes + 1023) / 1024);
}

QString dimensions(QSize s)
{
    return QStringLiteral("%1 \u00D7 %2").arg(s.width()).arg(s.height());
}

} // namespace

PastedImage preparePastedImage(const QImage &source, QSize maxSize, qint64 maxBytes)
{
    PastedImage out;
    out.original = source.size();
    if (source.isNull() || source.width() < 1 || source.height() < 1) {
        out.error = QStringLiteral("The pasted data is not an image that can be read.");
        return out;
    }
    QImage scaled = source;
    if (scaled.width() > maxSize.width() || scaled.height() > maxSize.height())
        scaled = scaled.scaled(maxSize, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    // Drawings are white paper: transparency becomes white, as on the canvas.
    QImage image(scaled.size(), QImage::Format_RGB32);
    image.fill(Qt::white);
    {
        QPainter p(&image);
        p.drawImage(QPoint(0, 0), scaled);
    }
    QByteArray png = encodePng(image);
    // A photograph can stay above the byte limit at sheet size: smaller steps until it fits,
    // but not below a size where nothing is recognisable any more.
    while (png.size() > maxBytes && image.width() > 160 && image.height() > 100) {
        image = image.scaled(image.size() * 0.75, Qt::KeepAspectRatio, Qt::SmoothTransformation);
        png = encodePng(image);
    }
    if (png.size() > maxBytes) {
        out.error = QStringLiteral("This image is too large to send as a drawing: %1 even at "
                                   "%2, the limit is %3.")
                        .arg(kib(png.size()), dimensions(image.size()), kib(maxBytes));
        return out;
    }
    out.image = image;
    out.png = png;
    out.summary = dimensions(image.size()) + QStringLiteral(", ") + kib(png.size());
    if (image.size() != source.size())
        out.summary += QStringLiteral(" \u2014 scaled down from ") + dimensions(source.size());
    return out;
}

} // namespace ic::desktop
