#pragma once
// A white sheet that records strokes (pen or eraser) with undo/redo, rendered to a QImage.

#include <QColor>
#include <QImage>
#include <QList>
#include <QPolygonF>
#include <QWidget>

namespace ic::desktop {

class DrawingCanvas : public QWidget
{
    Q_OBJECT
public:
    struct Stroke
    {
        QColor colour;
        qreal width = 4;
        bool eraser = false;
        QPolygonF points;
    };

    static constexpr QSize sheetSize{800, 500};

    explicit DrawingCanvas(QWidget *parent = nullptr);

    void setPenColour(const QColor &c) { m_colour = c; }
    QColor penColour() const { return m_colour; }
    void setPenWidth(qreal w) { m_width = w; }
    void setEraser(bool on) { m_eraser = on; }
    bool eraser() const { return m_eraser; }

    bool canUndo() const { return !m_strokes.isEmpty(); }
    bool canRedo() const { return !m_redo.isEmpty(); }
    bool isEmpty() const { return m_strokes.isEmpty(); }
    void undo();
    void redo();
    void clear();
    // A fresh sheet with no history (after sending: the sent strokes cannot come back).
    void reset();
    // Adds a finished stroke (also used by tests).
    void addStroke(const Stroke &stroke);
    QImage render() const;

    QSize sizeHint() const override { return sheetSize; }

signals:
    void changed();

protected:
    void paintEvent(QPaintEvent *) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;

private:
    QPointF toSheet(const QPointF &widgetPos) const;
    QRectF sheetRect() const;
    static void paintStrokes(QPainter &p, const QList<Stroke> &strokes);

    QList<Stroke> m_strokes;
    QList<Stroke> m_redo;
    std::optional<Stroke> m_current;
    QColor m_colour = QColor(0x1d, 0x21, 0x2b);
    qreal m_width = 4;
    bool m_eraser = false;
};

} // namespace ic::desktop
