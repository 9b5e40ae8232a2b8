#include "CLibPQ.h"

#include "CDynamicLibrary.h"

static cpq_api api;
/// In the order of `cpq_api`'s fields.
static const char *const symbols[] = {
    "PQconnectdb", "PQstatus", "PQerrorMessage", "PQfinish", "PQexecParams", "PQprepare", "PQexecPrepared",
    "PQresultStatus", "PQresultErrorMessage", "PQresultErrorField", "PQntuples", "PQnfields", "PQgetvalue",
    "PQgetlength", "PQgetisnull", "PQcmdTuples", "PQclear", "PQsocket", "PQconsumeInput", "PQnotifies", "PQfreemem",
};
_Static_assert(sizeof(symbols) / sizeof(symbols[0]) == sizeof(cpq_api) / sizeof(void *), "one symbol per field");
static cdl_library library = CDL_LIBRARY_INIT("libpq.so.5", symbols, &api);

const cpq_api *cpq_load(const char **error) {
    return cdl_load(&library, error) == 0 ? &api : NULL;
}
