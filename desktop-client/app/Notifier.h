#pragma once
// When a new message should pop up a notification and/or make a sound
// (the product's awareness rules): notifications while the window is unfocused or the room is not
// the one shown, and always for mentions; sound (optional, off by default) for messages while the
// window is unfocused and always for mentions. Popups can be turned off for good (sound keeps its
// own setting); do-not-disturb silences both, until turned off or until a time. The rule is a pure
// function so it can be tested without a window manager; the sound is QApplication::beep() (no
// Qt Multimedia dependency).

#include <QDateTime>
#include <QObject>

namespace ic::desktop {

class Notifier : public QObject
{
    Q_OBJECT
public:
    struct Decision
    {
        bool popup = false; // tray message and taskbar alert
        bool sound = false;
        bool operator==(const Decision &) const = default;
    };

    // A muted room pops up and beeps only for mentions; do-not-disturb silences everything;
    // with popups off (the "Show notifications" setting) nothing pops up, mentions included, and
    // the sound still follows its own setting.
    static Decision decide(bool windowFocused, bool roomShown, bool mention, bool soundEnabled,
                           bool roomMuted = false, bool doNotDisturb = false,
                           bool popupsEnabled = true);

    explicit Notifier(QObject *parent = nullptr);

    bool soundEnabled() const { return m_soundEnabled; }
    void setSoundEnabled(bool enabled) { m_soundEnabled = enabled; }
    bool popupsEnabled() const { return m_popupsEnabled; }
    void setPopupsEnabled(bool enabled) { m_popupsEnabled = enabled; }
    // Do not disturb until turned off, or until a time (it ends by itself then).
    bool doNotDisturb() const;
    void setDoNotDisturb(bool on) { m_doNotDisturb = on; }
    QDateTime doNotDisturbUntil() const { return m_doNotDisturbUntil; }
    void setDoNotDisturbUntil(const QDateTime &until) { m_doNotDisturbUntil = until; }

    // Decides for one arrived message and plays the sound when due; the caller shows the popup.
    Decision messageArrived(bool windowFocused, bool roomShown, bool mention,
                            bool roomMuted = false);
    int soundsPlayed() const { return m_soundsPlayed; }

signals:
    void soundPlayed();

private:
    bool m_soundEnabled = false;
    bool m_popupsEnabled = true;
    bool m_doNotDisturb = false;
    QDateTime m_doNotDisturbUntil;
    int m_soundsPlayed = 0;
};

} // namespace ic::desktop
