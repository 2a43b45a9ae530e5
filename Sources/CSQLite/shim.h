#ifndef RILL_CSQLITE_SHIM_H
#define RILL_CSQLITE_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT is a cast macro Swift cannot import; this function returns it.
static inline sqlite3_destructor_type rill_sqlite_transient(void) { return SQLITE_TRANSIENT; }
#endif
