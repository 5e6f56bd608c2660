/* test_ofd_write.c: the zip writer (ofd/ofd_zipw.h) and the OFD document writer
 * (sealcore/ofd_doc.h). Written packages are read back by our reader, by libzip, and where
 * installed by unzip -t / zipinfo and python3's zipfile (independent readers); every entry of
 * every vector OFD is copied raw and compared; limits are checked at N and N+1 with lowered
 * values through sc__zipw_new_limits. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "ofd/ofd_int.h"
#include "ofd/ofd_zipw.h"
#include "sc_int.h"
#include "sealcore/ofd.h"
#include "testutil.h"

/* ---- helpers ------------------------------------------------------------------------- */

/* A growing memory sink; fail_at: refuse the call that would pass that many bytes (0: never);
 * code: what to return then. */
struct mem {
    uint8_t *buf;
    size_t len, cap, fail_at;
    int code;
};

static int mem_sink(void *ctx, const uint8_t *p, size_t n, sc_err *err)
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
        m->buf = realloc(m->buf, ncap);
        assert_non_null(m->buf);
        m->cap = ncap;
    }
    memcpy(m->buf + m->len, p, n);
    m->len += n;
    return 0;
}

static sc__zipw *zw_new(struct mem *m, const sc__ofd_limits *lim, uint64_t max_offset)
{
    sc__zipw *w = NULL;
    sc_err err = SC_ERR_INIT;

    if (sc__zipw_new_limits(&w, mem_sink, m, lim != NULL ? lim : &sc__ofd_default_limits,
                            max_offset, &err) != 0)
        fail_msg("zipw_new: %s", err.msg);
    return w;
}

static void zw_add(sc__zipw *w, const char *name, const void *data, size_t len, int deflate)
{
    sc_err err = SC_ERR_INIT;

    if (sc__zipw_add(w, name, data, len, deflate, &err) != 0)
        fail_msg("add %s: %s", name, err.msg);
}

static void zw_finish(sc__zipw *w)
{
    sc_err err = SC_ERR_INIT;

    if (sc__zipw_finish(w, &err) != 0)
        fail_msg("finish: %s", err.msg);
    sc__zipw_free(w);
}

static void expect_rc(int rc, const sc_err *err, int code, const char *frag, const char *row)
{
    if (rc != code || (frag != NULL && strstr(err->msg, frag) == NULL))
        fail_msg("%s: got %d \"%s\", want %d \"%s\"", row, rc, err->msg, code,
                 frag != NULL ? frag : "");
}

static sc_ofd_pkg *open_ok(const uint8_t *buf, size_t len)
{
    sc_ofd_pkg *pkg = NULL;
    sc_err err = SC_ERR_INIT;

    if (sc_ofd_pkg_open_mem(&pkg, buf, len, &err) != 0)
        fail_msg("open: %s", err.msg);
    return pkg;
}

static int have(const char *tool)
{
    return sc_test_sh("command -v %s >/dev/null 2>&1", tool) == 0;
}

/* The independent readers on a file: unzip -t and zipinfo (Info-ZIP), python3 zipfile
 * (testzip checks every CRC). Each only where installed. */
static void external_readers_accept(const uint8_t *buf, size_t len, const char *fname)
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

static void vector_paths(char paths[][512], size_t max, size_t *n)
{
    static const char *dirs[] = { "ofdrw", "vendors" };

    *n = 0;
    for (size_t d = 0; d < 2; d++) {
        const char *dir = sc_test_path(sc_test_vectors(), dirs[d]);
        DIR *dh = opendir(dir);
        struct dirent *de;
        assert_non_null(dh);
        while ((de = readdir(dh)) != NULL) {
            size_t l = strlen(de->d_name);
            if (l > 4 && strcmp(de->d_name + l - 4, ".ofd") == 0 && *n < max)
                snprintf(paths[(*n)++], 512, "%s/%s", dir, de->d_name);
        }
        closedir(dh);
    }
    assert_true(*n >= 14);   /* 3 ofdrw + 11 vendors */
}

