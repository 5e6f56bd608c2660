/* sqlite_schema.c: the SQLite schema as an ordered list of migrations, and the code that
 * brings a database up to date (one transaction per migration) or refuses one written by a
 * newer binary. Append a migration to change the schema; never edit a released one, because
 * databases in the field have already run it. */
#include "sqlite_int.h"

#include <stdio.h>
#include <string.h>

/* 'SEAL' in the database header (PRAGMA application_id): tells our files from other SQLite
 * databases before any table is read. */
#define SQ_APPLICATION_ID 0x5345414c

struct migration {
    int version;
    const char *const *sql;   /* statements, NULL-terminated */
};

/* Times are int64 UTC seconds; hashes 32-byte blobs; STRICT tables refuse mistyped values.
 * Status words are stored as text so the file is readable with the sqlite3 shell. */
static const char *const v1[] = {
    "CREATE TABLE units ("
    "  id INTEGER PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE CHECK (length(code) = 18),"
    "  name TEXT NOT NULL CHECK (length(name) > 0),"
    "  created INTEGER NOT NULL) STRICT",
    "CREATE TABLE api_clients ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  roles INTEGER NOT NULL CHECK (roles BETWEEN 1 AND 31),"
    "  cert_subject TEXT UNIQUE,"
    "  cert_sha256 BLOB UNIQUE CHECK (cert_sha256 IS NULL OR length(cert_sha256) = 32),"
    "  token_hash BLOB UNIQUE CHECK (token_hash IS NULL OR length(token_hash) = 32),"
    "  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),"
    "  created INTEGER NOT NULL,"
    "  CHECK (cert_subject IS NOT NULL OR cert_sha256 IS NOT NULL"
    "         OR token_hash IS NOT NULL)) STRICT",
    "CREATE TABLE seal_applications ("
    "  id INTEGER PRIMARY KEY,"
    "  unit_id INTEGER NOT NULL REFERENCES units(id),"
    "  applicant_id INTEGER NOT NULL REFERENCES api_clients(id),"
    "  seal_type INTEGER NOT NULL CHECK (seal_type BETWEEN 1 AND 255),"
    "  name TEXT NOT NULL,"
    "  image BLOB NOT NULL,"
    "  image_format TEXT NOT NULL,"
    "  width_mm INTEGER NOT NULL CHECK (width_mm BETWEEN 1 AND 1000),"
    "  height_mm INTEGER NOT NULL CHECK (height_mm BETWEEN 1 AND 1000),"
    "  valid_from INTEGER NOT NULL,"
    "  valid_to INTEGER NOT NULL CHECK (valid_to > valid_from),"
    "  state TEXT NOT NULL DEFAULT 'pending'"
    "    CHECK (state IN ('pending', 'approved', 'rejected')),"
    "  reviewer_id INTEGER REFERENCES api_clients(id),"
    "  reason TEXT,"
    "  created INTEGER NOT NULL,"
    "  reviewed_at INTEGER,"
    "  es_id TEXT UNIQUE) STRICT",
    "CREATE INDEX seal_applications_unit ON seal_applications(unit_id, id)",
    "CREATE INDEX seal_applications_state ON seal_applications(state, id)",
    "CREATE TABLE seal_keys ("
    "  id INTEGER PRIMARY KEY,"
    "  pkcs8_pem BLOB NOT NULL,"
    "  signer_cert BLOB NOT NULL,"
    "  created INTEGER NOT NULL) STRICT",
    "CREATE TABLE seals ("
    "  id INTEGER PRIMARY KEY,"
    "  es_id TEXT NOT NULL UNIQUE,"
    "  unit_id INTEGER NOT NULL REFERENCES units(id),"
    "  application_id INTEGER UNIQUE REFERENCES seal_applications(id),"
    "  name TEXT NOT NULL,"
    "  seal_type INTEGER NOT NULL CHECK (seal_type BETWEEN 1 AND 255),"
    "  der BLOB NOT NULL,"
    "  signer_cert BLOB NOT NULL,"
    "  key_id INTEGER REFERENCES seal_keys(id),"
    "  valid_start INTEGER NOT NULL,"
    "  valid_end INTEGER NOT NULL,"
    "  status TEXT NOT NULL DEFAULT 'good'"
    "    CHECK (status IN ('good', 'suspended', 'revoked')),"
    "  created INTEGER NOT NULL) STRICT",
    "CREATE INDEX seals_unit ON seals(unit_id, id)",
    "CREATE INDEX seals_status ON seals(status, id)",
    /* the front end checks this first; the trigger keeps any other writer honest */
    "CREATE TRIGGER seals_revoked_final BEFORE UPDATE OF status ON seals"
    "  WHEN OLD.status = 'revoked'"
    "  BEGIN SELECT RAISE(ABORT, 'seal is revoked: revocation is final'); END",
    "CREATE TABLE seal_status_history ("
    "  id INTEGER PRIMARY KEY,"
    "  es_id TEXT NOT NULL REFERENCES seals(es_id),"
    "  status TEXT NOT NULL CHECK (status IN ('good', 'suspended', 'revoked')),"
    "  reason TEXT,"
    "  actor INTEGER NOT NULL,"
    "  at INTEGER NOT NULL) STRICT",
    "CREATE INDEX seal_status_history_seal ON seal_status_history(es_id, id)",
    "CREATE TABLE grants ("
    "  id INTEGER PRIMARY KEY,"
    "  client_id INTEGER NOT NULL REFERENCES api_clients(id),"
    "  es_id TEXT NOT NULL REFERENCES seals(es_id),"
    "  expires_at INTEGER,"
    "  use_limit INTEGER CHECK (use_limit IS NULL OR use_limit > 0),"
    "  uses INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0),"
    "  created INTEGER NOT NULL,"
    "  UNIQUE (client_id, es_id)) STRICT",
    "CREATE INDEX grants_seal ON grants(es_id)",
    "CREATE TABLE idempotency ("
    "  client_id INTEGER NOT NULL REFERENCES api_clients(id),"
    "  key TEXT NOT NULL,"
    "  request_sha256 BLOB NOT NULL CHECK (length(request_sha256) = 32),"
    "  response BLOB NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  PRIMARY KEY (client_id, key)) STRICT",
    "CREATE INDEX idempotency_created ON idempotency(created)",
    "CREATE TABLE audit_log ("
    "  seq INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL,"
    "  actor INTEGER NOT NULL,"
    "  action TEXT NOT NULL,"
    "  object TEXT NOT NULL,"
    "  details TEXT NOT NULL,"
    "  prev_hash BLOB NOT NULL,"
    "  hash BLOB NOT NULL) STRICT",
    "CREATE TABLE audit_head ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  seq INTEGER NOT NULL,"
    "  hash BLOB NOT NULL) STRICT",
    "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, zeroblob(32))",
    /* the chain detects tampering; these stop a bug or a stray statement from doing it */
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
    "  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
    "  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head"
    "  BEGIN SELECT RAISE(ABORT, 'audit_head is permanent'); END",
    NULL
};

