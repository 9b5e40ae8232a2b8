#ifndef CSQLITE_H
#define CSQLITE_H

// SQLite for Swift, loaded with dlopen(3) the first time a connection opens.
// spoold opens SQLite only to convert the spool.db an earlier release left in
// its state directory, so every other start maps one shared library fewer.
// The declarations are SQLite 3's stable ABI (soname libsqlite3.so.0),
// written out here so that building spoold needs no SQLite headers.

#include <stdint.h>

typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;

/// The result codes and flags Spool uses, as sqlite3.h defines them.
#define SQLITE_OK 0
#define SQLITE_ERROR 1
#define SQLITE_READONLY 8
#define SQLITE_CORRUPT 11
#define SQLITE_FULL 13
#define SQLITE_CANTOPEN 14
#define SQLITE_NOTADB 26
#define SQLITE_ROW 100
#define SQLITE_DONE 101
#define SQLITE_OPEN_READWRITE 0x00000002
#define SQLITE_OPEN_CREATE 0x00000004
#define SQLITE_OPEN_NOMUTEX 0x00008000
#define SQLITE_PREPARE_PERSISTENT 0x01

/// Loads libsqlite3.so.0 once. Returns 0, or -1 with `*error` (when not NULL)
/// set to dlerror(3)'s message. Call it, successfully, before the functions
/// below: they call through what it resolved.
int csqlite_load(const char **error);

/// `sqlite3_open_v2`.
int csqlite_open_v2(const char *path, sqlite3 **database, int flags, const char *vfs);
/// `sqlite3_close_v2`.
int csqlite_close_v2(sqlite3 *database);
/// `sqlite3_errstr`.
const char *csqlite_errstr(int code);
/// `sqlite3_errmsg`.
const char *csqlite_errmsg(sqlite3 *database);
/// `sqlite3_extended_result_codes`.
int csqlite_extended_result_codes(sqlite3 *database, int on);
/// `sqlite3_exec` without a callback.
int csqlite_exec(sqlite3 *database, const char *sql);
/// `sqlite3_prepare_v3` of a NUL-terminated statement.
int csqlite_prepare_v3(sqlite3 *database, const char *sql, unsigned int flags, sqlite3_stmt **statement);
/// `sqlite3_finalize`.
int csqlite_finalize(sqlite3_stmt *statement);
/// `sqlite3_reset`.
int csqlite_reset(sqlite3_stmt *statement);
/// `sqlite3_step`.
int csqlite_step(sqlite3_stmt *statement);
/// `sqlite3_bind_int64`.
int csqlite_bind_int64(sqlite3_stmt *statement, int index, int64_t value);
/// `sqlite3_bind_text`, the text copied (`SQLITE_TRANSIENT`).
int csqlite_bind_text(sqlite3_stmt *statement, int index, const char *text);
/// `sqlite3_bind_blob64`, the bytes copied (`SQLITE_TRANSIENT`).
int csqlite_bind_blob64(sqlite3_stmt *statement, int index, const void *bytes, uint64_t count);
/// `sqlite3_column_int64`.
int64_t csqlite_column_int64(sqlite3_stmt *statement, int column);
/// `sqlite3_column_text`.
const unsigned char *csqlite_column_text(sqlite3_stmt *statement, int column);
/// `sqlite3_column_bytes`.
int csqlite_column_bytes(sqlite3_stmt *statement, int column);
/// `sqlite3_column_blob`.
const void *csqlite_column_blob(sqlite3_stmt *statement, int column);

#endif
