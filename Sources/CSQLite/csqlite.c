#include "CSQLite.h"

#include "CDynamicLibrary.h"

#include <stddef.h>

/// SQLITE_TRANSIENT: SQLite copies what is bound.
#define TRANSIENT ((void (*)(void *))-1)

/// The SQLite functions Spool calls, resolved by `csqlite_load`.
static struct {
    int (*open_v2)(const char *, sqlite3 **, int, const char *);
    int (*close_v2)(sqlite3 *);
    const char *(*errstr)(int);
    const char *(*errmsg)(sqlite3 *);
    int (*extended_result_codes)(sqlite3 *, int);
    int (*exec)(sqlite3 *, const char *, int (*)(void *, int, char **, char **), void *, char **);
    int (*prepare_v3)(sqlite3 *, const char *, int, unsigned int, sqlite3_stmt **, const char **);
    int (*finalize)(sqlite3_stmt *);
    int (*reset)(sqlite3_stmt *);
    int (*step)(sqlite3_stmt *);
    int (*bind_int64)(sqlite3_stmt *, int, int64_t);
    int (*bind_text)(sqlite3_stmt *, int, const char *, int, void (*)(void *));
    int (*bind_blob64)(sqlite3_stmt *, int, const void *, uint64_t, void (*)(void *));
    int64_t (*column_int64)(sqlite3_stmt *, int);
    const unsigned char *(*column_text)(sqlite3_stmt *, int);
    int (*column_bytes)(sqlite3_stmt *, int);
    const void *(*column_blob)(sqlite3_stmt *, int);
} api;
/// In the order of `api`'s fields.
static const char *const symbols[] = {
    "sqlite3_open_v2", "sqlite3_close_v2", "sqlite3_errstr", "sqlite3_errmsg", "sqlite3_extended_result_codes",
    "sqlite3_exec", "sqlite3_prepare_v3", "sqlite3_finalize", "sqlite3_reset", "sqlite3_step", "sqlite3_bind_int64",
    "sqlite3_bind_text", "sqlite3_bind_blob64", "sqlite3_column_int64", "sqlite3_column_text", "sqlite3_column_bytes",
    "sqlite3_column_blob",
};
_Static_assert(sizeof(symbols) / sizeof(symbols[0]) == sizeof(api) / sizeof(void *), "one symbol per field");
static cdl_library library = CDL_LIBRARY_INIT("libsqlite3.so.0", symbols, &api);

int csqlite_load(const char **error) { return cdl_load(&library, error); }

int csqlite_open_v2(const char *path, sqlite3 **database, int flags, const char *vfs) {
    return api.open_v2(path, database, flags, vfs);
}
int csqlite_close_v2(sqlite3 *database) { return api.close_v2(database); }
const char *csqlite_errstr(int code) { return api.errstr(code); }
const char *csqlite_errmsg(sqlite3 *database) { return api.errmsg(database); }
int csqlite_extended_result_codes(sqlite3 *database, int on) { return api.extended_result_codes(database, on); }
int csqlite_exec(sqlite3 *database, const char *sql) { return api.exec(database, sql, NULL, NULL, NULL); }
int csqlite_prepare_v3(sqlite3 *database, const char *sql, unsigned int flags, sqlite3_stmt **statement) {
    return api.prepare_v3(database, sql, -1, flags, statement, NULL);
}
int csqlite_finalize(sqlite3_stmt *statement) { return api.finalize(statement); }
int csqlite_reset(sqlite3_stmt *statement) { return api.reset(statement); }
int csqlite_step(sqlite3_stmt *statement) { return api.step(statement); }
int csqlite_bind_int64(sqlite3_stmt *statement, int index, int64_t value) {
    return api.bind_int64(statement, index, value);
}
int csqlite_bind_text(sqlite3_stmt *statement, int index, const char *text) {
    return api.bind_text(statement, index, text, -1, TRANSIENT);
}
int csqlite_bind_blob64(sqlite3_stmt *statement, int index, const void *bytes, uint64_t count) {
    return api.bind_blob64(statement, index, bytes, count, TRANSIENT);
}
int64_t csqlite_column_int64(sqlite3_stmt *statement, int column) { return api.column_int64(statement, column); }
const unsigned char *csqlite_column_text(sqlite3_stmt *statement, int column) { return api.column_text(statement, column); }
int csqlite_column_bytes(sqlite3_stmt *statement, int column) { return api.column_bytes(statement, column); }
const void *csqlite_column_blob(sqlite3_stmt *statement, int column) { return api.column_blob(statement, column); }