/* Version 2: e-licences (spec/license-file.md). Licence files themselves are not here: they
 * live in a content-addressed directory next to the store (README.md "Licence files"); a
 * licence row names its file by SM3, size and location. */
static const char *const v2[] = {
    "CREATE TABLE license_types ("
    "  id INTEGER PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 64),"
    "  name TEXT NOT NULL CHECK (length(name) > 0),"
    "  template BLOB NOT NULL,"
    "  added_by INTEGER NOT NULL REFERENCES api_clients(id),"
    "  created INTEGER NOT NULL,"
    "  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))) STRICT",
    /* the template's background and font files, by the name the template gives */
    "CREATE TABLE license_type_files ("
    "  type_code TEXT NOT NULL REFERENCES license_types(code),"
    "  name TEXT NOT NULL,"
    "  data BLOB NOT NULL,"
    "  PRIMARY KEY (type_code, name)) STRICT",
    /* next serial (流水号) per type and issuer: taken with one UPDATE under the write lock */
    "CREATE TABLE license_serials ("
    "  type_code TEXT NOT NULL REFERENCES license_types(code),"
    "  issuer_code TEXT NOT NULL,"
    "  next INTEGER NOT NULL CHECK (next > 0),"
    "  PRIMARY KEY (type_code, issuer_code)) STRICT",
    /* who may issue licences of a type sealed with a seal (apart from signing grants) */
    "CREATE TABLE license_grants ("
    "  id INTEGER PRIMARY KEY,"
    "  client_id INTEGER NOT NULL REFERENCES api_clients(id),"
    "  es_id TEXT NOT NULL REFERENCES seals(es_id),"
    "  type_code TEXT NOT NULL REFERENCES license_types(code),"
    "  expires_at INTEGER,"
    "  created INTEGER NOT NULL,"
    "  UNIQUE (client_id, es_id, type_code)) STRICT",
    "CREATE TABLE licenses ("
    "  id INTEGER PRIMARY KEY,"
    "  zzbs TEXT NOT NULL UNIQUE,"
    "  type_code TEXT NOT NULL REFERENCES license_types(code),"
    "  issuer_code TEXT NOT NULL,"
    "  es_id TEXT NOT NULL REFERENCES seals(es_id),"
    "  serial TEXT NOT NULL,"
    "  version INTEGER NOT NULL CHECK (version BETWEEN 1 AND 999),"
    "  holder_name TEXT NOT NULL,"
    "  holder_code TEXT NOT NULL,"
    "  fields TEXT NOT NULL,"
    "  file_sm3 BLOB NOT NULL CHECK (length(file_sm3) = 32),"
    "  file_size INTEGER NOT NULL CHECK (file_size > 0),"
    "  file_loc TEXT NOT NULL,"
    "  valid_from INTEGER NOT NULL,"
    "  valid_to INTEGER,"
    "  status TEXT NOT NULL DEFAULT 'valid'"
    "    CHECK (status IN ('valid', 'suspended', 'revoked', 'voided')),"
    "  replaced_by TEXT UNIQUE REFERENCES licenses(zzbs),"
    "  batch_id TEXT,"
    "  batch_row INTEGER,"
    "  issued_by INTEGER NOT NULL REFERENCES api_clients(id),"
    "  created INTEGER NOT NULL,"
    "  UNIQUE (type_code, issuer_code, serial, version),"
    "  UNIQUE (issued_by, batch_id, batch_row)) STRICT",
    "CREATE INDEX licenses_holder ON licenses(holder_code)",
    "CREATE INDEX licenses_type ON licenses(type_code, id)",
    "CREATE TRIGGER licenses_final BEFORE UPDATE OF status ON licenses"
    "  WHEN OLD.status IN ('revoked', 'voided')"
    "  BEGIN SELECT RAISE(ABORT, 'licence is revoked or voided: that is final'); END",
    "CREATE TABLE license_status_history ("
    "  id INTEGER PRIMARY KEY,"
    "  zzbs TEXT NOT NULL REFERENCES licenses(zzbs),"
    "  status TEXT NOT NULL CHECK (status IN ('valid', 'suspended', 'revoked', 'voided')),"
    "  reason INTEGER,"
    "  text TEXT,"
    "  actor INTEGER NOT NULL,"
    "  at INTEGER NOT NULL) STRICT",
    "CREATE INDEX license_status_history_zzbs ON license_status_history(zzbs, id)",
    NULL
};

