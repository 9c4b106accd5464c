#pragma once
// Checks a drawing upload: a `data:image/png;base64,` URL whose bytes are a PNG (signature and
// IHDR header) within the size and dimension limits.

#include <QByteArray>
#include <QString>

namespace ic::balancer {

struct PngCheck
{
    enum class Result {
        Ok,
        NotDataUrl,
        BadBase64,
        NotPng,
        TooManyBytes,
        TooLarge
    } result = Result::Ok;
    int width = 0;
    int height = 0;
    qsizetype bytes = 0;
    bool ok() const { return result == Result::Ok; }
    QString sentence() const;
};

PngCheck checkPngDataUrl(const QByteArray &dataUrl, qint64 maxBytes, int maxDimension);

} // namespace ic::balancer
