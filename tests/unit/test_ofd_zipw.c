/* test_ofd_zipw.c: the zip writer (ofd/ofd_zipw.h). Written packages are read back by our
 * reader, by libzip, and where installed by unzip -t / zipinfo and python3's zipfile
 * (independent readers); every entry of every vector OFD is copied raw and compared; limits
 * are checked at N and N+1 (lowered through sc__zipw_new_limits). The OFD document writer on
 * top of it: test_ofd_write.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "ofd/ofd_int.h"
#include "ofd/ofd_zipw.h"
#include "ofd_write_test.h"
#include "sealcore/ofd.h"
#include "testutil.h"

/* ---- helpers ------------------------------------------------------------------------- */

static sc__zipw *zw_new(struct mem *m, const sc__ofd_limits *lim, uint64_t max_offset)
{
    sc__zipw *w = NULL;

    OK(sc__zipw_new_limits(&w, mem_sink, m, lim != NULL ? lim : &sc__ofd_default_limits,
                           max_offset, &e_));
    return w;
}

static void zw_finish(sc__zipw *w)
{
    OK(sc__zipw_finish(w, &e_));
    sc__zipw_free(w);
}

/* Copy every entry of pkg into a new zip in m. */
static void copy_all(sc_ofd_pkg *pkg, struct mem *m)
{
    sc__zipw *w = zw_new(m, NULL, 0xFFFFFFFFu);

    for (size_t i = 0; i < sc_ofd_pkg_count(pkg); i++)
        OK(sc__zipw_copy(w, pkg, i, &e_));
    zw_finish(w);
}

/* A small package: XML deflated, an image stored, an empty file, a directory, a UTF-8 name
 * and 1 MiB of compressible data (deflated). */
static const char *const sample_names[] = { "OFD.xml", "Doc_0/", "Doc_0/Res/image_5.png",
                                            "Doc_0/empty", "Doc_0/说明.txt", "Doc_0/big.bin" };
static const int sample_deflated[] = { 1, 0, 0, 0, 1, 1 };

static uint8_t *sample_data(size_t i, size_t *len)
{
    static const char *const small[] = {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:OFD/>", "",
        "\x89PNG\r\n\x1a\n not really an image", "", "电子证照 & <stamp>" };
    uint8_t *b;

    if (i < 5) {
        *len = strlen(small[i]);
        return (uint8_t *)strdup(small[i]);
    }
    *len = 1u << 20;
    assert_non_null(b = malloc(*len));
    for (size_t k = 0; k < *len; k++)
        b[k] = (uint8_t)((k * 7) % 251 ^ (k >> 12));
    return b;
}

