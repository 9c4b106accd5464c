#include "drawings/PngDataUrl.h"

#include <QtEndian>

namespace ic::balancer {

QString PngCheck::sentence() const
{
    switch (result) {
    case Result::Ok:
        return {};
    case Result::NotDataUrl:
        return QStringLiteral("the drawing must be a data:image/png;base64 URL");
    case Result::BadBase64:
        return QStringLiteral("the drawing is not valid base64");
    case Result::NotPng:
        return QStringLiteral("the drawing is not a PNG image");
    case Result::TooManyBytes:
        return QStringLiteral("the drawing is too large");
    case Result::TooLarge:
        return QStringLiteral("the drawing's width or height is too large");
    }
    return {};
}

PngCheck checkPngDataUrl(const QByteArray &dataUrl, qint64 maxBytes, int maxDimension)
{
    PngCheck check;
    static const QByteArray prefix = "data:image/png;base64,";
    if (!dataUrl.startsWith(prefix)) {
        check.result = PngCheck::Result::NotDataUrl;
        return check;
    }
    const QByteArray encoded = dataUrl.sliced(prefix.size());
    // Cheap bound before decoding: base64 carries 3 bytes in 4 characters.
    if (encoded.size() / 4 * 3 > maxBytes + 3) {
        check.result = PngCheck::Result::TooManyBytes;
        return check;
    }
    const auto decoded =
        QByteArray::fromBase64Encoding(encoded, QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || decoded.decoded.isEmpty()) {
        check.result = PngCheck::Result::BadBase64;
        return check;
    }
    const QByteArray &png = decoded.decoded;
    check.bytes = png.size();
    if (png.size() > maxBytes) {
        check.result = PngCheck::Result::TooManyBytes;
        return check;
    }
    // Signature, then the IHDR chunk first: length 13, type "IHDR", width and height big-endian.
    static const QByteArray signature("\x89PNG\r\n\x1a\n", 8);
    if (png.size() < 33 || !png.startsWith(signature) || png.mid(12, 4) != "IHDR" ||
        qFromBigEndian<quint32>(png.constData() + 8) != 13) {
        check.result = PngCheck::Result::NotPng;
        return check;
    }
    const quint32 width = qFromBigEndian<quint32>(png.constData() + 16);
    const quint32 height = qFromBigEndian<quint32>(png.constData() + 20);
    if (width == 0 || height == 0) {
        check.result = PngCheck::Result::NotPng;
        return check;
    }
    if (width > quint32(maxDimension) || height > quint32(maxDimension)) {
        check.result = PngCheck::Result::TooLarge;
        return check;
    }
    check.width = int(width);
    check.height = int(height);
    return check;
}

} // namespace ic::balancer
