#pragma once
// Test PNGs for the drawing store: a PNG signature and IHDR chunk of the given size, padded to
// `totalBytes`. The balancer's checks read only the signature and IHDR, so this is all a test
// needs to be accepted or refused for its size, and nothing has to be encoded.

#include <QByteArray>
#include <QtEndian>

namespace ic::testing {

inline QByteArray fakePng(quint32 width, quint32 height, int totalBytes = 200)
{
    QByteArray png("\x89PNG\r\n\x1a\n", 8);
    char bigEndian[4];
    qToBigEndian<quint32>(13, bigEndian);
    png.append(bigEndian, 4);
    png.append("IHDR");
    qToBigEndian<quint32>(width, bigEndian);
    png.append(bigEndian, 4);
    qToBigEndian<quint32>(height, bigEndian);
    png.append(bigEndian, 4);
    png.append("\x08\x06\x00\x00\x00", 5); // 8-bit RGBA, no interlace
    png.append(4, '\0');                   // CRC (not checked)
    if (png.size() < totalBytes)
        png.append(totalBytes - png.size(), 'p');
    return png;
}

inline QByteArray pngDataUrl(const QByteArray &png)
{
    return "data:image/png;base64," + png.toBase64();
}

} // namespace ic::testing
