/* sqlite.c: the SQLite backend's frame: opening the file (mode 0600), the connection pool,
 * per-connection settings, transactions and atomic writes, and the vtable.
 * Not here: running statements and reading rows (sqlite_stmt.c), the schema
 * (sqlite_schema.c), queries (sqlite_client.c, sqlite_seal.c, sqlite_audit.c).
 *
 * Threading: the server signs on N worker threads. A SQLite connection must not be used by two
 * threads at once, and one connection per request would pay the open and the statement
 * preparation every time, so the backend keeps a small pool: a call takes an idle connection
 * (opening one while fewer than max_conns exist, else waiting up to the busy timeout) and puts
 * it back. A transaction keeps its connection until it ends. In WAL mode readers never block
 * the writer nor each other; writers are serialised by BEGIN IMMEDIATE, which waits on the
 * busy handler instead of failing half-way through a transaction. */
#include "sqlite_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SQ_DEFAULT_CONNS 8
#define SQ_DEFAULT_BUSY_MS 5000

/* ---- atomic writes ---------------------------------------------------------------------- */

int sq__atomic_begin(void *be, void *tx, sq_conn **c, sc_err *err)
{
    int rc;

    if ((rc = sq__acquire(be, tx, c, err)) != 0)
        return rc;
    rc = sq__ctl(*c, (*c)->in_tx ? SQ_SAVEPOINT : SQ_BEGIN_IMMEDIATE);
    if (rc == SQLITE_OK)
        return 0;
    rc = sq__err(*c, rc, "store: starting a write", err);
    sq__release(be, tx, *c);
    *c = NULL;
    return rc;
}

int sq__atomic_end(void *be, void *tx, sq_conn *c, int rc, sc_err *err)
{
    int src;

    if (c == NULL)
        return rc;
    if (rc != 0 && c->in_tx) {
        sq__ctl(c, SQ_ROLLBACK_TO);   /* undoes the writes; RELEASE then ends the savepoint */
        sq__ctl(c, SQ_RELEASE);
    } else if (rc != 0) {
        sq__ctl(c, SQ_ROLLBACK);
    } else if ((src = sq__ctl(c, c->in_tx ? SQ_RELEASE : SQ_COMMIT)) != SQLITE_OK) {
        rc = sq__err(c, src, "store: committing a write", err);
        if (!c->in_tx)
            sq__ctl(c, SQ_ROLLBACK);
    }
    sq__release(be, tx, c);
    return rc;
}

/* ---- connections ----------------------------------------------------------------------- */

static void conn_close(sq_conn *c)
{
    size_t i;

    if (c == NULL)
        return;
    for (i = 0; i < SQ__N; i++)
        sqlite3_finalize(c->stmt[i]);
    sqlite3_close_v2(c->db);
    free(c);
}

