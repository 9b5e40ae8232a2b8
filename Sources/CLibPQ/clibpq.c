#include "CLibPQ.h"

#include <dlfcn.h>
#include <pthread.h>

static cpq_api api;
static const char *load_error = "libpq not loaded";
static pthread_once_t once = PTHREAD_ONCE_INIT;

#define RESOLVE(field, symbol)                       \
    do {                                             \
        *(void **)&api.field = dlsym(library, symbol); \
        if (!api.field) {                            \
            load_error = dlerror();                  \
            return;                                  \
        }                                            \
    } while (0)

static void load(void) {
    void *library = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        load_error = dlerror();
        return;
    }
    RESOLVE(connectdb, "PQconnectdb");
    RESOLVE(status, "PQstatus");
    RESOLVE(error_message, "PQerrorMessage");
    RESOLVE(finish, "PQfinish");
    RESOLVE(exec_params, "PQexecParams");
    RESOLVE(prepare, "PQprepare");
    RESOLVE(exec_prepared, "PQexecPrepared");
    RESOLVE(result_status, "PQresultStatus");
    RESOLVE(result_error_message, "PQresultErrorMessage");
    RESOLVE(result_error_field, "PQresultErrorField");
    RESOLVE(ntuples, "PQntuples");
    RESOLVE(nfields, "PQnfields");
    RESOLVE(getvalue, "PQgetvalue");
    RESOLVE(getlength, "PQgetlength");
    RESOLVE(getisnull, "PQgetisnull");
    RESOLVE(cmd_tuples, "PQcmdTuples");
    RESOLVE(clear, "PQclear");
    RESOLVE(socket, "PQsocket");
    RESOLVE(consume_input, "PQconsumeInput");
    RESOLVE(notifies, "PQnotifies");
    RESOLVE(freemem, "PQfreemem");
    load_error = NULL;
}

const cpq_api *cpq_load(const char **error) {
    pthread_once(&once, load);
    if (load_error) {
        if (error) *error = load_error;
        return NULL;
    }
    return &api;
}
