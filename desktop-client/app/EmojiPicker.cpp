#include "EmojiPicker.h"

#include "EmojiCatalog.h"

#include <algorithm>

#include <QApplication>
#include <QCursor>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QScreen>
#include <QStyle>
#include <QVBoxLayout>

namespace ic::desktop {

EmojiPicker::EmojiPicker(QWidget *parent)
    // A Qt::Popup closes itself on an outside click, like any menu.
    : QFrame(parent, Qt::Popup), m_search(new QLineEdit(this)), m_grid(new QListWidget(this)),
      m_empty(new QLabel(QStringLiteral("No emoji found"), this))
{
    setObjectName(QStringLiteral("emojiPicker"));
    setFrameShape(QFrame::StyledPanel);
    setAccessibleName(QStringLiteral("Emoji picker"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->setSpacing(6);
    m_search->setPlaceholderText(QStringLiteral("Search emoji (e.g. smile, party, thumbs)"));
    m_search->setClearButtonEnabled(true);
    m_search->setAccessibleName(QStringLiteral("Search emoji"));
    m_search->installEventFilter(this);
    layout->addWidget(m_search);

    m_grid->setViewMode(QListView::IconMode);
    m_grid->setMovement(QListView::Static);
    m_grid->setResizeMode(QListView::Adjust);
    m_grid->setUniformItemSizes(true);
    m_grid->setFrameShape(QFrame::NoFrame);
    m_grid->setAccessibleName(QStringLiteral("Emoji"));
    m_grid->setMouseTracking(true);
    m_grid->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    QFont f = m_grid->font();
    f.setPointSizeF(f.pointSizeF() * 1.6);
    m_grid->setFont(f);
    m_cell = cellSize();
    m_grid->setGridSize(m_cell.grownBy(QMargins(2, 2, 2, 2)).expandedTo(QSize(38, 38)));
    m_grid->installEventFilter(this);
    layout->addWidget(m_grid, 1);
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setForegroundRole(QPalette::PlaceholderText);
    m_empty->hide();
    layout->addWidget(m_empty, 1);

    // Click or Enter/Space on a cell picks it (itemActivated covers the keyboard).
    connect(m_grid, &QListWidget::itemClicked, this,
            [this](QListWidgetItem *item) { pick(item->text()); });
    connect(m_grid, &QListWidget::itemActivated, this,
            [this](QListWidgetItem *item) { pick(item->text()); });
    connect(m_search, &QLineEdit::textChanged, this, &EmojiPicker::refill);
    resize(360, 300);
    refill();
}

QSize EmojiPicker::cellSize() const
{
    // Uniform item sizes take the first cell's size for all of them: sized by that glyph alone,
    // a wider one was elided to "…" (seen for 😂 and 😹; with the fonts here, 😴 and the keycaps).
    // Every cell gets room for the widest glyph of the catalogue, plus the style's text margins.
    const QFontMetrics fm(m_grid->font());
    int widest = 0;
    for (const auto &e : emoji::all())
        widest = std::max(widest, fm.horizontalAdvance(e.glyph));
    const int margin =
        m_grid->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, m_grid) + 1;
    return {widest + 2 * margin + 2, fm.height() + 2 * margin};
}

void EmojiPicker::refill()
{
    m_grid->clear();
    const auto matches = emoji::search(m_search->text());
    for (const auto &e : matches) {
        auto *item = new QListWidgetItem(e.glyph, m_grid);
        item->setTextAlignment(Qt::AlignCenter);
        item->setSizeHint(m_cell);
        // The name as tooltip and accessible text: a screen reader says "thumbs", not a glyph.
        item->setToolTip(e.keywords.join(QLatin1Char(' ')));
        item->setData(Qt::AccessibleTextRole, e.keywords.value(0));
    }
    m_grid->setVisible(!matches.isEmpty());
    m_empty->setVisible(matches.isEmpty());
    if (!matches.isEmpty())
        m_grid->setCurrentRow(0);
}

void EmojiPicker::pick(const QString &emoji)
{
    emit emojiPicked(emoji);
    hide();
}

void EmojiPicker::popup(QWidget *anchor)
{
    m_search->clear();
    refill();
    QPoint pos = anchor ? anchor->mapToGlobal(QPoint(anchor->width() - width(), -height() - 4))
                        : QCursor::pos();
    // Keep it on screen (the composer sits at the bottom, so it normally opens upwards).
    if (const QScreen *screen = anchor ? anchor->screen() : QApplication::primaryScreen()) {
        const QRect avail = screen->availableGeometry();
        pos.setX(
            std::clamp(pos.x(), avail.left(), std::max(avail.left(), avail.right() - width())));
        pos.setY(
            std::clamp(pos.y(), avail.top(), std::max(avail.top(), avail.bottom() - height())));
    }
    move(pos);
    show();
    raise();
    m_search->setFocus();
}

bool EmojiPicker::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() == QEvent::KeyPress) {
        auto *key = static_cast<QKeyEvent *>(event);
        if (key->key() == Qt::Key_Escape) {
            hide();
            return true;
        }
        if (watched == m_search) {
            if ((key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) &&
                m_grid->count() > 0) {
                const QListWidgetItem *item =
                    m_grid->currentItem() ? m_grid->currentItem() : m_grid->item(0);
                pick(item->text());
                return true;
            }
            if (key->key() == Qt::Key_Down || key->key() == Qt::Key_Tab) {
                m_grid->setFocus();
                return true;
            }
        }
    }
    return QFrame::eventFilter(watched, event);
}

} // namespace ic::desktop
