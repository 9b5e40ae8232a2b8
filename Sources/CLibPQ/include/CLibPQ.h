#ifndef CLIBPQ_H
#define CLIBPQ_H

// libpq, PostgreSQL's client library, loaded with dlopen(3) when spoold is
// started with --postgresql and never otherwise: libpq brings ~20 shared
// libraries (TLS, Kerberos, LDAP) that every other start would pay to map.
// The declarations are libpq's stable ABI (soname libpq.so.5), written out
// here so that building spoold needs no libpq headers.

#include <stddef.h>

typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;
typedef unsigned int Oid;

/// A notification from LISTEN, as libpq lays it out.
typedef struct cpq_notify {
    char *relname;
    int be_pid;
    char *extra;
    struct cpq_notify *next;
} cpq_notify;

enum {
    CPQ_CONNECTION_OK = 0,
    CPQ_PGRES_COMMAND_OK = 1,
    CPQ_PGRES_TUPLES_OK = 2,
    CPQ_PG_DIAG_SQLSTATE = 'C',
};

/// The libpq functions spoold calls.
typedef struct cpq_api {
    PGconn *(*connectdb)(const char *conninfo);
    int (*status)(const PGconn *conn);
    char *(*error_message)(const PGconn *conn);
    void (*finish)(PGconn *conn);
    PGresult *(*exec_params)(PGconn *conn, const char *command, int n_params, const Oid *param_types,
                             const char *const *param_values, const int *param_lengths,
                             const int *param_formats, int result_format);
    PGresult *(*prepare)(PGconn *conn, const char *name, const char *command, int n_params, const Oid *param_types);
    PGresult *(*exec_prepared)(PGconn *conn, const char *name, int n_params, const char *const *param_values,
                               const int *param_lengths, const int *param_formats, int result_format);
    int (*result_status)(const PGresult *result);
    char *(*result_error_message)(const PGresult *result);
    char *(*result_error_field)(const PGresult *result, int field);
    int (*ntuples)(const PGresult *result);
    int (*nfields)(const PGresult *result);
    char *(*getvalue)(const PGresult *result, int row, int column);
    int (*getlength)(const PGresult *result, int row, int column);
    int (*getisnull)(const PGresult *result, int row, int column);
    char *(*cmd_tuples)(PGresult *result);
    void (*clear)(PGresult *result);
    int (*socket)(const PGconn *conn);
    int (*consume_input)(PGconn *conn);
    cpq_notify *(*notifies)(PGconn *conn);
    void (*freemem)(void *pointer);
} cpq_api;

/// Loads libpq.so.5 once; NULL when it cannot be loaded, with the reason
/// in *error (dlerror's text).
const cpq_api *cpq_load(const char **error);

#endif
