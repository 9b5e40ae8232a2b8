/* The architecture's dbus-arch-deps.h, for CDBus (see CDBus.h). */
