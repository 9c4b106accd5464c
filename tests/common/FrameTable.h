#pragma once
// The frame-shape table of docs/protocol-frames.json, for tests: checks a server frame against
// the shape the table gives (exact key set, value types, units by magnitude) and builds sample
// frames from it, with or without the optional keys. The integration test holds the real server
// to the table; the decode tests of the clients feed them the samples, so a key the table
// requires can be neither missing on the wire nor unread by a client.
//
// Tests get the table's path from the compile definition PROTOCOL_TABLE.

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QStringList>
#include <QUuid>

namespace ic::testing {

class FrameTable
{
public:
    // Reads and parses the table; error() says why when it could not.
    explicit FrameTable(const QString &path)
    {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) {
            m_error = QStringLiteral("cannot read %1").arg(path);
            return;
        }
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &parseError);
        if (!document.isObject()) {
            m_error = QStringLiteral("%1: %2").arg(path, parseError.errorString());
            return;
        }
        m_root = document.object();
        if (frames().isEmpty() || m_root.value(QLatin1StringView("objects")).toObject().isEmpty())
            m_error = QStringLiteral("%1 has no frames or no objects").arg(path);
    }

    QString error() const { return m_error; }
    bool isValid() const { return m_error.isEmpty(); }

    QJsonObject frames() const { return m_root.value(QLatin1StringView("frames")).toObject(); }
    QJsonObject frame(const QString &name) const { return frames().value(name).toObject(); }

    // Shapes a session of protocol version `pv` may receive.
    QStringList shapeNames(int pv) const
    {
        QStringList names;
        const QJsonObject all = frames();
        for (auto it = all.begin(); it != all.end(); ++it) {
            if (it.value().toObject().value(QLatin1StringView("minPv")).toInt(1) <= pv)
                names.append(it.key());
        }
        return names;
    }

    // Keys (→ type) of a shape for a session of version pv: the base set plus, from pv 2 on,
    // the shape's "pv2" additions.
    QJsonObject keys(const QString &name, const char *which, int pv) const
    {
        const QJsonObject shape = frame(name);
        QJsonObject result = shape.value(QLatin1StringView(which)).toObject();
        if (pv >= 2) {
            const QJsonObject added = shape.value(QLatin1StringView("pv2"))
                                          .toObject()
                                          .value(QLatin1StringView(which))
                                          .toObject();
            for (auto it = added.begin(); it != added.end(); ++it)
                result.insert(it.key(), it.value());
        }
        return result;
    }

    // Empty when `value` is a frame of shape `name` for a session of version pv; else what is
    // wrong, in one sentence.
    QString check(const QJsonObject &value, const QString &name, int pv) const
    {
        const QJsonObject shape = frame(name);
        if (shape.isEmpty())
            return QStringLiteral("the table has no shape '%1'").arg(name);
        if (shape.value(QLatin1StringView("minPv")).toInt(1) > pv)
            return QStringLiteral("shape '%1' is not for pv %2 sessions").arg(name).arg(pv);
        const QString code = shape.value(QLatin1StringView("c")).toString();
        if (value.value(QLatin1StringView("c")).toString() != code)
            return QStringLiteral("c is not %1").arg(code);
        const QString problem =
            checkObject(value, keys(name, "required", pv), keys(name, "optional", pv), pv);
        if (!problem.isEmpty())
            return problem;
        const QJsonObject values = shape.value(QLatin1StringView("values")).toObject();
        for (auto it = values.begin(); it != values.end(); ++it) {
            if (value.value(it.key()) != it.value())
                return QStringLiteral("%1 is not %2").arg(it.key(), it.value().toString());
        }
        const QJsonValue count = shape.value(QLatin1StringView("count"));
        if (!count.isUndefined() &&
            value.value(QLatin1StringView("m")).toArray().size() != count.toInt())
            return QStringLiteral("m does not hold exactly %1 element(s)").arg(count.toInt());
        return {};
    }

    // A frame of shape `name` with a plausible value for every required key and, when
    // withOptional, every optional key.
    QJsonObject sample(const QString &name, int pv, bool withOptional) const
    {
        QJsonObject result = sampleObject(keys(name, "required", pv),
                                          withOptional ? keys(name, "optional", pv) : QJsonObject(),
                                          pv, withOptional);
        result.insert(QLatin1StringView("c"), frame(name).value(QLatin1StringView("c")));
        const QJsonObject values = frame(name).value(QLatin1StringView("values")).toObject();
        for (auto it = values.begin(); it != values.end(); ++it)
            result.insert(it.key(), it.value());
        return result;
    }

    // `value` without the keys its shape marks optional (inside the objects of `m` and `rU` too).
    QJsonObject withoutOptional(const QJsonObject &value, const QString &name, int pv) const
    {
        QJsonObject result = value;
        const QJsonObject optional = keys(name, "optional", pv);
        for (auto it = optional.begin(); it != optional.end(); ++it)
            result.remove(it.key());
        const QJsonObject required = keys(name, "required", pv);
        for (auto it = required.begin(); it != required.end(); ++it) {
            const QString type = it.value().toString();
            if (!type.endsWith(QLatin1StringView("[]")))
                continue;
            if (!isObjectType(type.chopped(2)))
                continue; // an array of plain values ("uuid[]") has nothing optional
            const QJsonObject elementOptional =
                object(type.chopped(2)).value(QLatin1StringView("optional")).toObject();
            QJsonArray elements;
            for (const QJsonValue &element : result.value(it.key()).toArray()) {
                QJsonObject stripped = element.toObject();
                for (auto key = elementOptional.begin(); key != elementOptional.end(); ++key)
                    stripped.remove(key.key());
                elements.append(stripped);
            }
            result.insert(it.key(), elements);
        }
        return result;
    }

    static QByteArray toJson(const QJsonObject &object)
    {
        return QJsonDocument(object).toJson(QJsonDocument::Compact);
    }

    // Sample values, fixed so decode tests can compare what they read.
    static constexpr qint64 sampleNs = 1764633600123456789LL;
    static constexpr qint64 sampleSeconds = 1764633600LL;
    static constexpr qint64 sampleId = 7;
    static constexpr qint64 sampleInt = 2;
    static QString sampleUuid() { return QStringLiteral("3f2a8a52-5d0c-4f57-9d3c-0d1f5b7a9e21"); }
    static QString sampleString() { return QStringLiteral("hello%20world"); }

