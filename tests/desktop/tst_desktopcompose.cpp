// Writing in the desktop app, without a server: an image pasted or dropped into the composer
// becomes a drawing (preview, Send/Cancel, scaled to the limits or refused with a sentence), the
// placeholder never wraps, the drawing window's Redo after a send, the message list's keyboard
// entry and focus, and formatted messages that never turn user text into markup.
#include "AppSettings.h"
#include "Composer.h"
#include "DrawingCanvas.h"
#include "DrawingWindow.h"
#include "MainWindow.h"
#include "MessageListView.h"
#include "OfflineWindow.h"
#include "PastedImage.h"
#include "RoomConnection.h"
#include "RoomView.h"
#include "SampleRoom.h"
#include "Theme.h"

#include <QApplication>
#include <QClipboard>
#include <QDialog>
#include <QFontDatabase>
#include <QFontInfo>
#include <QLabel>
#include <QMimeData>
#include <QPainter>
#include <QPushButton>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBlock>
#include <QTextDocument>
#include <QToolButton>

using namespace ic::desktop;

namespace {
QImage noise(QSize size)
{
    QImage image(size, QImage::Format_RGB32);
    QRandomGenerator random(42);
    for (int y = 0; y < size.height(); ++y)
        for (int x = 0; x < size.width(); ++x)
            image.setPixel(x, y, random.generate() | 0xff000000u);
    return image;
}

QImage picture(QSize size)
{
    QImage image(size, QImage::Format_ARGB32);
    image.fill(Qt::transparent);
    QPainter p(&image);
    p.setBrush(QColor(0x2f, 0x6f, 0xeb));
    p.drawEllipse(
        QRect(QPoint(0, 0), size)
            .adjusted(size.width() / 4, size.height() / 4, -size.width() / 4, -size.height() / 4));
    return image;
}
} // namespace

class TestDesktopCompose : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;
    std::unique_ptr<AppSettings> m_settings;
    std::unique_ptr<MainWindow> m_window;
    RoomView *m_view = nullptr;    // the sample room (joined)
    RoomView *m_waiting = nullptr; // a room that has not joined yet

    QDialog *imageDialog() const
    {
        return m_window->findChild<QDialog *>(QStringLiteral("imageSendDialog"));
    }
    // What Ctrl+V does (a drop goes through the same insertFromMimeData).
    static void paste(Composer *composer, QMimeData *data)
    {
        composer->setFocus();
        QApplication::clipboard()->setMimeData(data);
        composer->paste();
    }

