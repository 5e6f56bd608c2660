/* ofd_write_test.h: what test_ofd_zipw.c (the zip writer) and test_ofd_write.c (the OFD
 * document writer) share: call-and-check macros, a memory sink that can be told to fail, the
 * package reader opened on a written buffer, and the independent zip readers. Defined in
 * ofd_write_test.c, which tests/meson.build compiles into both programs. */
#ifndef SC_OFD_WRITE_TEST_H
#define SC_OFD_WRITE_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "sealcore/error.h"
#include "sealcore/ofd.h"

#define U(s) ((const uint8_t *)(s))
#define NROWS(a) (sizeof(a) / sizeof((a)[0]))
/* Run call, which fills the sc_err e_, and fail with its message unless it returns 0. */
#define OK(call)                                                                           \
    do {                                                                                   \
        sc_err e_ = SC_ERR_INIT;                                                           \
        if ((call) != 0)                                                                   \
            fail_msg("%s: %s", #call, e_.msg);                                             \
    } while (0)
/* Run call (filling e_) and require the code and a fragment of the message. */
#define REFUSES(code, frag, call)                                                          \
    do {                                                                                   \
        sc_err e_ = SC_ERR_INIT;                                                           \
        expect_rc((call), &e_, (code), (frag), #call);                                     \
    } while (0)

/* Fail naming row unless rc is code and (frag not NULL) err's message contains frag. */
void expect_rc(int rc, const sc_err *err, int code, const char *frag, const char *row);

/* A growing memory sink; fail_at: refuse the call that would pass that many bytes (0: never)
 * returning code (a negative one with a message). */
struct mem {
    uint8_t *buf;
    size_t len, cap, fail_at;
    int code;
};

int mem_sink(void *ctx, const uint8_t *p, size_t n, sc_err *err);

/* The package reader on buf, and an entry of it by index or name (size and CRC checked):
 * each fails the test on an error. */
sc_ofd_pkg *open_ok(const uint8_t *buf, size_t len);
uint8_t *read_ix(sc_ofd_pkg *pkg, size_t i, size_t *len);
uint8_t *read_entry(sc_ofd_pkg *pkg, const char *name, size_t *len);

/* The independent readers on buf written to fname in the scratch directory: unzip -t and
 * zipinfo (Info-ZIP), python3 zipfile (testzip checks every CRC). Each only where installed. */
void external_readers_accept(const uint8_t *buf, size_t len, const char *fname);

#endif
