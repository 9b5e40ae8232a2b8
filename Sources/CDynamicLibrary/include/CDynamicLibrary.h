#ifndef CDYNAMICLIBRARY_H
#define CDYNAMICLIBRARY_H

// A shared library loaded with dlopen(3) on first use, and its functions
// resolved into a table, once, whichever thread asks first. CLibPQ, CSQLite
// and CSeccomp load theirs this way, so that a start maps only what it uses.

#include <pthread.h>
#include <stddef.h>

/// One library to load: its soname, the symbols to resolve and where to put
/// them (`addresses[i]` receives `symbols[i]`; a struct of function pointers
/// in the same order serves as the array). Define it statically with
/// `CDL_LIBRARY_INIT`.
typedef struct cdl_library {
    pthread_once_t once;
    const char *soname;
    const char *const *symbols;
    size_t count;
    void **addresses;
    const char *error;
} cdl_library;

/// A `cdl_library` not yet loaded.
#define CDL_LIBRARY_INIT(soname, symbols, addresses)                                                         \
    { PTHREAD_ONCE_INIT, (soname), (symbols), sizeof(symbols) / sizeof((symbols)[0]), (void **)(addresses), NULL }

/// Loads `library` and resolves its symbols, the first time only. Returns 0,
/// or -1 with `*error` (when not NULL) set to dlerror(3)'s message, the same
/// on every later call.
int cdl_load(cdl_library *library, const char **error);

#endif
