#pragma once
// An image pasted or dropped into the composer, made into a drawing: white paper under any
// transparency, scaled down to the drawing sheet, and a PNG small enough for the balancer's
// drawing limit (--drawing-max-bytes, 1 MiB by default). Too large even when scaled: refused with
// a sentence.

#include <QByteArray>
#include <QImage>
#include <QSize>
#include <QString>

namespace ic::desktop {

struct PastedImage
{
    QImage image;    // what is sent; null when refused
    QByteArray png;  // its PNG, as uploaded
    QSize original;  // the size that was pasted
    QString summary; // "640 × 400, 212 KiB" (+ "scaled down from …")
    QString error;   // the sentence when refused
    bool ok() const { return error.isEmpty() && !image.isNull(); }
};

inline constexpr QSize pastedImageMaxSize{800, 500}; // the drawing sheet
inline constexpr qint64 pastedImageMaxBytes = 1024 * 1024;

PastedImage preparePastedImage(const QImage &source, QSize maxSize = pastedImageMaxSize,
                               qint64 maxBytes = pastedImageMaxBytes);

} // namespace ic::desktop
