#pragma once
// A one-line plain-text label that never asks for more width than its neighbours leave it: when
// the text does not fit it ends in "…" and the whole text is its tool tip. Room names and the
// header's facts use it, so a long name cannot make the window wide.

#include <QLabel>

namespace ic::desktop {

class ElidingLabel : public QLabel
{
    Q_OBJECT
public:
    explicit ElidingLabel(QWidget *parent = nullptr);

    void setFullText(const QString &text);
    QString fullText() const { return m_full; }

    QSize minimumSizeHint() const override;
    QSize sizeHint() const override;

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void updateShown();

    QString m_full;
};

} // namespace ic::desktop
