/* clibs-smoke.c — proves the cross-built static SQLite, libfuse3 and libgpiod link and work on aarch64-musl.
 *
 * Built by cross/clibs with -static for aarch64-linux-musl and run under qemu-aarch64-static.
 * Each check prints one line; the exit code is the number of failed checks (0 = all good).
 */
#define FUSE_USE_VERSION 31

#include <errno.h>
#include <fuse.h>
#include <fuse_opt.h>
#include <gpiod.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

/* "ok" when no check failed since `before`. */
static const char *verdict(int before) { return failures == before ? "ok" : "FAILED"; }

#define CHECK(cond, ...)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fputc('\n', stderr);                                                           \
            failures++;                                                                    \
        }                                                                                  \
    } while (0)

static void check_sqlite(void) {
    int before = failures;
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_open(":memory:", &db);
    CHECK(rc == SQLITE_OK, "sqlite3_open: %d", rc);
    if (rc != SQLITE_OK) return;
    CHECK(strcmp(sqlite3_libversion(), SQLITE_VERSION) == 0, "header %s, library %s", SQLITE_VERSION,
          sqlite3_libversion());
    CHECK(sqlite3_threadsafe() == 1, "sqlite3_threadsafe() = %d, want 1 (serialized)", sqlite3_threadsafe());

    char *err = NULL;
    rc = sqlite3_exec(db,
                      "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
                      "INSERT INTO t(name) VALUES ('rill');",
                      NULL, NULL, &err);
    CHECK(rc == SQLITE_OK, "create/insert: %s", err ? err : "?");
    sqlite3_free(err);

    rc = sqlite3_prepare_v2(db, "SELECT id, name FROM t WHERE name = ?1", -1, &stmt, NULL);
    CHECK(rc == SQLITE_OK, "prepare: %s", sqlite3_errmsg(db));
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, "rill", -1, SQLITE_STATIC);
        rc = sqlite3_step(stmt);
        CHECK(rc == SQLITE_ROW, "step: %d %s", rc, sqlite3_errmsg(db));
        if (rc == SQLITE_ROW) {
            const char *name = (const char *)sqlite3_column_text(stmt, 1);
            CHECK(sqlite3_column_int(stmt, 0) == 1, "id %d", sqlite3_column_int(stmt, 0));
            CHECK(name && strcmp(name, "rill") == 0, "name %s", name ? name : "(null)");
        }
        CHECK(sqlite3_step(stmt) == SQLITE_DONE, "more than one row");
        sqlite3_finalize(stmt);
    }

    /* Extension loading is compiled out: a static musl binary has no dlopen. */
    rc = sqlite3_exec(db, "SELECT load_extension('x')", NULL, NULL, NULL);
    CHECK(rc != SQLITE_OK, "load_extension() should not exist");

    sqlite3_close(db);
    printf("sqlite3 %s %s (source %s)\n", sqlite3_libversion(), verdict(before), sqlite3_sourceid());
}

struct smoke_opts {
    int verbose;
    char *name;
};

static const struct fuse_opt smoke_opt_spec[] = {
    {"--verbose", offsetof(struct smoke_opts, verbose), 1},
    {"name=%s", offsetof(struct smoke_opts, name), 0},
    FUSE_OPT_END,
};

static void check_fuse(void) {
    int before = failures;
    int version = fuse_version();
    CHECK(version >= 300 && version < 400, "fuse_version() = %d, want 3xx (major*100+minor)", version);
    CHECK(strncmp(fuse_pkgversion(), "3.", 2) == 0, "fuse_pkgversion() = %s", fuse_pkgversion());

    char *argv[] = {"smoke", "--verbose", "-o", "name=rill,ro", "/mnt/point", NULL};
    struct fuse_args args = FUSE_ARGS_INIT(5, argv);
    struct smoke_opts opts = {0, NULL};
    int rc = fuse_opt_parse(&args, &opts, smoke_opt_spec, NULL);
    CHECK(rc == 0, "fuse_opt_parse: %d", rc);
    CHECK(opts.verbose == 1, "verbose %d", opts.verbose);
    CHECK(opts.name && strcmp(opts.name, "rill") == 0, "name %s", opts.name ? opts.name : "(null)");
    /* Unknown options are kept for the caller: "ro" stays in -o, the mount point stays positional. */
    int kept_ro = 0, kept_mountpoint = 0;
    for (int i = 0; i < args.argc; i++) {
        if (strstr(args.argv[i], "ro")) kept_ro = 1;
        if (strcmp(args.argv[i], "/mnt/point") == 0) kept_mountpoint = 1;
    }
    CHECK(kept_ro && kept_mountpoint, "unparsed arguments not kept (argc %d)", args.argc);
    fuse_opt_free_args(&args);
    free(opts.name);

    /* fuse_new is the versioned high-level entry point (fuse_new@@FUSE_3.1): check it links statically
     * and creates a handle without mounting anything. */
    char *new_argv[] = {"smoke", NULL};
    struct fuse_args new_args = FUSE_ARGS_INIT(1, new_argv);
    struct fuse_operations ops;
    memset(&ops, 0, sizeof ops);
    struct fuse *fuse = fuse_new(&new_args, &ops, sizeof ops, NULL);
    CHECK(fuse != NULL, "fuse_new returned NULL");
    if (fuse) fuse_destroy(fuse);
    fuse_opt_free_args(&new_args);

    printf("fuse %s (fuse_version %d) %s\n", fuse_pkgversion(), version, verdict(before));
}

static void check_gpiod(void) {
    int before = failures;
    const char *version = gpiod_version_string();
    CHECK(version && strncmp(version, "1.6", 3) == 0, "gpiod_version_string() = %s", version ? version : "(null)");

    errno = 0;
    struct gpiod_chip *chip = gpiod_chip_open("/dev/gpiochip-does-not-exist");
    int saved = errno;
    CHECK(chip == NULL, "gpiod_chip_open opened a chip that does not exist");
    CHECK(saved == ENOENT, "errno %d (%s), want ENOENT", saved, strerror(saved));
    if (chip) gpiod_chip_close(chip);

    printf("libgpiod %s %s\n", version ? version : "?", verdict(before));
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0); /* keep stdout and stderr lines in order */
    check_sqlite();
    check_fuse();
    check_gpiod();
    if (failures) {
        fprintf(stderr, "clibs-smoke: %d check(s) failed\n", failures);
        return failures > 100 ? 100 : failures;
    }
    printf("clibs-smoke: all checks passed\n");
    return 0;
}
