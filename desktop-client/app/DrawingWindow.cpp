#include "DrawingWindow.h"

#include "DrawingCanvas.h"
#include "Icons.h"

#include <QAction>
#include <QButtonGroup>
#include <QColorDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPainter>
#include <QPushButton>
#include <QShortcut>
#include <QSlider>
#include <QToolButton>
#include <QVBoxLayout>

namespace ic::desktop {
namespace {

QIcon swatch(const QColor &c)
{
    QPixmap pm(40, 40);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(QPen(QColor(0, 0, 0, 60), 2));
    p.setBrush(c);
    p.drawEllipse(QRectF(4, 4, 32, 32));
    return QIcon(pm);
}

} // namespace

DrawingWindow::DrawingWindow(const QString &roomName, QWidget *parent)
    : QWidget(parent, Qt::Window), m_canvas(new DrawingCanvas(this)), m_undo(new QToolButton(this)),
      m_redo(new QToolButton(this)), m_eraser(new QToolButton(this)),
      m_send(new QPushButton(QStringLiteral("Send drawing"), this)), m_status(new QLabel(this))
{
    setWindowTitle(QStringLiteral("Drawing — %1").arg(roomName));
    setWindowIcon(icons::pen());
    // Esc closes it like any tool window; the drawing stays for the next opening.
    auto *closeAction = new QAction(QStringLiteral("Close"), this);
    closeAction->setShortcut(QKeySequence(Qt::Key_Escape));
    closeAction->setShortcutContext(Qt::WindowShortcut);
    connect(closeAction, &QAction::triggered, this, &QWidget::close);
    addAction(closeAction);

    auto *tools = new QHBoxLayout;
    auto *colours = new QButtonGroup(this);
    const QList<QColor> palette = {QColor(0x1d, 0x21, 0x2b), QColor(0xd9, 0x48, 0x48),
                                   QColor(0xe8, 0x9a, 0x10), QColor(0x2e, 0xa0, 0x5a),
                                   QColor(0x2f, 0x6f, 0xeb), QColor(0x8e, 0x44, 0xc9)};
    const QStringList names = {QStringLiteral("black"),  QStringLiteral("red"),
                               QStringLiteral("orange"), QStringLiteral("green"),
                               QStringLiteral("blue"),   QStringLiteral("purple")};
    for (int i = 0; i < palette.size(); ++i) {
        auto *b = new QToolButton(this);
        b->setIcon(swatch(palette[i]));
        b->setIconSize(QSize(22, 22));
        b->setCheckable(true);
        b->setChecked(i == 0);
        b->setToolTip(QStringLiteral("Pen colour: %1").arg(names[i]));
        b->setAccessibleName(names[i]);
        colours->addButton(b);
        tools->addWidget(b);
        const QColor colour = palette[i];
        connect(b, &QToolButton::clicked, this, [this, colour] {
            m_canvas->setPenColour(colour);
            m_canvas->setEraser(false);
            m_eraser->setChecked(false);
        });
    }
    // Any other colour: the dialog is opened window-modal (not exec()) so the event loop and
    // the room keep running; the button then shows the chosen colour as its swatch.
    auto *custom = new QToolButton(this);
    custom->setObjectName(QStringLiteral("customColour"));
    custom->setText(QStringLiteral("Custom…"));
    custom->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    custom->setIconSize(QSize(22, 22));
    custom->setCheckable(true);
    custom->setToolTip(QStringLiteral("Pen colour: choose any colour"));
    custom->setAccessibleName(QStringLiteral("Custom colour"));
    colours->addButton(custom);
    tools->addWidget(custom);
    connect(custom, &QToolButton::clicked, this, [this, custom] {
        auto *dialog = new QColorDialog(m_canvas->penColour(), this);
        dialog->setObjectName(QStringLiteral("customColourDialog"));
        dialog->setWindowTitle(QStringLiteral("Pen colour"));
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &QColorDialog::colorSelected, this, [this, custom](const QColor &colour) {
            if (!colour.isValid())
                return;
            m_canvas->setPenColour(colour);
            m_canvas->setEraser(false);
            m_eraser->setChecked(false);
            custom->setIcon(swatch(colour));
            custom->setToolTip(QStringLiteral("Pen colour: custom %1").arg(colour.name()));
        });
        dialog->open();
    });
    tools->addSpacing(12);
    tools->addWidget(new QLabel(QStringLiteral("Width"), this));
    auto *width = new QSlider(Qt::Horizontal, this);
    width->setRange(1, 30);
    width->setValue(4);
    width->setMaximumWidth(120);
    width->setAccessibleName(QStringLiteral("Pen width"));
    connect(width, &QSlider::valueChanged, this, [this](int v) { m_canvas->setPenWidth(v); });
    tools->addWidget(width);
    m_eraser->setText(QStringLiteral("Eraser"));
    m_eraser->setCheckable(true);
    connect(m_eraser, &QToolButton::toggled, m_canvas, &DrawingCanvas::setEraser);
    tools->addWidget(m_eraser);
    tools->addStretch();
    m_undo->setText(QStringLiteral("Undo"));
    m_undo->setShortcut(QKeySequence::Undo);
    m_redo->setText(QStringLiteral("Redo"));
    m_redo->setShortcut(QKeySequence::Redo);
    connect(m_undo, &QToolButton::clicked, m_canvas, &DrawingCanvas::undo);
    connect(m_redo, &QToolButton::clicked, m_canvas, &DrawingCanvas::redo);
    auto *clear = new QToolButton(this);
    clear->setText(QStringLiteral("Clear"));
    connect(clear, &QToolButton::clicked, this, [this] {
        if (m_canvas->isEmpty())
            return;
        // Asked, not blocking: the window stays responsive while the question is open.
        auto *box =
            new QMessageBox(QMessageBox::Question, QStringLiteral("Clear the drawing?"),
                            QStringLiteral("Clear the whole drawing? (Undo brings it back.)"),
                            QMessageBox::Yes | QMessageBox::Cancel, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        connect(box, &QMessageBox::accepted, m_canvas, &DrawingCanvas::clear);
        box->open();
    });
    tools->addWidget(m_undo);
    tools->addWidget(m_redo);
    tools->addWidget(clear);

    auto *bottom = new QHBoxLayout;
    m_status->setWordWrap(true);
    bottom->addWidget(m_status, 1);
    m_send->setDefault(true);
    connect(m_send, &QPushButton::clicked, this, [this] {
        if (m_canvas->isEmpty())
            return;
        m_send->setEnabled(false);
        setStatus(QStringLiteral("Sending…"));
        emit sendRequested(m_canvas->render());
    });
    bottom->addWidget(m_send);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(tools);
    layout->addWidget(m_canvas, 1);
    layout->addLayout(bottom);
    connect(m_canvas, &DrawingCanvas::changed, this, &DrawingWindow::updateButtons);
    updateButtons();
    resize(840, 620);
}

void DrawingWindow::setStatus(const QString &text)
{
    m_status->setText(text);
    if (!text.startsWith(QStringLiteral("Sending")))
        updateButtons();
}

void DrawingWindow::resetAfterSend()
{
    // Not clear(): that is undoable, and Redo would bring back the drawing just sent.
    m_canvas->reset();
    setStatus(QStringLiteral("Sent."));
}

void DrawingWindow::updateButtons()
{
    m_undo->setEnabled(m_canvas->canUndo());
    m_redo->setEnabled(m_canvas->canRedo());
    m_send->setEnabled(!m_canvas->isEmpty());
}

} // namespace ic::desktop