static void write_sample(struct mem *m)
{
    sc__zipw *w = zw_new(m, NULL, 0xFFFFFFFFu);

    for (size_t i = 0; i < NROWS(sample_names); i++) {
        size_t len;
        uint8_t *d = sample_data(i, &len);
        OK(sc__zipw_add(w, sample_names[i], d, len, sample_deflated[i], &e_));
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
        uint8_t *want = sample_data(i, &want_len), *got = read_ix(pkg, i, &len);
        uint8_t *lz = malloc(want_len + 1);
        zip_file_t *zf = zip_fopen_index(za, i, 0);
        zip_stat_t st;
        assert_string_equal(sc_ofd_pkg_name(pkg, i), sample_names[i]);
        assert_int_equal(len, want_len);
        assert_memory_equal(got, want, len);
        assert_int_equal(zip_stat_index(za, i, 0, &st), 0);
        assert_string_equal(st.name, sample_names[i]);
        assert_int_equal(st.size, want_len);
        assert_int_equal(st.comp_method, sample_deflated[i] ? ZIP_CM_DEFLATE : ZIP_CM_STORE);
        assert_non_null(zf);
        assert_int_equal(zip_fread(zf, lz, want_len + 1), (zip_int64_t)want_len);
        assert_memory_equal(lz, want, want_len);
        zip_fclose(zf);
        free(lz);
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

/* The stored (compressed) bytes of entry i. */
static uint8_t *stored_bytes(sc_ofd_pkg *pkg, size_t i, size_t *len)
{
    sc__ofd_raw_stat st;
    struct zip_file *zf = NULL;
    uint8_t *b;

    OK(sc__ofd_pkg_raw_open(pkg, i, &st, &zf, &e_));
    assert_non_null(b = malloc(st.comp_size + 1));
    assert_int_equal(zip_fread(zf, b, st.comp_size + 1), (zip_int64_t)st.comp_size);
    zip_fclose(zf);
    *len = (size_t)st.comp_size;
    return b;
}

/* The writer keeps one compressor for all its entries: an entry must come out exactly as
 * from a fresh writer, whatever was deflated before it (a big entry, then the document, then
 * the document again). libdeflate keeps no state between calls; this guards the writer, not
 * the library, should it ever keep a stream across entries again (as it did with zlib). */
static void zipw_add__deflates_each_entry_as_a_fresh_stream(void **state)
{
    struct mem a = { 0 }, b = { 0 };
    size_t big_len, doc_len, la, lb;
    uint8_t *big = sample_data(5, &big_len), *doc = sample_data(0, &doc_len), *ra, *rb;
    sc__zipw *w;
    sc_ofd_pkg *pa, *pb;

    (void)state;
    w = zw_new(&a, NULL, 0xFFFFFFFFu);
    OK(sc__zipw_add(w, "x.xml", doc, doc_len, 1, &e_));
    zw_finish(w);
    w = zw_new(&b, NULL, 0xFFFFFFFFu);
    OK(sc__zipw_add(w, "first.bin", big, big_len, 1, &e_));
    OK(sc__zipw_add(w, "x.xml", doc, doc_len, 1, &e_));
    OK(sc__zipw_add(w, "y.xml", doc, doc_len, 1, &e_));
    zw_finish(w);
    pa = open_ok(a.buf, a.len);
    pb = open_ok(b.buf, b.len);
    ra = stored_bytes(pa, 0, &la);
    for (size_t i = 1; i <= 2; i++) {
        rb = stored_bytes(pb, i, &lb);
        assert_int_equal(la, lb);
        assert_memory_equal(ra, rb, la);
        free(rb);
    }
    free(ra);
    free(big);
    free(doc);
    sc_ofd_pkg_free(pa);
    sc_ofd_pkg_free(pb);
    free(a.buf);
    free(b.buf);
}

/* A level set after an entry was deflated applies to the next one: it comes out as from a
 * new writer at that level, not at the level before. */
static void zipw_set_deflate__a_new_level_applies_to_the_next_entry(void **state)
{
    struct mem a = { 0 }, b = { 0 };
    size_t big_len, la, lb;
    uint8_t *big = sample_data(5, &big_len), *ra, *rb;
    sc__zipw *w;
    sc_ofd_pkg *pa, *pb;

    (void)state;
    w = zw_new(&a, NULL, 0xFFFFFFFFu);
    OK(sc__zipw_add(w, "first.bin", big, big_len, 1, &e_));       /* at 6 */
    OK(sc__zipw_set_deflate(w, 1, 0, &e_));
    OK(sc__zipw_add(w, "second.bin", big, big_len, 1, &e_));      /* at 1 */
    zw_finish(w);
    w = zw_new(&b, NULL, 0xFFFFFFFFu);
    OK(sc__zipw_set_deflate(w, 1, 0, &e_));
    OK(sc__zipw_add(w, "x.bin", big, big_len, 1, &e_));
    zw_finish(w);
    pa = open_ok(a.buf, a.len);
    pb = open_ok(b.buf, b.len);
    ra = stored_bytes(pa, 1, &la);
    rb = stored_bytes(pb, 0, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(ra, rb, la);
    free(ra);
    ra = stored_bytes(pa, 0, &la);                                  /* and 6 differed */
    assert_true(la != lb || memcmp(ra, rb, la) != 0);
    free(ra);
    free(rb);
    free(big);
    sc_ofd_pkg_free(pa);
    sc_ofd_pkg_free(pb);
    free(a.buf);
    free(b.buf);
}

/* sc__zipw_set_deflate: entries under min_len stored though deflate was asked, longer ones
 * deflated at the level set (level 1 gives other bytes than 6, both read back the same);
 * levels outside 1..9 refused. */
static void zipw_set_deflate__level_and_small_entries_stored(void **state)
{
    struct mem a = { 0 }, b = { 0 };
    size_t big_len, doc_len, la, lb, len;
    uint8_t *big = sample_data(5, &big_len), *doc = sample_data(0, &doc_len), *ra, *rb, *got;
    sc__zipw *w;
    sc_ofd_pkg *pa, *pb;
    sc__ofd_raw_stat st;
    struct zip_file *zf = NULL;

    (void)state;
    w = zw_new(&b, NULL, 0xFFFFFFFFu);
    REFUSES(SC_EINVAL, "deflate level 0", sc__zipw_set_deflate(w, 0, 0, &e_));
    REFUSES(SC_EINVAL, "deflate level 10", sc__zipw_set_deflate(w, 10, 0, &e_));
    OK(sc__zipw_set_deflate(w, 1, doc_len + 1, &e_));
    OK(sc__zipw_add(w, "big.bin", big, big_len, 1, &e_));
    OK(sc__zipw_add(w, "x.xml", doc, doc_len, 1, &e_));
    zw_finish(w);
    pb = open_ok(b.buf, b.len);
    rb = stored_bytes(pb, 0, &lb);
    w = zw_new(&a, NULL, 0xFFFFFFFFu);   /* the default level */
    OK(sc__zipw_add(w, "big.bin", big, big_len, 1, &e_));
    zw_finish(w);
    pa = open_ok(a.buf, a.len);
    ra = stored_bytes(pa, 0, &la);
    assert_true(la != lb || memcmp(ra, rb, la) != 0);   /* level 1, not 6 */
    free(ra);
    free(rb);
    sc_ofd_pkg_free(pa);
    free(a.buf);
    got = read_ix(pb, 0, &len);
    assert_int_equal(len, big_len);
    assert_memory_equal(got, big, len);
    free(got);
    OK(sc__ofd_pkg_raw_open(pb, 1, &st, &zf, &e_));
    zip_fclose(zf);
    assert_int_equal(st.method, 0);                   /* shorter than min_len: stored */
    got = read_ix(pb, 1, &len);
    assert_int_equal(len, doc_len);
    assert_memory_equal(got, doc, len);
    free(got);
    external_readers_accept(b.buf, b.len, "level1.zip");
    sc_ofd_pkg_free(pb);
    free(b.buf);
    free(big);
    free(doc);
}

static void zipw_copy__keeps_every_entry_of_each_vector(void **state)
{
    char paths[32][512];
    size_t n;

    (void)state;
    sc_test_vector_ofds(paths, 32, &n);
    for (size_t v = 0; v < n; v++) {
        struct mem m = { 0 }, m2 = { 0 };
        uint8_t *src = NULL;
        size_t len = 0;
        sc_ofd_pkg *a, *b;

        assert_int_equal(sc_test_read(paths[v], &src, &len), 0);
        a = open_ok(src, len);
        copy_all(a, &m);
        copy_all(a, &m2);                          /* copies are deterministic too */
        assert_int_equal(m.len, m2.len);
        assert_memory_equal(m.buf, m2.buf, m.len);
        b = open_ok(m.buf, m.len);
        assert_int_equal(sc_ofd_pkg_count(a), sc_ofd_pkg_count(b));
        for (size_t i = 0; i < sc_ofd_pkg_count(a); i++) {
            size_t la, lb;
            uint8_t *da = read_ix(a, i, &la), *db = read_ix(b, i, &lb);
            sc__ofd_raw_stat sa, sb;
            struct zip_file *za = NULL, *zb = NULL;
            assert_string_equal(sc_ofd_pkg_name(a, i), sc_ofd_pkg_name(b, i));
            OK(sc__ofd_pkg_raw_open(a, i, &sa, &za, &e_));
            OK(sc__ofd_pkg_raw_open(b, i, &sb, &zb, &e_));
            zip_fclose(za);
            zip_fclose(zb);
            assert_memory_equal(&sa, &sb, sizeof(sa));   /* method, CRC, sizes */
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
        const char *name, *frag;
    } rows[] = {
        { "", "empty name" },
        { "/OFD.xml", "absolute name" },
        { "Doc_0\\Document.xml", "backslash" },
        { "../OFD.xml", "\"..\" in name" },
        { "Doc_0/../../x", "\"..\" in name" },
        { "Doc_0/..", "\"..\" in name" },
        { "OFD.xml", "name already written" },
    };
    struct mem m = { 0 };
    sc__zipw *w = zw_new(&m, NULL, 0xFFFFFFFFu);
    sc_ofd_pkg *pkg;

    (void)state;
    OK(sc__zipw_add(w, "OFD.xml", U("x"), 1, 1, &e_));
    for (size_t i = 0; i < NROWS(rows); i++)
        REFUSES(SC_EINVAL, rows[i].frag, sc__zipw_add(w, rows[i].name, U("y"), 1, 0, &e_));
    OK(sc__zipw_add(w, "Doc_0/..x/a..", U("z"), 1, 0, &e_));   /* ".." only as a segment */
    zw_finish(w);                                              /* refusals left it usable */
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
    sc_ofd_pkg *pkg;

    (void)state;
    memset(name, 'a', sizeof(name));
    name[SC_OFD_MAX_NAME + 1] = '\0';
    REFUSES(SC_ELIMIT, "name of 1025 bytes, more than the 1024",
            sc__zipw_add(w, name, U("1"), 1, 0, &e_));
    name[SC_OFD_MAX_NAME] = '\0';
    OK(sc__zipw_add(w, name, U("1"), 1, 0, &e_));
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
    for (size_t i = 0; i < NROWS(fail_at); i++) {
        for (int code = SC_EIO; code != 2; code = code == SC_EIO ? 1 : 2) {   /* own, bare 1 */
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
            REFUSES(SC_EINVAL, "earlier write failed", sc__zipw_add(w, "c", data, 1, 0, &e_));
            REFUSES(SC_EINVAL, "earlier write failed", sc__zipw_finish(w, &e_));
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

    (void)state;
    REFUSES(SC_ELIMIT, "101 bytes, more than the 100 allowed",
            sc__zipw_add(w, "big", data, 101, 1, &e_));
    OK(sc__zipw_add(w, "a", data, 100, 1, &e_));                 /* entry size at N */
    REFUSES(SC_ELIMIT, "would exceed 150 bytes", sc__zipw_add(w, "b", data, 51, 0, &e_));
    OK(sc__zipw_add(w, "b", data, 50, 0, &e_));                  /* total at N */
    OK(sc__zipw_add(w, "c", data, 0, 0, &e_));                   /* 3 entries: N */
    REFUSES(SC_ELIMIT, "more than 3 entries", sc__zipw_add(w, "d", data, 0, 0, &e_));
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
        OK(sc__zipw_add(w, "a", data, 10, 0, &e_));
        REFUSES(max == 110 ? 0 : SC_ELIMIT, max == 110 ? NULL : "central directory would pass "
                "109 bytes", sc__zipw_finish(w, &e_));
        assert_int_equal(m.len, max == 110 ? 110 : 41);
        sc__zipw_free(w);
        free(m.buf);
    }
    for (uint64_t max = 40; max <= 41; max++) {
        struct mem m = { 0 };
        sc__zipw *w = zw_new(&m, NULL, max);
        REFUSES(max == 41 ? 0 : SC_ELIMIT, max == 41 ? NULL : "package would pass 40 bytes "
                "(no ZIP64)", sc__zipw_add(w, "a", data, 10, 0, &e_));
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
        const char *frag;
    } rows[] = {
        { 8, 10, 12, "compression method 12" },   /* bzip2 */
        { 6, 8, 1, "encrypted" },                 /* general purpose bit 0 */
    };

    (void)state;
    for (size_t r = 0; r < NROWS(rows); r++) {
        struct mem src = { 0 }, out = { 0 };
        sc__zipw *w = zw_new(&src, NULL, 0xFFFFFFFFu);
        sc_ofd_pkg *pkg;

        OK(sc__zipw_add(w, "x", U("hello"), 5, 0, &e_));
        zw_finish(w);
        src.buf[rows[r].lfh_at] = rows[r].value;
        src.buf[30 + 1 + 5 + rows[r].cdh_at] = rows[r].value;
        pkg = open_ok(src.buf, src.len);
        w = zw_new(&out, NULL, 0xFFFFFFFFu);
        REFUSES(SC_EUNSUPPORTED, rows[r].frag, sc__zipw_copy(w, pkg, 0, &e_));
        assert_int_equal(out.len, 0);
        OK(sc__zipw_add(w, "y", U("ok"), 2, 0, &e_));              /* still usable */
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
        cmocka_unit_test(zipw_add__deflates_each_entry_as_a_fresh_stream),
        cmocka_unit_test(zipw_set_deflate__level_and_small_entries_stored),
        cmocka_unit_test(zipw_set_deflate__a_new_level_applies_to_the_next_entry),
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
