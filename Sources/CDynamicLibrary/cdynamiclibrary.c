#include "CDynamicLibrary.h"

#include <dlfcn.h>

/// The library `load` is loading: pthread_once's routine takes no argument.
static __thread cdl_library *loading;

static void load(void) {
    cdl_library *library = loading;
    void *handle = dlopen(library->soname, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        library->error = dlerror();
        return;
    }
    for (size_t index = 0; index < library->count; index++) {
        library->addresses[index] = dlsym(handle, library->symbols[index]);
        if (!library->addresses[index]) {
            library->error = dlerror();
            return;
        }
    }
}

int cdl_load(cdl_library *library, const char **error) {
    loading = library;
    pthread_once(&library->once, load);
    if (library->error) {
        if (error) *error = library->error;
        return -1;
    }
    return 0;
}