/* Copy every entry of the package at path into a new zip in m. */
static void copy_all(const char *path, struct mem *m)
{
    uint8_t *src = NULL;
    size_t len = 0;
    sc_ofd_pkg *pkg;
    sc__zipw *w = zw_new(m, NULL, 0xFFFFFFFFu);
    sc_err err = SC_ERR_INIT;

    assert_int_equal(sc_test_read(path, &src, &len), 0);
    pkg = open_ok(src, len);
    for (size_t i = 0; i < sc_ofd_pkg_count(pkg); i++)
        if (sc__zipw_copy(w, pkg, i, &err) != 0)
            fail_msg("%s: %s", path, err.msg);
    zw_finish(w);
    sc_ofd_pkg_free(pkg);
    free(src);
}

/* A small package: XML deflated, an image stored, an empty file, a directory, a UTF-8 name
 * and 1 MiB of compressible data. */
static const char *const sample_names[] = { "OFD.xml", "Doc_0/", "Doc_0/Res/image_5.png",
                                            "Doc_0/empty", "Doc_0/说明.txt", "Doc_0/big.bin" };

static uint8_t *sample_data(size_t i, size_t *len)
{
    static const char xml[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:OFD/>";
    static const char png[] = "\x89PNG\r\n\x1a\n not really an image";
    static const char txt[] = "电子证照 & <stamp>";
    uint8_t *b;

    switch (i) {
    case 0: *len = sizeof(xml) - 1; return (uint8_t *)strdup(xml);
    case 2: *len = sizeof(png) - 1; return (uint8_t *)strdup(png);
    case 4: *len = sizeof(txt) - 1; return (uint8_t *)strdup(txt);
    case 5:
        *len = 1u << 20;
        b = malloc(*len);
        assert_non_null(b);
        for (size_t k = 0; k < *len; k++)
            b[k] = (uint8_t)((k * 7) % 251 ^ (k >> 12));
        return b;
    default: *len = 0; return (uint8_t *)strdup("");
    }
}

static void write_sample(struct mem *m)
{
    sc__zipw *w = zw_new(m, NULL, 0xFFFFFFFFu);

    for (size_t i = 0; i < sizeof(sample_names) / sizeof(sample_names[0]); i++) {
        size_t len;
        uint8_t *d = sample_data(i, &len);
        zw_add(w, sample_names[i], d, len, i == 0 || i == 4 || i == 5);
        free(d);
    }
    zw_finish(w);
}

/* ---- zip writer ---------------------------------------------------------------------- */

static void zipw_add__round_trips_through_each_reader(void **state)
{
    struct mem m = { 0 };
    sc_ofd_pkg *pkg;
    zip_source_t *zs;
    zip_t *za;
    zip_error_t ze;

    (void)state;
    write_sample(&m);
    pkg = open_ok(m.buf, m.len);
    assert_int_equal(sc_ofd_pkg_count(pkg), 6);
    zip_error_init(&ze);
    assert_non_null(zs = zip_source_buffer_create(m.buf, m.len, 0, &ze));
    if ((za = zip_open_from_source(zs, ZIP_RDONLY | ZIP_CHECKCONS, &ze)) == NULL)
        fail_msg("libzip: %s", zip_error_strerror(&ze));
    for (size_t i = 0; i < 6; i++) {
        size_t want_len, len;
        uint8_t *want = sample_data(i, &want_len), *got = NULL;
        zip_stat_t st;
        sc_err err = SC_ERR_INIT;
        if (sc_ofd_pkg_read(pkg, i, SIZE_MAX, &got, &len, &err) != 0)
            fail_msg("%s: %s", sample_names[i], err.msg);
        assert_string_equal(sc_ofd_pkg_name(pkg, i), sample_names[i]);
        assert_int_equal(len, want_len);
        assert_memory_equal(got, want, len);
        assert_int_equal(zip_stat_index(za, i, 0, &st), 0);
        assert_string_equal(st.name, sample_names[i]);
        assert_int_equal(st.size, want_len);
        assert_int_equal(st.comp_method, i == 0 || i == 4 || i == 5 ? ZIP_CM_DEFLATE
                                                                    : ZIP_CM_STORE);
        if (len > 0) {
            zip_file_t *zf = zip_fopen_index(za, i, 0);
            uint8_t *lz = malloc(len);
            assert_non_null(zf);
            assert_int_equal(zip_fread(zf, lz, len), (zip_int64_t)len);
            assert_memory_equal(lz, want, len);
            zip_fclose(zf);
            free(lz);
        }
        free(want);
        free(got);
    }
    zip_close(za);
    zip_error_fini(&ze);
    assert_true(m.len < (1u << 20) / 4);   /* the 1 MiB entry was deflated */
    external_readers_accept(m.buf, m.len, "sample.zip");
    sc_ofd_pkg_free(pkg);
    free(m.buf);
}

static void zipw_add__same_input_gives_same_bytes(void **state)
{
    struct mem a = { 0 }, b = { 0 };

    (void)state;
    write_sample(&a);
    write_sample(&b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.buf, b.buf, a.len);
    free(a.buf);
    free(b.buf);
}

static void zipw_copy__keeps_every_entry_of_each_vector(void **state)
{
    char paths[32][512];
    size_t n;

    (void)state;
    vector_paths(paths, 32, &n);
    for (size_t v = 0; v < n; v++) {
        struct mem m = { 0 }, m2 = { 0 };
        uint8_t *src = NULL;
        size_t len = 0;
        sc_ofd_pkg *a, *b;
        sc_err err = SC_ERR_INIT;

        copy_all(paths[v], &m);
        copy_all(paths[v], &m2);                  /* deterministic copies too */
        assert_int_equal(m.len, m2.len);
        assert_memory_equal(m.buf, m2.buf, m.len);
        assert_int_equal(sc_test_read(paths[v], &src, &len), 0);
        a = open_ok(src, len);
        b = open_ok(m.buf, m.len);
        assert_int_equal(sc_ofd_pkg_count(a), sc_ofd_pkg_count(b));
        for (size_t i = 0; i < sc_ofd_pkg_count(a); i++) {
            uint8_t *da, *db;
            size_t la, lb;
            sc__ofd_raw_stat sa, sb;
            struct zip_file *za = NULL, *zb = NULL;
            assert_string_equal(sc_ofd_pkg_name(a, i), sc_ofd_pkg_name(b, i));
            if (sc__ofd_pkg_raw_open(a, i, &sa, &za, &err) != 0 ||
                sc__ofd_pkg_raw_open(b, i, &sb, &zb, &err) != 0)
                fail_msg("%s: %s", paths[v], err.msg);
            zip_fclose(za);
            zip_fclose(zb);
            assert_int_equal(sa.method, sb.method);
            assert_int_equal(sa.crc, sb.crc);
            assert_int_equal(sa.comp_size, sb.comp_size);
            assert_int_equal(sa.size, sb.size);
            if (sc_ofd_pkg_read(a, i, SIZE_MAX, &da, &la, &err) != 0 ||
                sc_ofd_pkg_read(b, i, SIZE_MAX, &db, &lb, &err) != 0)   /* checks the CRC */
                fail_msg("%s: %s: %s", paths[v], sc_ofd_pkg_name(a, i), err.msg);
            assert_int_equal(la, lb);
            assert_memory_equal(da, db, la);
            free(da);
            free(db);
        }
        if (v == 0)
            external_readers_accept(m.buf, m.len, "copy.zip");
        sc_ofd_pkg_free(a);
        sc_ofd_pkg_free(b);
        free(src);
        free(m.buf);
        free(m2.buf);
    }
}

static void zipw_add__refuses_each_bad_name(void **state)
{
    static const struct {
        const char *name;
        int code;
        const char *frag;
    } rows[] = {
        { "", SC_EINVAL, "empty name" },
        { "/OFD.xml", SC_EINVAL, "absolute name" },
        { "Doc_0\\Document.xml", SC_EINVAL, "backslash" },
        { "../OFD.xml", SC_EINVAL, "\"..\" in name" },
        { "Doc_0/../../x", SC_EINVAL, "\"..\" in name" },
        { "Doc_0/..", SC_EINVAL, "\"..\" in name" },
        { "OFD.xml", SC_EINVAL, "name already written" },
    };
    struct mem m = { 0 };
    sc__zipw *w = zw_new(&m, NULL, 0xFFFFFFFFu);
    sc_ofd_pkg *pkg;

    (void)state;
    zw_add(w, "OFD.xml", "x", 1, 1);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        sc_err err = SC_ERR_INIT;
        int rc = sc__zipw_add(w, rows[i].name, (const uint8_t *)"y", 1, 0, &err);
        expect_rc(rc, &err, rows[i].code, rows[i].frag, rows[i].name);
    }
    zw_add(w, "Doc_0/..x/a..", "z", 1, 0);      /* ".." only as a whole segment */
    zw_finish(w);                                /* refusals left the writer usable */
    pkg = open_ok(m.buf, m.len);
    assert_int_equal(sc_ofd_pkg_count(pkg), 2);
    sc_ofd_pkg_free(pkg);
    free(m.buf);
}