static int conn_open(sq_be *be, sq_conn **out, sc_err *err)
{
    sq_conn *c = calloc(1, sizeof(*c));
    int rc;

    *out = NULL;
    if (c == NULL)
        return sc_err_set(err, SC_ENOMEM, "store: out of memory");
    /* NOMUTEX: the pool guarantees one thread per connection at a time */
    rc = sqlite3_open_v2(be->path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                         SQLITE_OPEN_EXRESCODE, NULL);
    if (rc != SQLITE_OK) {
        rc = sc_err_set(err, SC_EIO, "store %s: cannot open (SQLite: %s)", be->path,
                        c->db != NULL ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        goto out;
    }
    sqlite3_busy_timeout(c->db, (int)be->busy_ms);
    /* defensive: no writable_schema tricks through this connection */
    sqlite3_db_config(c->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
    sqlite3_db_config(c->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
    /* synchronous=FULL: a committed audit record survives a power cut, not only a crash.
     * temp_store=MEMORY: each operation in a transaction is a SAVEPOINT, whose statement
     * journal spilled to a temp file past 64 KiB: in a licence batch's group commit that was
     * ~22 KB and ~10 write calls a licence, more than its own file (a journal holds the
     * pages one store call changes, emptied at its RELEASE). Mind: sorts no index serves
     * (an ORDER BY, a migration's CREATE INDEX on a large table) are now in memory too. */
    rc = sqlite3_exec(c->db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; "
                      "PRAGMA temp_store = MEMORY", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        rc = sq__err(c, rc, "store: configuring a connection", err);
        goto out;
    }
    *out = c;
    c = NULL;
out:
    conn_close(c);
    return rc;
}

static int pool_wait_until(sq_be *be, struct timespec *until)
{
    clock_gettime(CLOCK_REALTIME, until);
    until->tv_sec += be->busy_ms / 1000;
    until->tv_nsec += (long)(be->busy_ms % 1000) * 1000000L;
    if (until->tv_nsec >= 1000000000L) {
        until->tv_sec++;
        until->tv_nsec -= 1000000000L;
    }
    return 0;
}

int sq__acquire(sq_be *be, void *tx, sq_conn **out, sc_err *err)
{
    struct timespec until;
    sq_conn *c = NULL;
    int rc = 0, open_one = 0;

    if (tx != NULL) {
        *out = tx;
        return 0;
    }
    *out = NULL;
    pool_wait_until(be, &until);
    pthread_mutex_lock(&be->mu);
    while (be->idle == NULL && be->n_open >= be->max_conns && rc == 0)
        rc = pthread_cond_timedwait(&be->cv, &be->mu, &until);
    if (be->idle != NULL) {
        c = be->idle;
        be->idle = c->next;
        c->next = NULL;
    } else if (be->n_open < be->max_conns) {
        be->n_open++;          /* reserve the slot; open outside the lock */
        open_one = 1;
    }
    pthread_mutex_unlock(&be->mu);
    if (c != NULL) {
        *out = c;
        return 0;
    }
    if (!open_one)
        return sc_err_set(err, SS_EBUSY, "store: all %u database connections stayed busy for "
                          "%u ms", be->max_conns, be->busy_ms);
    if ((rc = conn_open(be, &c, err)) != 0) {
        pthread_mutex_lock(&be->mu);
        be->n_open--;
        pthread_cond_signal(&be->cv);
        pthread_mutex_unlock(&be->mu);
        return rc;
    }
    *out = c;
    return 0;
}

void sq__release(sq_be *be, void *tx, sq_conn *c)
{
    if (c == NULL || tx != NULL)
        return;
    /* a connection goes back idle, never inside a transaction a failed call left open */
    if (!sqlite3_get_autocommit(c->db))
        sq__ctl(c, SQ_ROLLBACK);
    pthread_mutex_lock(&be->mu);
    c->next = be->idle;
    be->idle = c;
    pthread_cond_signal(&be->cv);
    pthread_mutex_unlock(&be->mu);
}

/* ---- open and close -------------------------------------------------------------------- */

/* Create the file 0600 when missing (before SQLite does, with the umask's mode); refuse an
 * existing file others can read unless allowed: it holds token hashes and encrypted keys. */
static int prepare_file(const char *path, int allow_shared, sc_err *err)
{
    struct stat sb;
    int fd;

    if (stat(path, &sb) != 0) {
        if (errno != ENOENT)
            return sc_err_set(err, SC_EIO, "store %s: %s", path, strerror(errno));
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            if (fchmod(fd, 0600) != 0) {   /* exactly 0600, whatever the umask */
                int e = errno;
                close(fd);
                return sc_err_set(err, SC_EIO, "store %s: cannot set mode 0600 (%s)", path,
                                  strerror(e));
            }
            close(fd);
            return 0;
        }
        if (errno != EEXIST)
            return sc_err_set(err, SC_EIO, "store %s: cannot create (%s)", path,
                              strerror(errno));
        /* the name exists after all: created meanwhile (check it below), or a link to a
         * missing file, which O_EXCL does not follow and stat cannot see: asking again
         * would loop for ever */
        if (stat(path, &sb) != 0) {
            if (lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode))
                return sc_err_set(err, SC_EINVAL, "store %s: a symbolic link to a missing "
                                  "file", path);
            return sc_err_set(err, SC_EIO, "store %s: %s", path, strerror(errno));
        }
    }
    if (!S_ISREG(sb.st_mode))
        return sc_err_set(err, SC_EINVAL, "store %s: not a regular file", path);
    if ((sb.st_mode & 077) != 0 && !allow_shared)
        return sc_err_set(err, SC_EINVAL, "store %s: mode %04o lets other users read it (it "
                          "holds credentials and keys): chmod 600 %s", path,
                          (unsigned)(sb.st_mode & 07777), path);
    return 0;
}

static const sq_col mode_col[] = { { SQ__C_TEXT, 0, 16, 0, "journal mode", NULL } };
static const sq_rec mode_rec = { 16, mode_col, 1, NULL, 0 };

static void be_free(sq_be *be)
{
    sq_conn *c, *next;

    if (be == NULL)
        return;
    for (c = be->idle; c != NULL; c = next) {
        next = c->next;
        conn_close(c);
    }
    pthread_mutex_destroy(&be->mu);
    pthread_cond_destroy(&be->cv);
    free(be->path);
    free(be);
}

static void sq_close(void *be)
{
    be_free(be);
}

int ss__sqlite_open(void **out, const char *path, const ss_sqlite_opts *opts, sc_err *err)
{
    sq_be *be = NULL;
    sq_conn *c = NULL;
    char mode[16];
    int rc;

    *out = NULL;
    if (!sqlite3_threadsafe())
        return sc_err_set(err, SC_EUNSUPPORTED, "store: SQLite was built without threads");
    if ((rc = prepare_file(path, opts != NULL && opts->allow_shared_mode, err)) != 0)
        return rc;
    if ((be = calloc(1, sizeof(*be))) == NULL || (be->path = strdup(path)) == NULL) {
        free(be);
        return sc_err_set(err, SC_ENOMEM, "store: out of memory");
    }
    be->max_conns = opts != NULL && opts->max_conns != 0 ? opts->max_conns : SQ_DEFAULT_CONNS;
    be->busy_ms = opts != NULL && opts->busy_timeout_ms != 0 ? opts->busy_timeout_ms
                                                             : SQ_DEFAULT_BUSY_MS;
    if (be->busy_ms > 600000)
        be->busy_ms = 600000;   /* fits the int sqlite3_busy_timeout takes, with margin */
    pthread_mutex_init(&be->mu, NULL);
    pthread_cond_init(&be->cv, NULL);
    if ((rc = conn_open(be, &c, err)) != 0)
        goto out;
    be->n_open = 1;
    /* WAL is a property of the file: set once, kept by every later open */
    rc = sq__read_one(NULL, c, SQ_FRESH, "PRAGMA journal_mode = WAL", SQ_NO_ARGS,
                      "store: switching to WAL", &mode_rec, mode, err);
    if (rc == SQ_NOROW || (rc == 0 && strcmp(mode, "wal") != 0)) {
        rc = sc_err_set(err, SC_EIO, "store %s: cannot use WAL mode (journal mode is %s; "
                        "is the file on a network file system?)", path,
                        rc == 0 ? mode : "unknown");
        goto out;
    }
    if (rc != 0)
        goto out;
    if ((rc = sq__migrate(c, path, err)) != 0)
        goto out;
    c->next = NULL;
    be->idle = c;
    c = NULL;
    *out = be;
    be = NULL;
out:
    conn_close(c);
    be_free(be);
    return rc;
}

/* ---- transactions and small queries ---------------------------------------------------- */

static int sq_tx_begin(void *bep, void **tx, sc_err *err)
{
    sq_be *be = bep;
    sq_conn *c = NULL;
    int rc;

    *tx = NULL;
    if ((rc = sq__acquire(be, NULL, &c, err)) != 0)
        return rc;
    /* IMMEDIATE: take the write lock now, waiting on the busy handler; a deferred
     * transaction would fail at its first write if another writer got in first */
    if ((rc = sq__ctl(c, SQ_BEGIN_IMMEDIATE)) != SQLITE_OK) {
        rc = sq__err(c, rc, "store: beginning a transaction", err);
        sq__release(be, NULL, c);
        return rc;
    }
    c->in_tx = 1;
    *tx = c;
    return 0;
}

static int sq_tx_commit(void *bep, void *tx, sc_err *err)
{
    sq_conn *c = tx;
    int rc = sq__ctl(c, SQ_COMMIT);

    if (rc != SQLITE_OK)
        rc = sq__err(c, rc, "store: committing the transaction (rolled back)", err);
    c->in_tx = 0;
    sq__release(bep, NULL, c);    /* rolls back if the commit failed */
    return rc;
}

static void sq_tx_rollback(void *bep, void *tx)
{
    sq_conn *c = tx;

    if (!sqlite3_get_autocommit(c->db))
        sq__ctl(c, SQ_ROLLBACK);
    c->in_tx = 0;
    sq__release(bep, NULL, c);
}

static int sq_schema_version(void *bep, void *tx, int *version, sc_err *err)
{
    int64_t v = 0;
    int rc = sq__read_one(bep, tx, SQ_SCHEMA_VERSION, "SELECT max(version) FROM "
                          "schema_version", SQ_NO_ARGS, "store schema version", &sq__i64_rec,
                          &v, err);

    if (rc == SQ_NOROW)
        rc = sc_err_set(err, SC_EIO, "store schema version: no answer");
    *version = rc == 0 ? (int)v : 0;
    return rc;
}

const ss__store_ops ss__sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .schema_version = sq_schema_version,
    .tx_begin = sq_tx_begin,
    .tx_commit = sq_tx_commit,
    .tx_rollback = sq_tx_rollback,
    .unit_add = sq__unit_add,
    .unit_find = sq__unit_find,
    .unit_list = sq__unit_list,
    .client_add = sq__client_add,
    .client_find = sq__client_find,
    .client_list = sq__client_list,
    .client_set_disabled = sq__client_set_disabled,
    .client_set_token = sq__client_set_token,
    .app_add = sq__app_add,
    .app_get = sq__app_get,
    .app_list = sq__app_list,
    .app_set_review = sq__app_set_review,
    .key_add = sq__key_add,
    .key_get = sq__key_get,
    .seal_add = sq__seal_add,
    .seal_get = sq__seal_get,
    .seal_list = sq__seal_list,
    .seal_set_status = sq__seal_set_status,
    .seal_history = sq__seal_history,
    .grant_add = sq__grant_add,
    .grant_get = sq__grant_get,
    .grant_list = sq__grant_list,
    .grant_delete = sq__grant_delete,
    .grant_count = sq__grant_count,
    .idem_get = sq__idem_get,
    .idem_put = sq__idem_put,
    .idem_purge = sq__idem_purge,
    .audit_head = sq__audit_head,
    .audit_insert = sq__audit_insert,
    .audit_scan = sq__audit_scan,
    .files_base = sq__files_base,
    .lic_type_add = sq__lic_type_add,
    .lic_type_get = sq__lic_type_get,
    .lic_type_list = sq__lic_type_list,
    .lic_type_files = sq__lic_type_files,
    .lic_type_set_disabled = sq__lic_type_set_disabled,
    .lic_grant_add = sq__lic_grant_add,
    .lic_grant_get = sq__lic_grant_get,
    .lic_grant_list = sq__lic_grant_list,
    .lic_grant_delete = sq__lic_grant_delete,
    .lic_serial_take = sq__lic_serial_take,
    .lic_add = sq__lic_add,
    .lic_get = sq__lic_get,
    .lic_by_batch = sq__lic_by_batch,
    .lic_batch_rows = sq__lic_batch_rows,
    .lic_list = sq__lic_list,
    .lic_set_status = sq__lic_set_status,
    .lic_history = sq__lic_history,
};
