#include "CSQLite.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

/// SQLITE_TRANSIENT: SQLite copies what is bound.
#define TRANSIENT ((void (*)(void *))-1)

/// The SQLite functions Spool calls, resolved by `load`.
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
static const char *load_error = "libsqlite3 not loaded";
static pthread_once_t once = PTHREAD_ONCE_INIT;

#define RESOLVE(field, symbol)                          \
    do {                                                \
        *(void **)&api.field = dlsym(library, symbol);  \
        if (!api.field) {                               \
            load_error = dlerror();                     \
            return;                                     \
        }                                               \
    } while (0)

static void load(void) {
    void *library = dlopen("libsqlite3.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        load_error = dlerror();
        return;
    }
    RESOLVE(open_v2, "sqlite3_open_v2");
    RESOLVE(close_v2, "sqlite3_close_v2");
    RESOLVE(errstr, "sqlite3_errstr");
    RESOLVE(errmsg, "sqlite3_errmsg");
    RESOLVE(extended_result_codes, "sqlite3_extended_result_codes");
    RESOLVE(exec, "sqlite3_exec");
    RESOLVE(prepare_v3, "sqlite3_prepare_v3");
    RESOLVE(finalize, "sqlite3_finalize");
    RESOLVE(reset, "sqlite3_reset");
    RESOLVE(step, "sqlite3_step");
    RESOLVE(bind_int64, "sqlite3_bind_int64");
    RESOLVE(bind_text, "sqlite3_bind_text");
    RESOLVE(bind_blob64, "sqlite3_bind_blob64");
    RESOLVE(column_int64, "sqlite3_column_int64");
    RESOLVE(column_text, "sqlite3_column_text");
    RESOLVE(column_bytes, "sqlite3_column_bytes");
    RESOLVE(column_blob, "sqlite3_column_blob");
    load_error = NULL;
}

int csqlite_load(const char **error) {
    pthread_once(&once, load);
    if (load_error) {
        if (error) *error = load_error;
        return -1;
    }
    return 0;
}

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