static void zipw_add__limits_name_at_n_and_n_plus_1(void **state)
{
    char name[SC_OFD_MAX_NAME + 2];
    struct mem m = { 0 };
    sc__zipw *w = zw_new(&m, NULL, 0xFFFFFFFFu);
    sc_err err = SC_ERR_INIT;
    sc_ofd_pkg *pkg;

    (void)state;
    memset(name, 'a', sizeof(name));
    name[SC_OFD_MAX_NAME + 1] = '\0';
    expect_rc(sc__zipw_add(w, name, (const uint8_t *)"1", 1, 0, &err), &err, SC_ELIMIT,
              "name of 1025 bytes, more than the 1024", "1025");
    name[SC_OFD_MAX_NAME] = '\0';
    zw_add(w, name, "1", 1, 0);
    zw_finish(w);
    pkg = open_ok(m.buf, m.len);                 /* the reader takes what the writer wrote */
    assert_string_equal(sc_ofd_pkg_name(pkg, 0), name);
    sc_ofd_pkg_free(pkg);
    free(m.buf);
}

static void zipw__sink_errors_propagate(void **state)
{
    static const size_t fail_at[] = { 1, 30, 40, 200, 300 };   /* header, name, data, CD */
    uint8_t data[100] = { 0 };

    (void)state;
    for (size_t i = 0; i < sizeof(fail_at) / sizeof(fail_at[0]); i++) {
        for (size_t k = 0; k < 2; k++) {   /* a sink's own code, or a bare 1 */
            int code = k == 0 ? SC_EIO : 1;
            struct mem m = { NULL, 0, 0, fail_at[i], code };
            sc__zipw *w = zw_new(&m, NULL, 0xFFFFFFFFu);
            sc_err err = SC_ERR_INIT;
            int rc = sc__zipw_add(w, "a", data, sizeof(data), 0, &err);
            if (rc == 0)
                rc = sc__zipw_add(w, "b", data, sizeof(data), 0, &err);
            if (rc == 0)
                rc = sc__zipw_finish(w, &err);
            expect_rc(rc, &err, SC_EIO, code < 0 ? "test sink: disk full" : "output refused",
                      "sink");
            assert_true(m.len <= fail_at[i]);
            sc_err_clear(&err);
            rc = sc__zipw_add(w, "c", data, 1, 0, &err);
            expect_rc(rc, &err, SC_EINVAL, "earlier write failed", "after");
            sc_err_clear(&err);
            expect_rc(sc__zipw_finish(w, &err), &err, SC_EINVAL, "earlier write failed", "fin");
            sc__zipw_free(w);
            free(m.buf);
        }
    }
}

