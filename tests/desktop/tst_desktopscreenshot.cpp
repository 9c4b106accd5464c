// Renders the main window with a realistic room, light and dark, to PNG files (for the README
// and for eyes in CI), and checks the images are real renderings, not blank.
#include "AppSettings.h"
#include "Composer.h"
#include "EmojiPicker.h"
#include "MainWindow.h"
#include "OfflineWindow.h"
#include "RoomConnection.h"
#include "RoomView.h"
#include "SampleRoom.h"
#include "Theme.h"

#include <QApplication>
#include <QDir>
#include <QLineEdit>
#include <QListView>
#include <QScrollBar>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

using namespace ic::desktop;

class TestDesktopScreenshot : public QObject
{
    Q_OBJECT
private:
    QString outputDir() const
    {
        const QString dir = qEnvironmentVariable(
            "INSTANTCHAT_SCREENSHOT_DIR", QDir::currentPath() + QStringLiteral("/screenshots"));
        QDir().mkpath(dir);
        return dir;
    }

    enum class Shot { Normal, Compact, Narrow, Overlay };

    QImage render(AppSettings::Theme t, Shot shot = Shot::Normal)
    {
        theme::apply(t);
        QTemporaryDir dir;
        AppSettings settings(dir.filePath(QStringLiteral("s.ini")));
        settings.setServer(QUrl(QStringLiteral("http://localhost:8080")));
        MainWindow window(&settings);
        RoomConnection::Config config;
        config.room = QStringLiteral("release-planning");
        auto *connection = new RoomConnection(config);
        RoomView *view = window.adoptRoom(connection, false);
        // A second room with unread messages, to show the tab badge.
        RoomConnection::Config other;
        other.room = QStringLiteral("random");
        auto *second = new RoomConnection(other);
        window.adoptRoom(second, false);
        second->session()->applyFrame(
            ictest::members({ictest::user(QStringLiteral("x"), QStringLiteral("x"))}));
        second->session()->applyFrame(ictest::allMessages({}));
        second->session()->applyFrame(
            ictest::frame("TM", {ictest::msg(1, QStringLiteral("x"), QStringLiteral("hi"))}));
        second->session()->applyFrame(
            ictest::frame("TM", {ictest::msg(2, QStringLiteral("x"), QStringLiteral("there"))}));
        window.tabs()->setCurrentIndex(0);
        ictest::fillSampleRoom(*view->session());
        if (shot == Shot::Compact) {
            // Two messages that came while away: under "New since you were last here".
            view->session()->setActive(false);
            const qint64 now = QDateTime::currentSecsSinceEpoch();
            view->session()->applyFrame(ictest::frame(
                "TM", {ictest::msg(20, QStringLiteral("u-bob"),
                                   QStringLiteral("Packages are **uploaded**, see `apt policy`."),
                                   now)}));
            view->session()->applyFrame(ictest::frame(
                "TM", {ictest::msg(21, QStringLiteral("u-alice"),
                                   QStringLiteral("> Packages are uploaded\nThanks! _Shipping._"),
                                   now + 30)}));
            view->session()->setActive(true);
            view->setCompactMessages(true);
        }
        window.resize(shot == Shot::Narrow ? 560 : 1120, shot == Shot::Narrow ? 820 : 1000);
        window.show();
        if (shot == Shot::Narrow)
            view->setMembersVisible(false);
        if (shot == Shot::Overlay)
            window.setCompact(true);
        view->composer()->setPlainText(QStringLiteral("Let's ship it on Friday"));
        view->startReply(QStringLiteral("u-alice"), 6);
        QTest::qWait(200);
        view->messageView()->scrollToBottom();
        QTest::qWait(100);
        return window.grab().toImage();
    }

    static void checkNonTrivial(const QImage &image)
    {
        QVERIFY(!image.isNull());
        QVERIFY(image.width() >= 800 && image.height() >= 600);
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 7)
            for (int x = 0; x < image.width(); x += 7)
                colours.insert(image.pixel(x, y));
        // Text, cards, tags, a drawing: far more than a handful of colours.
        QVERIFY2(colours.size() > 50,
                 qPrintable(QStringLiteral("only %1 colours").arg(colours.size())));
    }

private slots:
    void lightAndDark()
    {
        const QImage light = render(AppSettings::Theme::Light);
        checkNonTrivial(light);
        QVERIFY(light.save(outputDir() + QStringLiteral("/desktop-light.png")));
        const QImage dark = render(AppSettings::Theme::Dark);
        checkNonTrivial(dark);
        QVERIFY(dark.save(outputDir() + QStringLiteral("/desktop-dark.png")));
        // Dark really is dark: the window's corner pixel is darker than in the light one.
        QVERIFY(qGray(dark.pixel(dark.width() - 5, dark.height() / 2)) <
                qGray(light.pixel(light.width() - 5, light.height() / 2)));
        qInfo("screenshots written to %s", qPrintable(outputDir()));
    }

    // Compact messages with the unread divider, a narrow window without the member list, and
    // the always-on-top overlay.
    void compactNarrowOverlay()
    {
        const QImage compact = render(AppSettings::Theme::Light, Shot::Compact);
        checkNonTrivial(compact);
        QVERIFY(compact.save(outputDir() + QStringLiteral("/desktop-compact.png")));
        const QImage narrow = render(AppSettings::Theme::Light, Shot::Narrow);
        QVERIFY(!narrow.isNull());
        QVERIFY2(narrow.width() <= 600, qPrintable(QString::number(narrow.width())));
        QVERIFY(narrow.save(outputDir() + QStringLiteral("/desktop-narrow.png")));
        const QImage overlay = render(AppSettings::Theme::Dark, Shot::Overlay);
        QVERIFY(!overlay.isNull());
        QVERIFY(overlay.save(outputDir() + QStringLiteral("/desktop-overlay.png")));
        qInfo("compact %dx%d, narrow %dx%d, overlay %dx%d", compact.width(), compact.height(),
              narrow.width(), narrow.height(), overlay.width(), overlay.height());
    }

    void popups()
    {
        // The emoji picker (searching) and the join banner with alternative-name chips: small
        // widgets a full-window grab does not show.
        theme::apply(AppSettings::Theme::Light);
        QTemporaryDir dir;
        AppSettings settings(dir.filePath(QStringLiteral("s.ini")));
        settings.setServer(QUrl(QStringLiteral("http://localhost:8080")));
        MainWindow window(&settings);
        RoomView *view = ictest::offlineRoom(window, QStringLiteral("team"));
        window.resize(1120, 700);
        window.show();
        view->openEmojiPicker();
        QVERIFY(view->emojiPicker() && view->emojiPicker()->isVisible());
        QTest::keyClicks(view->emojiPicker()->searchField(), QStringLiteral("heart"));
        QTest::qWait(100);
        const QImage picker = view->emojiPicker()->grab().toImage();
        QVERIFY(picker.save(outputDir() + QStringLiteral("/desktop-emoji.png")));
        view->emojiPicker()->hide();
        emit view->connection()->joinFailed(
            QStringLiteral("Wrong password for this room."),
            {QStringLiteral("2"), QStringLiteral("3"), QStringLiteral("4")});
        QTest::qWait(100);
        const QImage banner = view->grab(QRect(0, 0, view->width(), 160)).toImage();
        QVERIFY(banner.save(outputDir() + QStringLiteral("/desktop-join-alternatives.png")));
    }
};

QTEST_MAIN(TestDesktopScreenshot)
#include "tst_desktopscreenshot.moc"
