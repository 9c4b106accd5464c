#include "DrawingCanvas.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>

namespace ic::desktop {

DrawingCanvas::DrawingCanvas(QWidget *parent) : QWidget(parent)
{
    setMinimumSize(400, 250);
    setCursor(Qt::CrossCursor);
    setAccessibleName(QStringLiteral("Drawing sheet"));
}

QRectF DrawingCanvas::sheetRect() const
{
    // The sheet keeps its aspect ratio, centred in the widget.
    const QSizeF s = QSizeF(sheetSize).scaled(QSizeF(size()) - QSizeF(16, 16), Qt::KeepAspectRatio);
    return QRectF(QPointF((width() - s.width()) / 2, (height() - s.height()) / 2), s);
}

QPointF DrawingCanvas::toSheet(const QPointF &pos) const
{
    const QRectF r = sheetRect();
    return QPointF((pos.x() - r.left()) * sheetSize.width() / r.width(),
                   (pos.y() - r.top()) * sheetSize.height() / r.height());
}

void DrawingCanvas::paintStrokes(QPainter &p, const QList<Stroke> &strokes)
{
    p.setRenderHint(QPainter::Antialiasing);
    for (const Stroke &s : strokes) {
        // The eraser paints the paper colour: the sheet is always white.
        QPen pen(s.eraser ? QColor(Qt::white) : s.colour, s.width, Qt::SolidLine, Qt::RoundCap,
                 Qt::RoundJoin);
        p.setPen(pen);
        if (s.points.size() == 1)
            p.drawPoint(s.points.first());
        else
            p.drawPolyline(s.points);
    }
}

QImage DrawingCanvas::render() const
{
    QImage image(sheetSize, QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter p(&image);
    paintStrokes(p, m_strokes);
    return image;
}

void DrawingCanvas::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.fillRect(rect(), palette().color(QPalette::Window));
    const QRectF r = sheetRect();
    p.setPen(QPen(palette().color(QPalette::Mid), 1));
    p.setBrush(Qt::white);
    p.drawRect(r.adjusted(-0.5, -0.5, 0.5, 0.5));
    p.translate(r.topLeft());
    p.scale(r.width() / sheetSize.width(), r.height() / sheetSize.height());
    QList<Stroke> all = m_strokes;
    if (m_current)
        all.append(*m_current);
    paintStrokes(p, all);
}

void DrawingCanvas::mousePressEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton)
        return;
    m_current =
        Stroke{m_colour, m_eraser ? m_width * 3 : m_width, m_eraser, {toSheet(event->position())}};
    update();
}

void DrawingCanvas::mouseMoveEvent(QMouseEvent *event)
{
    if (!m_current)
        return;
    m_current->points.append(toSheet(event->position()));
    update();
}

void DrawingCanvas::mouseReleaseEvent(QMouseEvent *event)
{
    if (!m_current || event->button() != Qt::LeftButton)
        return;
    addStroke(*m_current);
    m_current.reset();
}

void DrawingCanvas::addStroke(const Stroke &stroke)
{
    m_strokes.append(stroke);
    m_redo.clear();
    update();
    emit changed();
}

void DrawingCanvas::undo()
{
    if (m_strokes.isEmpty())
        return;
    m_redo.append(m_strokes.takeLast());
    update();
    emit changed();
}

void DrawingCanvas::redo()
{
    if (m_redo.isEmpty())
        return;
    m_strokes.append(m_redo.takeLast());
    update();
    emit changed();
}

void DrawingCanvas::reset()
{
    m_strokes.clear();
    m_redo.clear();
    m_current.reset();
    update();
    emit changed();
}

void DrawingCanvas::clear()
{
    // Clearing is undoable too: the strokes move to the redo stack in reverse order.
    while (!m_strokes.isEmpty())
        m_redo.append(m_strokes.takeLast());
    update();
    emit changed();
}

} // namespace ic::desktop
