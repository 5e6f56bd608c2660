/* ofd_write_test.c: the helpers ofd_write_test.h declares, compiled into test_ofd_zipw and
 * test_ofd_write. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ofd_write_test.h"
#include "testutil.h"

void expect_rc(int rc, const sc_err *err, int code, const char *frag, const char *row)
{
    if (rc != code || (frag != NULL && strstr(err->msg, frag) == NULL))
        fail_msg("%s: got %d \"%s\", want %d \"%s\"", row, rc, err->msg, code,
                 frag != NULL ? frag : "");
}

int mem_sink(void *ctx, const uint8_t *p, size_t n, sc_err *err)
{
    struct mem *m = ctx;

    if (m->fail_at != 0 && m->len + n > m->fail_at) {
        if (m->code < 0)
            sc_err_set(err, m->code, "test sink: disk full");
        return m->code;
    }
    if (m->len + n > m->cap) {
        size_t ncap = m->cap ? m->cap : 4096;
        while (ncap < m->len + n)
            ncap *= 2;
        assert_non_null(m->buf = realloc(m->buf, ncap));
        m->cap = ncap;
    }
    memcpy(m->buf + m->len, p, n);
    m->len += n;
    return 0;
}

sc_ofd_pkg *open_ok(const uint8_t *buf, size_t len)
{
    sc_ofd_pkg *pkg = NULL;

    OK(sc_ofd_pkg_open_mem(&pkg, buf, len, &e_));
    return pkg;
}

uint8_t *read_ix(sc_ofd_pkg *pkg, size_t i, size_t *len)
{
    uint8_t *buf = NULL;

    OK(sc_ofd_pkg_read(pkg, i, SIZE_MAX, &buf, len, &e_));   /* checks size and CRC */
    return buf;
}

uint8_t *read_entry(sc_ofd_pkg *pkg, const char *name, size_t *len)
{
    size_t i = 0;

    OK(sc_ofd_pkg_find(pkg, NULL, name, &i, &e_));
    return read_ix(pkg, i, len);
}

static int have(const char *tool)
{
    return sc_test_sh("command -v %s >/dev/null 2>&1", tool) == 0;
}

void external_readers_accept(const uint8_t *buf, size_t len, const char *fname)
{
    const char *path = sc_test_path(sc_test_tmpdir(), fname);

    assert_int_equal(sc_test_write(path, buf, len), 0);
    if (have("unzip"))
        assert_int_equal(sc_test_sh("unzip -tq '%s'", path), 0);
    if (have("zipinfo"))
        assert_int_equal(sc_test_sh("zipinfo '%s' >/dev/null", path), 0);
    if (have("python3"))
        assert_int_equal(sc_test_sh("python3 -c 'import sys, zipfile\n"
                                    "z = zipfile.ZipFile(sys.argv[1])\n"
                                    "sys.exit(1 if z.testzip() is not None else 0)' '%s'",
                                    path), 0);
}
