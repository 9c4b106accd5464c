#include "Notifier.h"

#include <QApplication>

namespace ic::desktop {

Notifier::Decision Notifier::decide(bool windowFocused, bool roomShown, bool mention,
                                    bool soundEnabled, bool roomMuted, bool doNotDisturb,
                                    bool popupsEnabled)
{
    Decision d;
    if (doNotDisturb || (roomMuted && !mention))
        return d;
    // Someone looking at the room sees the message arrive; a mention is worth a nudge anyway.
    d.popup = popupsEnabled && (mention || !windowFocused || !roomShown);
    // Sound is stricter: a focused window (even on another tab) has its tab badge, so only a
    // mention beeps there. Never without the setting.
    d.sound = soundEnabled && (mention || !windowFocused);
    return d;
}

Notifier::Notifier(QObject *parent) : QObject(parent) {}

bool Notifier::doNotDisturb() const
{
    return m_doNotDisturb ||
           (m_doNotDisturbUntil.isValid() && QDateTime::currentDateTime() < m_doNotDisturbUntil);
}

Notifier::Decision Notifier::messageArrived(bool windowFocused, bool roomShown, bool mention,
                                            bool roomMuted)
{
    const Decision d = decide(windowFocused, roomShown, mention, m_soundEnabled, roomMuted,
                              doNotDisturb(), m_popupsEnabled);
    if (d.sound) {
        QApplication::beep();
        ++m_soundsPlayed;
        emit soundPlayed();
    }
    return d;
}

} // namespace ic::desktop