static void zipw__limits_entries_and_sizes_at_n_and_n_plus_1(void **state)
{
    sc__ofd_limits lim = { 3, 100, 150, SC_OFD_MAX_NAME };
    uint8_t data[101] = { 0 };
    struct mem m = { 0 };
    sc__zipw *w = zw_new(&m, &lim, 0xFFFFFFFFu);
    sc_err err = SC_ERR_INIT;

    (void)state;
    expect_rc(sc__zipw_add(w, "big", data, 101, 1, &err), &err, SC_ELIMIT,
              "101 bytes, more than the 100 allowed", "entry N+1");
    zw_add(w, "a", data, 100, 1);                                   /* entry at N */
    sc_err_clear(&err);
    expect_rc(sc__zipw_add(w, "b", data, 51, 0, &err), &err, SC_ELIMIT,
              "would exceed 150 bytes", "total N+1");
    zw_add(w, "b", data, 50, 0);                                    /* total at N */
    zw_add(w, "c", data, 0, 0);                                     /* 3 entries: N */
    sc_err_clear(&err);
    expect_rc(sc__zipw_add(w, "d", data, 0, 0, &err), &err, SC_ELIMIT, "more than 3 entries",
              "entries N+1");
    zw_finish(w);
    free(m.buf);
}

/* One stored entry "a" of 10 bytes: 30 + 1 + 10 local, 46 + 1 central, 22 end = 110. */
static void zipw__limits_offsets_at_n_and_n_plus_1(void **state)
{
    uint8_t data[10] = { 0 };

    (void)state;
    for (uint64_t max = 109; max <= 110; max++) {
        struct mem m = { 0 };
        sc__zipw *w = zw_new(&m, NULL, max);
        sc_err err = SC_ERR_INIT;
        zw_add(w, "a", data, 10, 0);
        int rc = sc__zipw_finish(w, &err);
        expect_rc(rc, &err, max == 110 ? 0 : SC_ELIMIT,
                  max == 110 ? NULL : "central directory would pass 109 bytes", "finish");
        if (rc == 0)
            assert_int_equal(m.len, 110);
        sc__zipw_free(w);
        free(m.buf);
    }
    for (uint64_t max = 40; max <= 41; max++) {
        struct mem m = { 0 };
        sc__zipw *w = zw_new(&m, NULL, max);
        sc_err err = SC_ERR_INIT;
        expect_rc(sc__zipw_add(w, "a", data, 10, 0, &err), &err, max == 41 ? 0 : SC_ELIMIT,
                  max == 41 ? NULL : "package would pass 40 bytes (no ZIP64)", "add");
        sc__zipw_free(w);
        free(m.buf);
    }
}