private slots:
    void init()
    {
        m_settings = std::make_unique<AppSettings>(m_dir.filePath(QStringLiteral("c.ini")));
        m_settings->setServer(QUrl(QStringLiteral("http://127.0.0.1:9")));
        m_window = std::make_unique<MainWindow>(m_settings.get());
        m_view = ictest::offlineRoom(*m_window, QStringLiteral("release-planning"));
        ictest::fillSampleRoom(*m_view->session());
        m_waiting = ictest::offlineRoom(*m_window, QStringLiteral("not-yet"));
        m_window->tabs()->setCurrentIndex(0);
        m_window->resize(900, 640);
        QVERIFY(ictest::showActive(m_window.get()));
    }

    void cleanup()
    {
        m_window.reset();
        m_settings.reset();
    }

    // The limits: the drawing sheet (800 × 500) and the balancer's 1 MiB per drawing.
    void pastedImageIsFittedToTheLimits()
    {
        PastedImage small = preparePastedImage(picture(QSize(300, 200)));
        QVERIFY(small.ok());
        QCOMPARE(small.image.size(), QSize(300, 200));
        QVERIFY(!small.summary.contains(QStringLiteral("scaled")));
        // Transparency becomes the white of the paper.
        QCOMPARE(small.image.pixelColor(2, 2), QColor(Qt::white));

        PastedImage big = preparePastedImage(picture(QSize(4000, 2500)));
        QVERIFY(big.ok());
        QCOMPARE(big.image.size(), QSize(800, 500));
        QVERIFY2(big.summary.contains(QStringLiteral("scaled down from 4000 \u00D7 2500")),
                 qPrintable(big.summary));

        // A photograph too heavy at sheet size is made smaller until it fits.
        const PastedImage photo =
            preparePastedImage(noise(QSize(800, 500)), QSize(800, 500), 200 * 1024);
        QVERIFY(photo.ok());
        qInfo("noise 800x500 with a 200 KiB limit: sent as %s", qPrintable(photo.summary));
        QVERIFY(photo.png.size() <= 200 * 1024);
        QVERIFY(photo.image.width() < 800);

        const PastedImage refused =
            preparePastedImage(noise(QSize(800, 500)), QSize(800, 500), 2 * 1024);
        QVERIFY(!refused.ok());
        QVERIFY2(refused.error.contains(QStringLiteral("too large")), qPrintable(refused.error));
        QVERIFY(!preparePastedImage(QImage()).ok());
    }

    // Ctrl+V of an image: no text goes in, a preview asks first; Cancel sends nothing; Send
    // takes the drawing path (here it says the room has not joined yet, the same sentence the
    // drawing window gives).
    void pasteOffersADrawing()
    {
        m_window->tabs()->setCurrentWidget(m_waiting);
        Composer *composer = m_waiting->composer();
        composer->setPlainText(QStringLiteral("draft"));
        auto *data = new QMimeData;
        data->setImageData(picture(QSize(1600, 1000)));
        paste(composer, data);
        QCOMPARE(composer->toPlainText(), QStringLiteral("draft"));
        QTRY_VERIFY(imageDialog() && imageDialog()->isVisible());
        auto *summary = imageDialog()->findChild<QLabel *>(QStringLiteral("imageSummary"));
        QVERIFY(summary);
        QVERIFY2(summary->text().startsWith(QStringLiteral("800 \u00D7 500")),
                 qPrintable(summary->text()));
        QCOMPARE(summary->textFormat(), Qt::PlainText);
        auto *preview = imageDialog()->findChild<QLabel *>(QStringLiteral("imagePreview"));
        QVERIFY(preview && !preview->pixmap().isNull());

        imageDialog()->reject();
        QTRY_VERIFY(!imageDialog());
        QVERIFY(m_waiting->errorText().isEmpty());

        data = new QMimeData;
        data->setImageData(picture(QSize(300, 200)));
        paste(composer, data);
        QTRY_VERIFY(imageDialog() && imageDialog()->isVisible());
        auto *send = imageDialog()->findChild<QPushButton *>(QStringLiteral("imageSendButton"));
        QVERIFY(send);
        QTest::mouseClick(send, Qt::LeftButton);
        QTRY_VERIFY(!imageDialog());
        QVERIFY2(m_waiting->errorText().contains(QStringLiteral("Not joined yet")),
                 qPrintable(m_waiting->errorText()));
        QCOMPARE(composer->toPlainText(), QStringLiteral("draft"));

        // Text still pastes as text.
        data = new QMimeData;
        data->setText(QStringLiteral(" and more"));
        composer->moveCursor(QTextCursor::End);
        paste(composer, data);
        QCOMPARE(composer->toPlainText(), QStringLiteral("draft and more"));
        QVERIFY(!imageDialog());
    }

    // A dropped image file goes the same way; data that is no image is refused with a sentence.
    void droppedFileAndUnreadableImage()
    {
        Composer *composer = m_view->composer();
        const QString file = m_dir.filePath(QStringLiteral("dropped.png"));
        QVERIFY(picture(QSize(640, 400)).save(file));
        auto *data = new QMimeData;
        data->setUrls({QUrl::fromLocalFile(file)});
        paste(composer, data);
        QTRY_VERIFY(imageDialog() && imageDialog()->isVisible());
        QVERIFY(composer->toPlainText().isEmpty());
        imageDialog()->reject();
        QTRY_VERIFY(!imageDialog());

        data = new QMimeData;
        data->setImageData(QImage());
        paste(composer, data);
        QVERIFY(!imageDialog());
        QVERIFY2(m_view->errorText().contains(QStringLiteral("not an image")),
                 qPrintable(m_view->errorText()));
    }

    // The composer is one line high: its placeholder must fit on that line at any width.
    void placeholderNeverWraps()
    {
        Composer *composer = m_view->composer();
        for (int width : {900, 700, 420, 260}) {
            m_window->resize(width + 260, 640);
            composer->resize(width, composer->height());
            QApplication::processEvents();
            const int room = composer->viewport()->width();
            const int needed =
                composer->fontMetrics().horizontalAdvance(composer->placeholderText());
            qInfo("composer %d px: placeholder \"%s\" needs %d of %d px", composer->width(),
                  qPrintable(composer->placeholderText()), needed, room);
            QVERIFY(needed < room);
        }
        composer->resize(900, composer->height());
        QVERIFY(composer->placeholderText().contains(QStringLiteral("Shift+Enter")));
    }

    // After a drawing is sent, Redo must not bring its strokes back.
    void redoIsOffAfterSending()
    {
        m_view->openDrawing();
        DrawingWindow *window = m_view->drawingWindow();
        QVERIFY(window);
        DrawingCanvas::Stroke stroke;
        stroke.colour = Qt::black;
        stroke.points << QPointF(10, 10) << QPointF(200, 120);
        window->canvas()->addStroke(stroke);
        window->canvas()->addStroke(stroke);
        window->canvas()->undo();
        QVERIFY(window->canvas()->canRedo());
        window->resetAfterSend();
        QVERIFY(window->canvas()->isEmpty());
        QVERIFY(!window->canvas()->canRedo());
        QVERIFY(!window->canvas()->canUndo());
        QToolButton *redo = nullptr;
        for (QToolButton *b : window->findChildren<QToolButton *>())
            if (b->text() == u"Redo")
                redo = b;
        QVERIFY(redo);
        QVERIFY(!redo->isEnabled());
        window->close();
    }

    // Into the list by keyboard: the focus shows, and the first ↓ goes to the newest message.
    void listKeyboardEntry()
    {
        MessageListView *list = m_view->messageList();
        list->setCurrentIndex(QModelIndex());
        list->scrollToBottom();
        const QImage before = list->viewport()->grab().toImage();
        list->setFocus();
        QTRY_VERIFY(list->hasFocus());
        const QImage focused = list->viewport()->grab().toImage();
        const QPoint edge(1, focused.height() / 2);
        QCOMPARE(focused.pixelColor(edge), theme::accent(list->palette()));
        QVERIFY(before.pixelColor(edge) != focused.pixelColor(edge));

        QTest::keyClick(list, Qt::Key_Down);
        int newest = list->model()->rowCount() - 1;
        while (list->isRowHidden(newest))
            --newest;
        QCOMPARE(list->currentIndex().row(), newest);
        QTest::keyClick(list, Qt::Key_Up);
        QCOMPARE(list->currentIndex().row(), newest - 1);
    }

    // Formatting is drawn from character formats: markup typed by a user is shown as typed, no
    // image is ever loaded, and the formatted parts are bold/italic/monospace/a quote.
    void formattingIsNeverMarkup()
    {
        const QString text = QStringLiteral(
            "**bold** _it_ `code` <b>x</b> <img src=/etc/passwd> https://example.org/a\n"
            "> quoted <img src=\"/etc/hosts\">");
        m_view->session()->applyFrame(ictest::frame(
            "TM",
            {ictest::msg(70, QStringLiteral("u-bob"), text, QDateTime::currentSecsSinceEpoch())}));
        MessageListView *list = m_view->messageList();
        auto *model = m_view->session()->messages();
        const QModelIndex index = model->index(model->rowForId(70));
        QStyleOptionViewItem option;
        option.initFrom(list->viewport());
        option.font = list->font();
        option.rect = QRect(0, 0, list->viewport()->width(), 400);
        const auto doc = list->messageDelegate()->textDocument(option, index);
        QCOMPARE(doc->toPlainText(),
                 QStringLiteral("bold it code <b>x</b> <img src=/etc/passwd> "
                                "https://example.org/a\nquoted <img src=\"/etc/hosts\">"));
        QVERIFY(!doc->toHtml().contains(QStringLiteral("<img")));
        bool bold = false, italic = false, code = false, link = false, literal = false;
        for (QTextBlock b = doc->begin(); b.isValid(); b = b.next()) {
            for (auto it = b.begin(); !it.atEnd(); ++it) {
                const QTextFragment f = it.fragment();
                QVERIFY(!f.charFormat().isImageFormat());
                if (f.text() == u"bold")
                    bold = f.charFormat().fontWeight() == QFont::Bold;
                if (f.text() == u"it")
                    italic = f.charFormat().fontItalic();
                if (f.text() == u"code")
                    code = QFontInfo(f.charFormat().font()).fixedPitch() ||
                           f.charFormat().fontFamilies().toStringList().contains(
                               QFontDatabase::systemFont(QFontDatabase::FixedFont).family());
                if (f.charFormat().isAnchor())
                    link = f.charFormat().anchorHref() == u"https://example.org/a";
                if (f.text().contains(QStringLiteral("<b>x</b>")))
                    literal = f.charFormat().fontWeight() != QFont::Bold;
            }
        }
        QVERIFY(bold);
        QVERIFY(italic);
        QVERIFY(code);
        QVERIFY(link);
        QVERIFY(literal);
        QVERIFY(doc->lastBlock().blockFormat().leftMargin() > 0); // the quote is indented
    }
};

QTEST_MAIN(TestDesktopCompose)
#include "tst_desktopcompose.moc"