private:
    QJsonObject object(const QString &name) const
    {
        return m_root.value(QLatin1StringView("objects")).toObject().value(name).toObject();
    }

    // Whether "<name>[]" is an array of objects of the table, or of plain values ("uuid[]").
    bool isObjectType(const QString &name) const
    {
        return m_root.value(QLatin1StringView("objects")).toObject().contains(name);
    }

    QList<int> errorCodes(int pv) const
    {
        QList<int> codes;
        for (const QJsonValue &code : m_root.value(QLatin1StringView("errorCodes")).toArray())
            codes.append(code.toInt());
        if (pv >= 2) {
            for (const QJsonValue &code :
                 m_root.value(QLatin1StringView("pv2ErrorCodes")).toArray())
                codes.append(code.toInt());
        }
        return codes;
    }

    static bool isInteger(const QJsonValue &value)
    {
        // toInteger falls back to its argument when the number is not an exact integer.
        return value.isDouble() && value.toInteger(1) == value.toInteger(2);
    }

    QString checkObject(const QJsonObject &value, const QJsonObject &required,
                        const QJsonObject &optional, int pv) const
    {
        for (auto it = required.begin(); it != required.end(); ++it) {
            if (!value.contains(it.key()))
                return QStringLiteral("required key %1 is missing").arg(it.key());
        }
        for (auto it = value.begin(); it != value.end(); ++it) {
            QJsonValue type = required.value(it.key());
            if (type.isUndefined())
                type = optional.value(it.key());
            if (type.isUndefined())
                return QStringLiteral("key %1 is not in the table").arg(it.key());
            const QString problem = checkValue(it.value(), type.toString(), pv);
            if (!problem.isEmpty())
                return QStringLiteral("%1: %2").arg(it.key(), problem);
        }
        return {};
    }

    QString checkValue(const QJsonValue &value, const QString &type, int pv) const
    {
        if (type.endsWith(QLatin1StringView("[]"))) {
            if (!value.isArray())
                return QStringLiteral("not an array");
            if (!isObjectType(type.chopped(2))) {
                for (const QJsonValue &element : value.toArray()) {
                    const QString problem = checkValue(element, type.chopped(2), pv);
                    if (!problem.isEmpty())
                        return QStringLiteral("an element: %1").arg(problem);
                }
                return {};
            }
            const QJsonObject shape = object(type.chopped(2));
            for (const QJsonValue &element : value.toArray()) {
                if (!element.isObject())
                    return QStringLiteral("an element is not an object");
                const QString problem = checkObject(
                    element.toObject(), shape.value(QLatin1StringView("required")).toObject(),
                    shape.value(QLatin1StringView("optional")).toObject(), pv);
                if (!problem.isEmpty())
                    return problem;
            }
            return {};
        }
        const qint64 number = value.toInteger();
        const QString text = value.toString();
        if (type == QLatin1StringView("string"))
            return value.isString() ? QString() : QStringLiteral("not a string");
        if (type == QLatin1StringView("uuid")) {
            const bool ok =
                value.isString() && text.size() == 36 &&
                QUuid::fromString(text).toString(QUuid::WithoutBraces) == text.toLower();
            return ok ? QString() : QStringLiteral("not a UUID");
        }
        if (type == QLatin1StringView("bool"))
            return value.isBool() ? QString() : QStringLiteral("not a bool");
        if (type == QLatin1StringView("int"))
            return isInteger(value) ? QString() : QStringLiteral("not an integer");
        if (type == QLatin1StringView("id"))
            return isInteger(value) && number >= 1 ? QString() : QStringLiteral("not an id ≥ 1");
        if (type == QLatin1StringView("ns")) {
            // Unix ns of any date after 2001; seconds or milliseconds are far smaller.
            return isInteger(value) && number >= 1'000'000'000'000'000'000LL
                       ? QString()
                       : QStringLiteral("not Unix nanoseconds (%1)").arg(number);
        }
        if (type == QLatin1StringView("s")) {
            return isInteger(value) && number >= 1'000'000'000LL && number < 10'000'000'000LL
                       ? QString()
                       : QStringLiteral("not Unix seconds (%1)").arg(number);
        }
        if (type == QLatin1StringView("code")) {
            bool ok = false;
            const int code = text.toInt(&ok);
            return value.isString() && ok && errorCodes(pv).contains(code)
                       ? QString()
                       : QStringLiteral("not an error code of a pv %1 session (%2)")
                             .arg(pv)
                             .arg(text);
        }
        if (type == QLatin1StringView("decimal")) {
            bool ok = false;
            return value.isString() && text.toLongLong(&ok) >= 1 && ok
                       ? QString()
                       : QStringLiteral("not a decimal string");
        }
        if (type == QLatin1StringView("status")) {
            static const QStringList statuses{QStringLiteral("online"),
                                              QStringLiteral("shutting_down"),
                                              QStringLiteral("restarting")};
            return statuses.contains(text) ? QString() : QStringLiteral("not a server status");
        }
        if (type == QLatin1StringView("details")) {
            static const QRegularExpression details(
                QStringLiteral("^room_(created|joined);password=(true|false)$"));
            return value.isString() && details.match(text).hasMatch()
                       ? QString()
                       : QStringLiteral("not processing details (%1)").arg(text);
        }
        return QStringLiteral("the table names an unknown type %1").arg(type);
    }

    QJsonObject sampleObject(const QJsonObject &required, const QJsonObject &optional, int pv,
                             bool withOptional) const
    {
        QJsonObject result;
        for (const QJsonObject *keys : {&required, &optional}) {
            for (auto it = keys->begin(); it != keys->end(); ++it)
                result.insert(it.key(), sampleValue(it.value().toString(), pv, withOptional));
        }
        return result;
    }

    QJsonValue sampleValue(const QString &type, int pv, bool withOptional) const
    {
        if (type.endsWith(QLatin1StringView("[]"))) {
            if (!isObjectType(type.chopped(2)))
                return QJsonArray{sampleValue(type.chopped(2), pv, withOptional)};
            const QJsonObject shape = object(type.chopped(2));
            return QJsonArray{
                sampleObject(shape.value(QLatin1StringView("required")).toObject(),
                             withOptional ? shape.value(QLatin1StringView("optional")).toObject()
                                          : QJsonObject(),
                             pv, withOptional)};
        }
        if (type == QLatin1StringView("uuid"))
            return sampleUuid();
        if (type == QLatin1StringView("bool"))
            return true;
        if (type == QLatin1StringView("int"))
            return sampleInt;
        if (type == QLatin1StringView("id"))
            return sampleId;
        if (type == QLatin1StringView("ns"))
            return sampleNs;
        if (type == QLatin1StringView("s"))
            return sampleSeconds;
        if (type == QLatin1StringView("code"))
            return QString::number(errorCodes(pv).value(0, 101));
        if (type == QLatin1StringView("decimal"))
            return QStringLiteral("12");
        if (type == QLatin1StringView("status"))
            return QStringLiteral("online");
        if (type == QLatin1StringView("details"))
            return QStringLiteral("room_joined;password=false");
        return sampleString();
    }

    QJsonObject m_root;
    QString m_error;
};

// The frames of tests/common/v1-recorded-frames.json: what a server of the original project
// sends a v1 client, each with the name of its shape in the table.
struct RecordedFrame
{
    QString name;
    QString shape;
    QJsonObject frame;
};

inline QList<RecordedFrame> loadRecordedFrames(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QList<RecordedFrame> result;
    const QJsonArray frames = QJsonDocument::fromJson(file.readAll())
                                  .object()
                                  .value(QLatin1StringView("frames"))
                                  .toArray();
    for (const QJsonValue &entry : frames) {
        const QJsonObject object = entry.toObject();
        result.append({object.value(QLatin1StringView("name")).toString(),
                       object.value(QLatin1StringView("shape")).toString(),
                       object.value(QLatin1StringView("frame")).toObject()});
    }
    return result;
}

} // namespace ic::testing