/* A package with one stored entry whose method or flags are patched in both headers. */
static void zipw_copy__refuses_encrypted_and_unknown_methods(void **state)
{
    static const struct {
        size_t lfh_at, cdh_at;
        uint8_t value;
        int code;
        const char *frag;
    } rows[] = {
        { 8, 10, 12, SC_EUNSUPPORTED, "compression method 12" },   /* bzip2 */
        { 6, 8, 1, SC_EUNSUPPORTED, "encrypted" },                 /* general purpose bit 0 */
    };

    (void)state;
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        struct mem src = { 0 }, out = { 0 };
        sc__zipw *w = zw_new(&src, NULL, 0xFFFFFFFFu);
        sc_ofd_pkg *pkg;
        sc_err err = SC_ERR_INIT;

        zw_add(w, "x", "hello", 5, 0);
        zw_finish(w);
        src.buf[rows[r].lfh_at] = rows[r].value;
        src.buf[30 + 1 + 5 + rows[r].cdh_at] = rows[r].value;
        pkg = open_ok(src.buf, src.len);
        w = zw_new(&out, NULL, 0xFFFFFFFFu);
        expect_rc(sc__zipw_copy(w, pkg, 0, &err), &err, rows[r].code, rows[r].frag, "copy");
        assert_int_equal(out.len, 0);
        zw_add(w, "y", "ok", 2, 0);                 /* still usable */
        zw_finish(w);
        sc_ofd_pkg_free(pkg);
        free(src.buf);
        free(out.buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(zipw_add__round_trips_through_each_reader),
        cmocka_unit_test(zipw_add__same_input_gives_same_bytes),
        cmocka_unit_test(zipw_copy__keeps_every_entry_of_each_vector),
        cmocka_unit_test(zipw_add__refuses_each_bad_name),
        cmocka_unit_test(zipw_add__limits_name_at_n_and_n_plus_1),
        cmocka_unit_test(zipw__sink_errors_propagate),
        cmocka_unit_test(zipw__limits_entries_and_sizes_at_n_and_n_plus_1),
        cmocka_unit_test(zipw__limits_offsets_at_n_and_n_plus_1),
        cmocka_unit_test(zipw_copy__refuses_encrypted_and_unknown_methods),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
