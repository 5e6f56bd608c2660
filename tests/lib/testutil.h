/* testutil.h: fixtures shared by the cmocka tests: files, the vectors, a development PKI made
 * once per test process with certs-dev/make-dev-pki, and keys and certificates from it. */
#ifndef SC_TESTUTIL_H
#define SC_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "sealcore/error.h"
#include "sealcore/key.h"
#include "sealcore/verify.h"

/* Whole file into a new malloc'd buffer (NUL-terminated, len excludes it); 0 on success. */
int sc_test_read(const char *path, uint8_t **buf, size_t *len);
/* Write a file (mode 0644); 0 on success. */
int sc_test_write(const char *path, const void *buf, size_t len);

/* Directory of ../shared/vectors (env SC_VECTORS_DIR) and of tests/data (env SC_TEST_DATA). */
const char *sc_test_vectors(void);
/* Paths of every vector OFD (ofdrw/ and vendors/), at most max; aborts when fewer than the
 * 14 known ones are there. Returns *n. */
size_t sc_test_vector_ofds(char paths[][512], size_t max, size_t *n);
const char *sc_test_data(void);
/* dir + "/" + name, in a static ring of buffers (valid for the next 15 calls). */
const char *sc_test_path(const char *dir, const char *name);

/* A scratch directory for this process, removed at exit. */
const char *sc_test_tmpdir(void);

/* The development PKI (made on first use into the scratch directory): its directory, the DER
 * of NAME.pem (new buffer, caller frees), and NAME.key loaded with its password. The names
 * are make-dev-pki's: root-ca, seal-ca, seal-maker, signer-prov, signer-city, tsa, … A second,
 * unrelated PKI ("other") is made by sc_test_pki_other() for untrusted-maker tests. */
const char *sc_test_pki(void);
const char *sc_test_pki_other(void);
uint8_t *sc_test_cert(const char *pki_dir, const char *name, size_t *len);
/* Add the certificate file dir/name (PEM or DER) to t, as an anchor when anchor is 1.
 * @return 0, or -1 when it cannot be read or added (callers assert). */
int sc_test_add_trust(sc_trust *t, const char *dir, const char *name, int anchor);
sc_key *sc_test_key(const char *pki_dir, const char *name);

/* ISO 8601 to seconds; a typo in a test's time is a broken fixture: exits. */
int64_t sc_test_time(const char *iso);

/* 1 if check c of item i is want and (frag not NULL) its reason contains frag; else 0 with a
 * message naming the check, what was found and what was expected in msg. */
int sc_test_check_is(const sc_report *rep, size_t i, sc_check c, sc_result want,
                     const char *frag, char *msg, size_t msglen);
/* The same as a cmocka assertion (the including test has cmocka.h): fails the test with the
 * message and the line. */
#define SC_TEST_CHECK(rep, i, c, want, frag)                                               \
    do {                                                                                   \
        char m_[1600];                                                                     \
        if (!sc_test_check_is((rep), (i), (c), (want), (frag), m_, sizeof(m_)))            \
            fail_msg("line %d: %s", __LINE__, m_);                                         \
    } while (0)

/* A growing memory sink, the shape of sc_ofd_sink: what came is in buf (the caller frees
 * it), calls counts the calls. fail_at: the call that would pass that many bytes fails with
 * SC_EIO "test sink: full" (0: never). Start from { 0 } or with fail_at set. */
typedef struct sc_test_mem {
    uint8_t *buf;
    size_t len, cap, fail_at;
    unsigned calls;
} sc_test_mem;

int sc_test_mem_sink(void *ctx, const uint8_t *p, size_t n, sc_err *err);

/* Run a shell command; returns its exit status (or -1). Output goes to the test log. */
int sc_test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