static const struct migration migrations[] = {
    { 1, v1 },
    { 2, v2 },
};

#define N_MIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

static int exec(sq_conn *c, const char *sql, const char *what, sc_err *err)
{
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : sq__err(c, rc, what, err);
}

static int int_query(sq_conn *c, const char *sql, int64_t *out, sc_err *err)
{
    int rc = sq__read_one(NULL, c, SQ_FRESH, sql, SQ_NO_ARGS, "store schema", &sq__i64_rec,
                          out, err);

    if (rc == SQ_NOROW)
        *out = 0;
    return rc == SQ_NOROW ? 0 : rc;
}

/* The highest version applied, 0 for a new file; refuses files that are not ours. Runs inside
 * a transaction, so another process migrating at the same time is seen consistently. */
static int current_version(sq_conn *c, const char *path, int64_t *version, sc_err *err)
{
    int64_t app_id = 0, has_table = 0, n_tables = 0;
    int rc;

    if ((rc = int_query(c, "PRAGMA application_id", &app_id, err)) != 0)
        return rc;
    if (app_id != 0 && app_id != SQ_APPLICATION_ID)
        return sc_err_set(err, SC_EIO, "store %s: a SQLite database of another application "
                          "(application_id 0x%llx)", path, (unsigned long long)app_id);
    if ((rc = int_query(c, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
                        "name = 'schema_version'", &has_table, err)) != 0 ||
        (rc = int_query(c, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
                        &n_tables, err)) != 0)
        return rc;
    if (!has_table) {
        if (n_tables != 0)
            return sc_err_set(err, SC_EIO, "store %s: has tables but no schema_version: not "
                              "a sealpki store", path);
        *version = 0;
        return 0;
    }
    return int_query(c, "SELECT coalesce(max(version), 0) FROM schema_version", version,
                     err);
}

