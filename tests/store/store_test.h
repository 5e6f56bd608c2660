/* store_test.h: fixtures shared by the store's tests: a scratch directory, a fresh store per
 * test, raw SQL through the sqlite3 API (to tamper as an attacker would), and an assertion on
 * a code and a message fragment. */
#ifndef SS_STORE_TEST_H
#define SS_STORE_TEST_H

#include <stdint.h>

#include <sqlite3.h>

#include "audit.h"
#include "store.h"

/* A new, empty scratch path "DIR/NAME.db" (files of an earlier use removed); static ring of
 * 8 buffers. The directory is made once per process and removed at exit unless SC_TEST_KEEP. */
const char *st_path(const char *name);

/* A store opened on st_path(name); fails the test if it cannot be opened. */
ss_store *st_open(const char *name);

/* Run SQL on the file with a separate sqlite3 connection; returns the sqlite3_exec code. */
int st_sql(const char *path, const char *sql);
/* A raw connection (the caller closes it). */
sqlite3 *st_raw(const char *path);

/* Fail unless rc == code and err->msg contains frag (frag NULL: any message). */
void st_expect(int rc, const sc_err *err, int code, const char *frag, const char *file,
               int line);
#define EXPECT(rc, err, code, frag) st_expect((rc), (err), (code), (frag), __FILE__, __LINE__)
#define OK(rc, err) st_expect((rc), (err), 0, NULL, __FILE__, __LINE__)

/* Common rows: a unit, a client with a fresh token (id out), a seal with fake DER. */
int64_t st_unit(ss_store *st, const char *code);
int64_t st_client(ss_store *st, const char *name, uint32_t roles);
void st_seal(ss_store *st, int64_t unit, const char *es_id);

#endif
