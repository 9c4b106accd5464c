#pragma once
// The main window without a server, for the widget tests: rooms whose connection is never opened
// (frames go straight into their sessions), and a window that has the keyboard focus.

#include "MainWindow.h"
#include "RoomConnection.h"
#include "RoomView.h"

#include <QApplication>
#include <QTest>

namespace ictest {

// A tab for `room` whose connection stays closed.
inline ic::desktop::RoomView *offlineRoom(ic::desktop::MainWindow &window, const QString &room)
{
    ic::desktop::RoomConnection::Config config;
    config.room = room;
    return window.adoptRoom(new ic::desktop::RoomConnection(config), false);
}

// Shows the window and waits until it is the active one: key clicks and focus checks need that.
inline bool showActive(QWidget *window)
{
    window->show();
    QApplication::setActiveWindow(window);
    return QTest::qWaitForWindowActive(window);
}

} // namespace ictest
