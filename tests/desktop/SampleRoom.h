#pragma once
// A realistic room built from server frames, for screenshots and view tests.

#include "FrameHelpers.h"
#include "RoomSession.h"

#include <QDateTime>
#include <QImage>
#include <QPainter>
#include <QPainterPath>

namespace ictest {

inline const QString sampleRoomId = QStringLiteral("6f1c1d2e-0000-4000-8000-000000000001");

inline QImage sampleDrawing()
{
    QImage image(800, 500, QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    // A little house under a sun, as a user would draw it.
    p.setPen(QPen(QColor(0xe8, 0x9a, 0x10), 10, Qt::SolidLine, Qt::RoundCap));
    p.setBrush(QColor(0xff, 0xd3, 0x5c));
    p.drawEllipse(QPointF(640, 120), 60, 60);
    p.setPen(QPen(QColor(0x2f, 0x6f, 0xeb), 12, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    p.setBrush(Qt::NoBrush);
    p.drawRect(220, 230, 260, 200);
    p.setPen(QPen(QColor(0xd9, 0x48, 0x48), 12, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    p.drawPolyline(QPolygonF({QPointF(190, 245), QPointF(350, 110), QPointF(510, 245)}));
    p.setPen(QPen(QColor(0x2e, 0xa0, 0x5a), 10, Qt::SolidLine, Qt::RoundCap));
    QPainterPath grass;
    grass.moveTo(40, 460);
    grass.cubicTo(250, 420, 550, 500, 760, 450);
    p.drawPath(grass);
    return image;
}

// Alice (creator), Bob, an anonymous user and me; history over two days, a quote, a reply to
// me, votes, an edit, a deletion, a drawing and a join notice.
inline void fillSampleRoom(ic::desktop::RoomSession &s)
{
    const QString me = QStringLiteral("u-me"), alice = QStringLiteral("u-alice"),
                  bob = QStringLiteral("u-bob"), anon = QStringLiteral("u-anon");
    const QDateTime today(QDate::currentDate(), QTime(9, 12));
    const qint64 t0 = today.addDays(-1).addSecs(8 * 3600).toSecsSinceEpoch();
    const qint64 t1 = today.toSecsSinceEpoch();
    s.applyFrame(members({user(me, QStringLiteral("sam")), user(alice, QStringLiteral("alice")),
                          user(bob, QStringLiteral("bob")),
                          user(anon, QStringLiteral("quiet-otter-42"), true, true),
                          user(QStringLiteral("u-old"), QStringLiteral("mira"), false)}));
    auto m1 =
        msg(1, alice,
            QStringLiteral(
                "Welcome to the release planning room! Notes are at https://example.org/notes."),
            t0);
    auto m2 =
        msg(2, alice, QStringLiteral("Agenda: packaging, the desktop app, load tests."), t0 + 40);
    auto m3 =
        msg(3, bob,
            QStringLiteral(
                "I can take the packaging part.\nThe .deb builds are green since this morning."),
            t0 + 300);
    m3.supportCount = 3;
    auto m4 = msg(4, anon, QStringLiteral("lurking, but \U0001F44D"), t0 + 900);
    auto m5 =
        msg(5, me,
            QStringLiteral(
                "Desktop app: tabs, tray, drawings and notifications work. Screenshots below."),
            t1);
    m5.supportCount = 2;
    m5.rejectCount = 0;
    auto m6 =
        msg(6, alice, QStringLiteral("Great — does the tray show the unread count?"), t1 + 120);
    m6.replyUser = me;
    m6.replyMessage = 5;
    auto m7 = msg(7, me, QStringLiteral("Yes, and the tab badge too."), t1 + 200);
    m7.lastEdited = (t1 + 230) * 1000000000LL;
    auto m8 = msg(8, bob, QStringLiteral("oops wrong room"), t1 + 260);
    auto m9 = msg(9, me, QStringLiteral("$#$meta_marker_is_drawing$#$drawing_1@") + sampleRoomId,
                  t1 + 400);
    auto m10 = msg(10, bob, QStringLiteral("\U0001F3E0"), t1 + 460);
    auto m11 = msg(11, anon, QStringLiteral("can we pin the agenda?"), t1 + 520);
    m11.replyUser = alice;
    m11.replyMessage = 2;
    m11.rejectCount = 1;
    s.applyFrame(allMessages({m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11}));
    s.applyFrame(
        description(QStringLiteral("Planning the 1.0 release — be nice, stay on topic."), alice));
    ServerFrame rp = joinReply(me, sampleRoomId);
    rp.time = today.addDays(-1).addSecs(7 * 3600).toMSecsSinceEpoch() * 1000000LL;
    s.applyFrame(rp);
    s.applyFrame(deletion(8));
    s.messages()->setDrawingImage(QStringLiteral("drawing_1"), sampleRoomId, sampleDrawing());
    s.messages()->setMyVote(3, 1);
    // A member comes online: a compact notice in the stream.
    s.applyFrame(members({user(me, QStringLiteral("sam")), user(alice, QStringLiteral("alice")),
                          user(bob, QStringLiteral("bob")),
                          user(anon, QStringLiteral("quiet-otter-42"), true, true),
                          user(QStringLiteral("u-old"), QStringLiteral("mira"), true)}));
}

} // namespace ictest