static int apply(sq_conn *c, const char *path, const struct migration *m, sc_err *err)
{
    int64_t version = 0;
    size_t i;
    int rc;
    char what[64];

    if ((rc = exec(c, "BEGIN IMMEDIATE", "store migration", err)) != 0)
        return rc;
    /* re-read under the write lock: another process may have applied it meanwhile */
    if ((rc = current_version(c, path, &version, err)) != 0 || version >= m->version)
        goto out;
    snprintf(what, sizeof(what), "store migration %d", m->version);
    if ((rc = exec(c, "CREATE TABLE IF NOT EXISTS schema_version ("
                      "  version INTEGER PRIMARY KEY,"
                      "  applied_at INTEGER NOT NULL) STRICT", what, err)) != 0 ||
        (rc = exec(c, "PRAGMA application_id = 1397047628", what, err)) != 0)  /* 'SEAL' */
        goto out;
    for (i = 0; m->sql[i] != NULL; i++)
        if ((rc = exec(c, m->sql[i], what, err)) != 0)
            goto out;
    if ((rc = sq__write(NULL, c, SQ_FRESH, "INSERT INTO schema_version (version, applied_at) "
                        "VALUES (?1, CAST(strftime('%s', 'now') AS INTEGER))",
                        SQ_ARGS(SQ_INT(m->version)), what, NULL, NULL, err)) != 0)
        goto out;
    rc = exec(c, "COMMIT", what, err);
out:
    if (rc != 0 || version >= m->version)
        sqlite3_exec(c->db, rc != 0 ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
    return rc;
}

int sq__migrate(sq_conn *c, const char *path, sc_err *err)
{
    int64_t version = 0;
    size_t i;
    int rc;

    _Static_assert(SQ_APPLICATION_ID == 1397047628, "application_id literal in apply()");
    _Static_assert(N_MIGRATIONS == SS_STORE_SCHEMA_VERSION,
                   "one migration per schema version");
    if ((rc = exec(c, "BEGIN", "store schema", err)) != 0)
        return rc;
    rc = current_version(c, path, &version, err);
    sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    if (rc != 0)
        return rc;
    if (version > SS_STORE_SCHEMA_VERSION)
        return sc_err_set(err, SC_EUNSUPPORTED, "store %s: schema version %lld is newer than "
                          "this program's %d: run a newer sealpki (or restore a backup)",
                          path, (long long)version, SS_STORE_SCHEMA_VERSION);
    for (i = 0; i < N_MIGRATIONS; i++) {
        if (migrations[i].version <= version)
            continue;
        if ((rc = apply(c, path, &migrations[i], err)) != 0)
            return rc;
    }
    return 0;
}
