#ifndef SPOOL_CDBUS_SHIM_H
#define SPOOL_CDBUS_SHIM_H

#include <dbus/dbus.h>

#endif
