#ifndef SPOOL_CSQLITE_SHIM_H
#define SPOOL_CSQLITE_SHIM_H

#include <sqlite3.h>

/// SQLITE_TRANSIENT is a cast macro Swift cannot import: bound values are copied.
static inline sqlite3_destructor_type spool_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}

#endif
