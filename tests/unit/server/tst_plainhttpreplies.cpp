// Reply bodies of the plain-HTTP room calls (docs/protocol.md §9).

#include "http/PlainHttpReplies.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace ic::server;

class TestPlainHttpReplies : public QObject
{
    Q_OBJECT

private slots:
    void textAndJson()
    {
        Room room(QStringLiteral("room"), QUuid(), PasswordHash(), RoomSettings(), 1);
        for (const char *text : {"one", "two%20words", "three"})
            room.postExternal(QLatin1StringView(text), 2);

        RetrievalOptions options;
        options.quiet = true;
        QCOMPARE(
            retrievalBody(room, true, options),
            QByteArray(
                "Showing 3 of 3 universally accessible chat room messages below this line\n"
                "system: you have just created this room\n"
                "#1 external-user: one\n#2 external-user: two words\n#3 external-user: three\n"));
        options.last = 1;
        QCOMPARE(
            retrievalBody(room, false, options),
            QByteArray("Showing 1 of 3 universally accessible chat room messages below this line\n"
                       "#3 external-user: three\n"));
        options.last.reset();
        options.fromId = 2;
        options.quiet = false;
        const QByteArray withHelp = retrievalBody(room, false, options);
        QVERIFY(withHelp.contains("Showing 2 of 3"));
        QVERIFY(withHelp.indexOf("quite=true") < withHelp.indexOf("Showing"));

        options.json = true;
        const QJsonObject json =
            QJsonDocument::fromJson(retrievalBody(room, true, options)).object();
        QCOMPARE(json.value(QLatin1StringView("createdNewRoom")).toBool(), true);
        QCOMPARE(json.value(QLatin1StringView("messagesCount")).toInt(), 2);
        QCOMPARE(json.value(QLatin1StringView("totalRoomMessagesCount")).toInt(), 3);
        const QJsonObject first =
            json.value(QLatin1StringView("messages")).toArray().first().toObject();
        QCOMPARE(first.value(QLatin1StringView("id")).toInt(), 2);
        QCOMPARE(first.value(QLatin1StringView("text")).toString(), QStringLiteral("two words"));
        QCOMPARE(first.value(QLatin1StringView("userName")).toString(),
                 QStringLiteral("external-user"));
    }

    void sendingAndErrors()
    {
        QCOMPARE(sendingBody(true, false), QByteArray("Created new room!\n\nmessage sent\n"));
        QCOMPARE(sendingBody(false, false), QByteArray("message sent\n"));
        QCOMPARE(sendingBody(true, true),
                 QByteArray("{\"createdNewRoom\":true,\"responseText\":\"message sent\"}"));
        QCOMPARE(errorBody(QStringLiteral("nope"), false), QByteArray("error: nope\n"));
        QCOMPARE(errorBody(QStringLiteral("nope"), true),
                 QByteArray("{\"error\":\"error: nope\"}"));
    }
};

QTEST_GUILESS_MAIN(TestPlainHttpReplies)
#include "tst_plainhttpreplies.moc"
