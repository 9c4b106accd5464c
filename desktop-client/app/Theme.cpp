#include "Theme.h"

#include <QApplication>
#include <QStyle>
#include <QStyleFactory>

namespace ic::desktop::theme {
namespace {

QPalette lightPalette()
{
    QPalette p;
    p.setColor(QPalette::Window, QColor(0xf3, 0xf4, 0xf7));
    p.setColor(QPalette::WindowText, QColor(0x1d, 0x21, 0x2b));
    p.setColor(QPalette::Base, QColor(0xff, 0xff, 0xff));
    p.setColor(QPalette::AlternateBase, QColor(0xea, 0xec, 0xf1));
    p.setColor(QPalette::Text, QColor(0x1d, 0x21, 0x2b));
    p.setColor(QPalette::Button, QColor(0xfa, 0xfb, 0xfc));
    p.setColor(QPalette::ButtonText, QColor(0x1d, 0x21, 0x2b));
    p.setColor(QPalette::Highlight, QColor(0x2f, 0x6f, 0xeb));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x1f, 0x5f, 0xd6));
    p.setColor(QPalette::PlaceholderText, QColor(0x80, 0x86, 0x93));
    p.setColor(QPalette::ToolTipBase, QColor(0x1d, 0x21, 0x2b));
    p.setColor(QPalette::ToolTipText, Qt::white);
    p.setColor(QPalette::Mid, QColor(0xc9, 0xcd, 0xd6));
    p.setColor(QPalette::Dark, QColor(0x9a, 0xa0, 0xac));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x9a, 0xa0, 0xac));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x9a, 0xa0, 0xac));
    return p;
}

QPalette darkPalette()
{
    QPalette p;
    p.setColor(QPalette::Window, QColor(0x1b, 0x1e, 0x25));
    p.setColor(QPalette::WindowText, QColor(0xe4, 0xe7, 0xee));
    p.setColor(QPalette::Base, QColor(0x23, 0x27, 0x30));
    p.setColor(QPalette::AlternateBase, QColor(0x2b, 0x30, 0x3b));
    p.setColor(QPalette::Text, QColor(0xe4, 0xe7, 0xee));
    p.setColor(QPalette::Button, QColor(0x2b, 0x30, 0x3b));
    p.setColor(QPalette::ButtonText, QColor(0xe4, 0xe7, 0xee));
    p.setColor(QPalette::Highlight, QColor(0x4c, 0x8d, 0xff));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x7a, 0xb0, 0xff));
    p.setColor(QPalette::PlaceholderText, QColor(0x85, 0x8c, 0x99));
    p.setColor(QPalette::ToolTipBase, QColor(0xe4, 0xe7, 0xee));
    p.setColor(QPalette::ToolTipText, QColor(0x1b, 0x1e, 0x25));
    p.setColor(QPalette::Mid, QColor(0x3a, 0x40, 0x4c));
    p.setColor(QPalette::Dark, QColor(0x12, 0x14, 0x19));
    p.setColor(QPalette::Light, QColor(0x3a, 0x40, 0x4c));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x6a, 0x70, 0x7c));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x6a, 0x70, 0x7c));
    return p;
}

} // namespace

void apply(AppSettings::Theme theme)
{
    // Fusion draws the same on every platform and honours the palette fully.
    static const QPalette systemPalette = QApplication::palette();
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    switch (theme) {
    case AppSettings::Theme::Light:
        QApplication::setPalette(lightPalette());
        break;
    case AppSettings::Theme::Dark:
        QApplication::setPalette(darkPalette());
        break;
    case AppSettings::Theme::System:
        // Follow the OS: its palette if it is dark, our light palette otherwise (Fusion's own
        // default light palette is greyer than the look we want).
        QApplication::setPalette(isDark(systemPalette) ? darkPalette() : lightPalette());
        break;
    }
}

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Window).lightness() < 128;
}

QColor accent(const QPalette &palette)
{
    return palette.color(QPalette::Highlight);
}

QColor nameColour(const QString &userId, const QPalette &palette)
{
    // A hue from the id; lightness tuned per theme so names stay readable.
    const uint hue = qHash(userId) % 360;
    return isDark(palette) ? QColor::fromHsl(int(hue), 170, 170)
                           : QColor::fromHsl(int(hue), 160, 85);
}

} // namespace ic::desktop::theme
