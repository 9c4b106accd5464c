#pragma once
// The drawing window: colour swatches, width, eraser, undo/redo, clear (confirmed), send.

#include <QWidget>

class QLabel;
class QPushButton;
class QToolButton;

namespace ic::desktop {

class DrawingCanvas;

class DrawingWindow : public QWidget
{
    Q_OBJECT
public:
    explicit DrawingWindow(const QString &roomName, QWidget *parent = nullptr);
    DrawingCanvas *canvas() const { return m_canvas; }
    void setStatus(const QString &text);
    void resetAfterSend();

signals:
    void sendRequested(const QImage &image);

private:
    void updateButtons();

    DrawingCanvas *m_canvas;
    QToolButton *m_undo;
    QToolButton *m_redo;
    QToolButton *m_eraser;
    QPushButton *m_send;
    QLabel *m_status;
};

} // namespace ic::desktop
