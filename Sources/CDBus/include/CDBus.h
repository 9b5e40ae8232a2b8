#ifndef CDBUS_H
#define CDBUS_H

// libdbus, linked from its static archive (see Package.swift). Its headers
// are found through include/dbus, a link to the system's
// /usr/include/dbus-1.0/dbus (libdbus-1-dev), and CDBusArch's include/dbus
// (the architecture's dbus-arch-deps.h): a C target's include directory
// reaches every module that imports it, which pkg-config's flags, given by
// hand, would not.

#include <dbus/dbus.h>

#endif
