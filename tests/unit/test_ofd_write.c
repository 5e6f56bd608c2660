/* test_ofd_write.c: the zip writer (ofd/ofd_zipw.h) and the OFD document writer
 * (sealcore/ofd_doc.h). Written packages are read back by our reader, by libzip, and where
 * installed by unzip -t / zipinfo and python3's zipfile (independent readers); every entry of
 * every vector OFD is copied raw and compared; XML parts are parsed with sc__ofd_xml_parse
 * and checked with XPath; limits are checked at N and N+1 (the zip writer's lowered through
 * sc__zipw_new_limits). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <zip.h>

#include "ofd/ofd_int.h"
#include "ofd/ofd_zipw.h"
#include "sc_int.h"
#include "sealcore/ofd.h"
#include "sealcore/ofd_doc.h"
#include "testutil.h"

/* ---- helpers ------------------------------------------------------------------------- */

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

static void expect_rc(int rc, const sc_err *err, int code, const char *frag, const char *row)
{
    if (rc != code || (frag != NULL && strstr(err->msg, frag) == NULL))
        fail_msg("%s: got %d \"%s\", want %d \"%s\"", row, rc, err->msg, code,
                 frag != NULL ? frag : "");
}

/* A growing memory sink; fail_at: refuse the call that would pass that many bytes (0: never)
 * returning code (a negative one with a message). */
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
        assert_non_null(m->buf = realloc(m->buf, ncap));
        m->cap = ncap;
    }
    memcpy(m->buf + m->len, p, n);
    m->len += n;
    return 0;
}

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

static sc_ofd_pkg *open_ok(const uint8_t *buf, size_t len)
{
    sc_ofd_pkg *pkg = NULL;

    OK(sc_ofd_pkg_open_mem(&pkg, buf, len, &e_));
    return pkg;
}

static uint8_t *read_ix(sc_ofd_pkg *pkg, size_t i, size_t *len)
{
    uint8_t *buf = NULL;

    OK(sc_ofd_pkg_read(pkg, i, SIZE_MAX, &buf, len, &e_));   /* checks size and CRC */
    return buf;
}

static uint8_t *read_entry(sc_ofd_pkg *pkg, const char *name, size_t *len)
{
    size_t i = 0;

    OK(sc_ofd_pkg_find(pkg, NULL, name, &i, &e_));
    return read_ix(pkg, i, len);
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

/* ---- document writer ----------------------------------------------------------------- */

#define PNG "\x89PNG\r\n\x1a\n-a stand-in for image bytes-"
#define NS "http://www.ofdspec.org/2016"
#define DOC_ID "0123456789abcdef0123456789ABCDEF"

static xmlDoc *parse_entry(sc_ofd_pkg *pkg, const char *name)
{
    size_t len;
    uint8_t *buf = read_entry(pkg, name, &len);
    xmlDoc *d = NULL;

    OK(sc__ofd_xml_parse(buf, len, name, &d, &e_));
    assert_memory_equal(buf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 38);
    free(buf);
    return d;
}

/* XPath (prefix ofd bound to the OFD namespace) as a string: new, free(). */
static char *xp(xmlDoc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *xp(xmlDoc *d, const char *fmt, ...)
{
    xmlXPathContext *ctx = xmlXPathNewContext(d);
    xmlXPathObject *o;
    xmlChar *v;
    char expr[512], *s;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(expr, sizeof(expr), fmt, ap);
    va_end(ap);
    assert_non_null(ctx);
    assert_int_equal(xmlXPathRegisterNs(ctx, BAD_CAST "ofd", BAD_CAST NS), 0);
    if ((o = xmlXPathEvalExpression(BAD_CAST expr, ctx)) == NULL)
        fail_msg("xpath %s", expr);
    v = xmlXPathCastToString(o);
    s = strdup((const char *)v);
    xmlFree(v);
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    return s;
}

static void xp_is(xmlDoc *d, const char *expr, const char *want)
{
    char *got = xp(d, "%s", expr);

    if (strcmp(got, want) != 0)
        fail_msg("%s: got \"%s\", want \"%s\"", expr, got, want);
    free(got);
}

static long xp_long(xmlDoc *d, const char *expr, long k)
{
    char *s = xp(d, expr, k);
    long v = strtol(s, NULL, 10);

    free(s);
    return v;
}

/* The element child of el called name, and that el's element children are exactly want
 * (space-separated, in order, all in the ofd: namespace, no text between them). */
static xmlNode *child(xmlNode *el, const char *name)
{
    for (xmlNode *c = el->children; c != NULL; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
            return c;
    fail_msg("<%s> has no <%s>", (const char *)el->name, name);
    return NULL;
}

static void children_are(xmlNode *el, const char *want)
{
    char got[512] = "";

    for (xmlNode *c = el->children; c != NULL; c = c->next) {
        assert_int_equal(c->type, XML_ELEMENT_NODE);
        assert_string_equal((const char *)c->ns->href, NS);
        assert_string_equal((const char *)c->ns->prefix, "ofd");
        snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", got[0] ? " " : "",
                 (const char *)c->name);
    }
    if (strcmp(got, want) != 0)
        fail_msg("<%s>: children \"%s\", want \"%s\"", (const char *)el->name, got, want);
}

static sc_ofd_doc *doc_new(size_t pages)
{
    sc_ofd_doc *doc = NULL;

    OK(sc_ofd_doc_new(&doc, 210, 297, &e_));
    OK(sc_ofd_doc_set_doc_id(doc, DOC_ID, &e_));
    for (size_t i = 0; i < pages; i++)
        OK(sc_ofd_doc_add_page(doc, NULL, &e_));
    return doc;
}

static void text(sc_ofd_doc *doc, size_t page, const char *font, const char *s)
{
    sc_ofd_text t = { 10, 10, 4, font, s, NULL };

    OK(sc_ofd_doc_add_text(doc, page, &t, &e_));
}

static sc_ofd_pkg *write_open(const sc_ofd_doc *doc, uint8_t **out, size_t *len)
{
    OK(sc_ofd_doc_write_mem(doc, out, len, &e_));
    return open_ok(*out, *len);
}

/* Every ID across the parts is unique and MaxUnitID is the largest; every Page BaseLoc is a
 * Content.xml, every Font and ResourceID reference a resource, every MediaFile an entry. */
static void check_ids_and_refs(sc_ofd_pkg *pkg, size_t npages)
{
    xmlDoc *d = parse_entry(pkg, "Doc_0/Document.xml");
    xmlDoc *pub = parse_entry(pkg, "Doc_0/PublicRes.xml");
    xmlDoc *res = parse_entry(pkg, "Doc_0/DocumentRes.xml");
    long max = xp_long(d, "string(//ofd:MaxUnitID)", 0), top = 0;
    uint8_t *seen = calloc((size_t)max + 1, 1);
    char name[SC_OFD_MAX_NAME + 1], *s, *r;
    size_t ix;

    assert_non_null(seen);
    assert_int_equal(xp_long(d, "count(//ofd:Page)", 0), (long)npages);
    for (size_t p = 0; p < 3 + npages; p++) {
        xmlDoc *x = p == 0 ? d : p == 1 ? pub : p == 2 ? res : NULL;
        if (x == NULL) {
            s = xp(d, "string(//ofd:Page[%zu]/@BaseLoc)", p - 2);
            OK(sc_ofd_path_resolve("Doc_0", s, name, sizeof(name), &e_));
            x = parse_entry(pkg, name);
            free(s);
        }
        for (long k = 1; k <= xp_long(x, "count(//@ID)", 0); k++) {
            long id = xp_long(x, "string((//@ID)[%ld])", k);
            assert_true(id >= 1 && id <= max);
            if (seen[id]++)
                fail_msg("ID %ld used twice", id);
            top = id > top ? id : top;
        }
        for (long k = 1; p >= 3 && k <= xp_long(x, "count(//ofd:TextObject)", 0); k++) {
            s = xp(x, "string((//ofd:TextObject)[%ld]/@Font)", k);
            assert_int_equal(xp_long(pub, "count(//ofd:Font[@ID = '%ld'])", (long)atol(s)), 1);
            free(s);
        }
        for (long k = 1; p >= 3 && k <= xp_long(x, "count(//ofd:ImageObject)", 0); k++) {
            r = xp(x, "string((//ofd:ImageObject)[%ld]/@ResourceID)", k);
            s = xp(res, "string(//ofd:MultiMedia[@ID = '%s']/ofd:MediaFile)", r);
            OK(sc_ofd_pkg_find(pkg, "Doc_0/Res", s, &ix, &e_));
            free(s);
            free(r);
        }
        if (p >= 3)
            xmlFreeDoc(x);
    }
    assert_int_equal(top, max);
    free(seen);
    xmlFreeDoc(d);
    xmlFreeDoc(pub);
    xmlFreeDoc(res);
}

static void ofd_doc_write__one_page_has_the_spec_structure(void **state)
{
    static const char *const entries[] = { "OFD.xml", "Doc_0/Document.xml",
        "Doc_0/PublicRes.xml", "Doc_0/DocumentRes.xml", "Doc_0/Pages/Page_0/Content.xml",
        "Doc_0/Res/image_7.png" };
    sc_ofd_doc *doc = doc_new(1);                                    /* page 1, layer 2 */
    sc_ofd_rgb red = { 200, 0, 0 };
    sc_ofd_text t = { 20, 30, 5, "黑体", "电子证照 A1", &red };
    uint8_t *out, *img;
    size_t len, ilen;
    sc_ofd_pkg *pkg;
    xmlDoc *d;
    xmlNode *root, *layer;

    (void)state;
    OK(sc_ofd_doc_set_info(doc, SC_OFD_DOC_CREATOR, "sealpki", &e_));
    OK(sc_ofd_doc_set_info(doc, SC_OFD_DOC_TITLE, "营业执照", &e_));
    OK(sc_ofd_doc_set_info(doc, SC_OFD_DOC_CREATION_DATE, "2024-02-29", &e_));
    OK(sc_ofd_doc_add_custom(doc, "统一社会信用代码", "91350100M000100Y43", &e_));
    OK(sc_ofd_doc_add_custom(doc, "b", "2", &e_));
    OK(sc_ofd_doc_add_text(doc, 0, &t, &e_));                       /* font 3, object 4 */
    text(doc, 0, NULL, "x");                                        /* font 5, object 6 */
    OK(sc_ofd_doc_add_image(doc, 0, 150, 20, 30, 30, U(PNG), sizeof(PNG) - 1, NULL, &e_));
    OK(sc_ofd_doc_add_line(doc, 0, 10, 50, 200, 50, 0.5, NULL, &e_));            /* 9 */
    OK(sc_ofd_doc_add_rect(doc, 0, 10, 60, 50, 20, 0.353, &red, &red, &e_));     /* 10 */
    pkg = write_open(doc, &out, &len);
    assert_int_equal(sc_ofd_pkg_count(pkg), 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(sc_ofd_pkg_name(pkg, i), entries[i]);
    img = read_entry(pkg, "Doc_0/Res/image_7.png", &ilen);
    assert_int_equal(ilen, sizeof(PNG) - 1);
    assert_memory_equal(img, PNG, ilen);
    free(img);

    root = xmlDocGetRootElement(d = parse_entry(pkg, "OFD.xml"));
    xp_is(d, "concat(/ofd:OFD/@Version, ' ', /ofd:OFD/@DocType)", "1.0 OFD");
    children_are(root, "DocBody");
    children_are(child(root, "DocBody"), "DocInfo DocRoot");
    children_are(child(child(root, "DocBody"), "DocInfo"),
                 "DocID Title CreationDate Creator CustomDatas");
    xp_is(d, "concat(//ofd:DocID, '|', //ofd:Title, '|', //ofd:CreationDate, '|', "
             "//ofd:Creator, '|', count(//ofd:CustomData), '|', //ofd:DocRoot)",
          DOC_ID "|营业执照|2024-02-29|sealpki|2|Doc_0/Document.xml");
    xp_is(d, "string(//ofd:CustomData[@Name = '统一社会信用代码'])", "91350100M000100Y43");
    xmlFreeDoc(d);
    root = xmlDocGetRootElement(d = parse_entry(pkg, "Doc_0/Document.xml"));
    children_are(root, "CommonData Pages");
    children_are(child(root, "CommonData"), "MaxUnitID PageArea PublicRes DocumentRes");
    xp_is(d, "concat(//ofd:MaxUnitID, '|', //ofd:PhysicalBox, '|', //ofd:Page/@ID, '|', "
             "//ofd:Page/@BaseLoc)", "10|0 0 210 297|1|Pages/Page_0/Content.xml");
    xmlFreeDoc(d);
    d = parse_entry(pkg, "Doc_0/PublicRes.xml");
    xp_is(d, "concat(/ofd:Res/@BaseLoc, '|', count(//ofd:Font), '|', //ofd:Font/@ID, '|', "
             "//ofd:Font/@FontName, '|', (//ofd:Font)[2]/@FontName)", "Res|2|3|黑体|宋体");
    xmlFreeDoc(d);
    d = parse_entry(pkg, "Doc_0/DocumentRes.xml");
    xp_is(d, "concat(//ofd:MultiMedia/@ID, ' ', //ofd:MultiMedia/@Type, ' ', "
             "//ofd:MultiMedia/@Format, ' ', //ofd:MediaFile)", "7 Image PNG image_7.png");
    xmlFreeDoc(d);

    root = xmlDocGetRootElement(d = parse_entry(pkg, "Doc_0/Pages/Page_0/Content.xml"));
    children_are(root, "Content");
    children_are(layer = child(child(root, "Content"), "Layer"),
                 "TextObject TextObject ImageObject PathObject PathObject");
    children_are(child(layer, "TextObject"), "FillColor TextCode");
    xp_is(d, "concat(//ofd:Layer/@ID, ' ', //ofd:Layer/@Type)", "2 Body");
    xp_is(d, "concat(//ofd:TextObject/@ID, '|', //ofd:TextObject/@Boundary, '|', "
             "//ofd:TextObject/@Font, '|', //ofd:TextObject/@Size, '|', "
             "//ofd:TextObject/ofd:FillColor/@Value)", "4|20 25 27.5 6.25|3|5|200 0 0");
    xp_is(d, "concat(//ofd:TextCode/@X, ' ', //ofd:TextCode/@Y, '|', //ofd:TextCode/@DeltaX, "
             "'|', //ofd:TextCode)", "0 5|5 5 5 5 2.5 2.5|电子证照 A1");
    xp_is(d, "concat((//ofd:TextObject)[2]/@ID, (//ofd:TextObject)[2]/@Font, "
             "count((//ofd:TextCode)[2]/@DeltaX))", "650");         /* one glyph: no DeltaX */
    xp_is(d, "concat(//ofd:ImageObject/@ID, '|', //ofd:ImageObject/@Boundary, '|', "
             "//ofd:ImageObject/@CTM, '|', //ofd:ImageObject/@ResourceID)",
          "8|150 20 30 30|30 0 0 30 0 0|7");
    xp_is(d, "concat((//ofd:PathObject)[1]/@Boundary, '|', (//ofd:PathObject)[1]/@LineWidth,"
             " '|', (//ofd:PathObject)[1]/ofd:AbbreviatedData)",
          "9.5 49.5 191 1|0.5|M 0.5 0.5 L 190.5 0.5");
    xp_is(d, "concat((//ofd:PathObject)[2]/@Fill, '|', (//ofd:PathObject)[2]/ofd:"
             "AbbreviatedData)", "true|M 0.353 0.353 L 50.353 0.353 L 50.353 20.353 L 0.353 "
             "20.353 C");
    xmlFreeDoc(d);
    check_ids_and_refs(pkg, 1);
    external_readers_accept(out, len, "one.ofd");
    sc_ofd_pkg_free(pkg);
    free(out);
    sc_ofd_doc_free(doc);
}

static void ofd_doc_write__hundred_pages_share_one_image(void **state)
{
    sc_ofd_doc *doc = doc_new(100);
    uint8_t *out;
    size_t len;
    sc_ofd_pkg *pkg;
    xmlDoc *d;
    char s[64];

    (void)state;
    for (size_t i = 0; i < 100; i++) {
        snprintf(s, sizeof(s), "第 %zu 页 & page %zu", i + 1, i + 1);
        text(doc, i, NULL, s);
        OK(sc_ofd_doc_add_image(doc, i, 150, 250, 40, 40, U(PNG), sizeof(PNG) - 1, "png", &e_));
    }
    pkg = write_open(doc, &out, &len);
    assert_int_equal(sc_ofd_pkg_count(pkg), 4 + 100 + 1);     /* the image once */
    check_ids_and_refs(pkg, 100);
    d = parse_entry(pkg, "Doc_0/Pages/Page_99/Content.xml");
    xp_is(d, "string(//ofd:TextCode)", s);
    xmlFreeDoc(d);
    external_readers_accept(out, len, "hundred.ofd");
    sc_ofd_pkg_free(pkg);
    free(out);
    sc_ofd_doc_free(doc);
}

/* Each string as text, font name, Title, CustomData name and value, read back exactly. */
static void ofd_doc_text__round_trips_each_special_string(void **state)
{
    static const char *const rows[] = {
        "a & b", "<ofd:Page>", "\"double\" 'single'", "&amp; &lt; &#38;", "]]>", "电子证照",
        "tab\there", "line\nfeed", "cr\rreturn", "cr lf\r\n", "  spaces  ", " ", "😀 U+1F600",
        "\xef\xbf\xbd U+FFFD", "\xee\x80\x80 U+E000",
    };
    static const char *const where[] = { "Doc_0/Pages/Page_0/Content.xml", "Doc_0/PublicRes.xml",
        "OFD.xml", "OFD.xml", "OFD.xml" };
    static const char *const expr[] = { "//ofd:TextCode", "//ofd:Font/@FontName",
        "//ofd:Title", "//ofd:CustomData/@Name", "//ofd:CustomData" };

    (void)state;
    for (size_t i = 0; i < NROWS(rows); i++) {
        sc_ofd_doc *doc = doc_new(1);
        uint8_t *out;
        size_t len;
        sc_ofd_pkg *pkg;

        text(doc, 0, rows[i], rows[i]);
        OK(sc_ofd_doc_set_info(doc, SC_OFD_DOC_TITLE, rows[i], &e_));
        OK(sc_ofd_doc_add_custom(doc, rows[i], rows[i], &e_));
        pkg = write_open(doc, &out, &len);
        for (size_t k = 0; k < NROWS(where); k++) {
            xmlDoc *d = parse_entry(pkg, where[k]);
            char *got = xp(d, "string(%s)", expr[k]);
            if (strcmp(got, rows[i]) != 0)
                fail_msg("row %zu: %s \"%s\" came back as \"%s\"", i, expr[k], rows[i], got);
            free(got);
            xmlFreeDoc(d);
        }
        sc_ofd_pkg_free(pkg);
        free(out);
        sc_ofd_doc_free(doc);
    }
}

static void ofd_doc__refuses_each_bad_string(void **state)
{
    static const struct {
        const char *s, *frag;
    } rows[] = {
        { "a\xff", "not UTF-8 (byte 0xff at offset 1)" },
        { "\xc0\x80", "not UTF-8 (byte 0xc0" },                  /* overlong NUL */
        { "\xe0\x80\xaf", "not UTF-8 (bad sequence" },           /* overlong "/" */
        { "\xed\xa0\x80", "not UTF-8 (bad sequence" },           /* surrogate */
        { "\xf4\x90\x80\x80", "not UTF-8 (bad sequence" },       /* above U+10FFFF */
        { "电\xe5\xad", "not UTF-8 (cut off at offset 3)" },
        { "\xe5x\xad", "not UTF-8 (byte 0x78" },
        { "bell\x07", "character U+0007 at offset 4 is not allowed in XML" },
        { "\x1b[0m", "character U+001B" },
        { "\xef\xbf\xbe", "character U+FFFE" },
        { "\xef\xbf\xbf", "character U+FFFF" },
    };
    sc_ofd_doc *doc = doc_new(1);

    (void)state;
    for (size_t i = 0; i < NROWS(rows); i++) {
        const char *s = rows[i].s, *f = rows[i].frag;
        sc_ofd_text t = { 10, 10, 4, NULL, s, NULL }, tf = { 10, 10, 4, s, "ok", NULL };
        REFUSES(SC_EINVAL, f, sc_ofd_doc_add_text(doc, 0, &t, &e_));
        REFUSES(SC_EINVAL, f, sc_ofd_doc_add_text(doc, 0, &tf, &e_));
        REFUSES(SC_EINVAL, f, sc_ofd_doc_set_info(doc, SC_OFD_DOC_AUTHOR, s, &e_));
        REFUSES(SC_EINVAL, f, sc_ofd_doc_add_custom(doc, s, "v", &e_));
        REFUSES(SC_EINVAL, f, sc_ofd_doc_add_custom(doc, "n", s, &e_));
    }
    sc_ofd_doc_free(doc);
}

static void ofd_doc__refuses_each_bad_argument(void **state)
{
    sc_ofd_doc *doc = doc_new(0), *d2 = (sc_ofd_doc *)1;
    sc_ofd_text t = { 10, 10, 0, NULL, "x", NULL };
    uint8_t dummy = 0, *out = &dummy;
    size_t len;

    (void)state;
    REFUSES(SC_EINVAL, "no pages", sc_ofd_doc_write_mem(doc, &out, &len, &e_));
    assert_null(out);
    OK(sc_ofd_doc_add_page(doc, NULL, &e_));
    REFUSES(SC_EINVAL, "is empty", sc_ofd_doc_new(&d2, 0, 297, &e_));
    assert_null(d2);
    REFUSES(SC_EINVAL, "page height", sc_ofd_doc_new(&d2, 210, 0.0 / 0.0, &e_));
    REFUSES(SC_EINVAL, "not 32 hex", sc_ofd_doc_set_doc_id(doc, "0123", &e_));
    REFUSES(SC_EINVAL, "not 32 hex", sc_ofd_doc_set_doc_id(doc, DOC_ID "0", &e_));
    REFUSES(SC_EINVAL, "not 32 hex",
            sc_ofd_doc_set_doc_id(doc, "g123456789abcdef0123456789ABCDEF", &e_));
    assert_string_equal(sc_ofd_doc_get_doc_id(doc), DOC_ID);
    REFUSES(SC_EINVAL, "not a date YYYY-MM-DD",
            sc_ofd_doc_set_info(doc, SC_OFD_DOC_CREATION_DATE, "2023-02-29", &e_));
    REFUSES(SC_EINVAL, "unknown field 6", sc_ofd_doc_set_info(doc, 6, "x", &e_));
    REFUSES(SC_EINVAL, "font size", sc_ofd_doc_add_text(doc, 0, &t, &e_));
    t.size_mm = 4;
    REFUSES(SC_EINVAL, "page 1: text: no such page (1 in the document)",
            sc_ofd_doc_add_text(doc, 1, &t, &e_));
    t.text = "";
    REFUSES(SC_EINVAL, "no text", sc_ofd_doc_add_text(doc, 0, &t, &e_));
    REFUSES(SC_EFORMAT, "bytes are not PNG",
            sc_ofd_doc_add_image(doc, 0, 0, 0, 10, 10, U("\xff\xd8\xff"), 3, "PNG", &e_));
    REFUSES(SC_EINVAL, "\"GIF\": not PNG, JPEG or BMP",
            sc_ofd_doc_add_image(doc, 0, 0, 0, 10, 10, U("GIF89a"), 6, "GIF", &e_));
    REFUSES(SC_EFORMAT, "image: not PNG, JPEG or BMP",
            sc_ofd_doc_add_image(doc, 0, 0, 0, 10, 10, U("GIF89a"), 6, NULL, &e_));
    REFUSES(SC_EINVAL, "width", sc_ofd_doc_add_image(doc, 0, 0, 0, -1, 10, U(PNG), 8, NULL, &e_));
    REFUSES(SC_EINVAL, "neither outline nor fill",
            sc_ofd_doc_add_rect(doc, 0, 0, 0, 10, 10, 1, NULL, NULL, &e_));
    REFUSES(SC_EINVAL, "x: not a number in",
            sc_ofd_doc_add_line(doc, 0, 0, 0, 1e9, 0, 1, NULL, &e_));
    REFUSES(SC_EINVAL, "line width: 0", sc_ofd_doc_add_line(doc, 0, 0, 0, 1, 0, 0, NULL, &e_));
    OK(sc_ofd_doc_add_image(doc, 0, 0, 0, 10, 10, U("\xff\xd8\xff"), 3, "jpg", &e_));
    OK(sc_ofd_doc_add_image(doc, 0, 0, 0, 10, 10, U("BM"), 2, NULL, &e_));
    sc_ofd_doc_free(doc);
}

static void ofd_doc_write__same_calls_give_same_bytes(void **state)
{
    uint8_t *out[2];
    size_t len[2];
    char ids[2][33];

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        sc_ofd_doc *doc = doc_new(1), *rnd = NULL;
        text(doc, 0, NULL, "reproducible 可重复");
        OK(sc_ofd_doc_write_mem(doc, &out[i], &len[i], &e_));
        OK(sc_ofd_doc_new(&rnd, 210, 297, &e_));
        memcpy(ids[i], sc_ofd_doc_get_doc_id(rnd), 33);
        assert_int_equal(strspn(ids[i], "0123456789abcdef"), 32);
        sc_ofd_doc_free(rnd);
        sc_ofd_doc_free(doc);
    }
    assert_int_equal(len[0], len[1]);
    assert_memory_equal(out[0], out[1], len[0]);
    assert_true(strcmp(ids[0], ids[1]) != 0);     /* the default DocID is random */
    free(out[0]);
    free(out[1]);
}

static void ofd_doc__limits_at_n_and_n_plus_1(void **state)
{
    sc_ofd_doc *doc = doc_new(SC_OFD_DOC_MAX_PAGES);
    sc_ofd_rgb c = { 1, 2, 3 };
    char *big = malloc(SC_OFD_DOC_MAX_STRING + 2), name[32];
    uint8_t dummy = 0, *out = &dummy, img[16] = "BM";
    size_t len;

    (void)state;
    assert_non_null(big);
    memset(big, 'a', SC_OFD_DOC_MAX_STRING + 1);
    big[SC_OFD_DOC_MAX_STRING + 1] = '\0';
    REFUSES(SC_ELIMIT, "65537 bytes, more than the 65536 allowed",
            sc_ofd_doc_set_info(doc, SC_OFD_DOC_SUBJECT, big, &e_));
    big[SC_OFD_DOC_MAX_STRING] = '\0';
    OK(sc_ofd_doc_set_info(doc, SC_OFD_DOC_SUBJECT, big, &e_));
    REFUSES(SC_ELIMIT, "more than 1000 pages", sc_ofd_doc_add_page(doc, NULL, &e_));
    for (unsigned i = 0; i < SC_OFD_DOC_MAX_CUSTOM; i++)
        OK(sc_ofd_doc_add_custom(doc, "n", "v", &e_));
    REFUSES(SC_ELIMIT, "more than 1000", sc_ofd_doc_add_custom(doc, "n", "v", &e_));
    for (unsigned i = 0; i < SC_OFD_DOC_MAX_FONTS; i++) {
        snprintf(name, sizeof(name), "font %u", i);
        text(doc, i, name, "x");
    }
    sc_ofd_text tf = { 1, 1, 1, "one more font", "x", NULL };
    REFUSES(SC_ELIMIT, "more than 100 fonts", sc_ofd_doc_add_text(doc, 0, &tf, &e_));
    for (unsigned i = 0; i < SC_OFD_DOC_MAX_IMAGES; i++) {
        memcpy(img + 2, &i, sizeof(i));             /* distinct bytes: distinct images */
        OK(sc_ofd_doc_add_image(doc, i, 0, 0, 1, 1, img, sizeof(img), NULL, &e_));
    }
    REFUSES(SC_ELIMIT, "more than 1000 images",
            sc_ofd_doc_add_image(doc, 0, 0, 0, 1, 1, U("BMnew"), 5, NULL, &e_));
    OK(sc_ofd_doc_add_image(doc, 5, 0, 0, 1, 1, img, sizeof(img), NULL, &e_));   /* shared */
    for (size_t n = SC_OFD_DOC_MAX_FONTS + SC_OFD_DOC_MAX_IMAGES + 1;
         n < SC_OFD_DOC_MAX_OBJECTS; n++)
        OK(sc_ofd_doc_add_rect(doc, n % 1000, 0, 0, 1, 1, 0, NULL, &c, &e_));
    REFUSES(SC_ELIMIT, "more than 100000 objects",
            sc_ofd_doc_add_line(doc, 0, 0, 0, 1, 1, 1, NULL, &e_));
    sc_ofd_doc_free(doc);

    doc = doc_new(1);                  /* a Content.xml over SC_OFD_MAX_XML: refused */
    for (size_t i = 0; i < 100; i++)       /* 100 x (64 KiB text + 128 KiB DeltaX) */
        text(doc, 0, NULL, big);
    REFUSES(SC_ELIMIT, "Doc_0/Pages/Page_0/Content.xml: ",
            sc_ofd_doc_write_mem(doc, &out, &len, &e_));
    REFUSES(SC_ELIMIT, "more than the 16777216 a reader takes",
            sc_ofd_doc_write_mem(doc, &out, &len, &e_));
    assert_null(out);
    sc_ofd_doc_free(doc);
    free(big);
}

static void ofd_doc_write__sink_errors_propagate(void **state)
{
    sc_ofd_doc *doc = doc_new(1);

    (void)state;
    text(doc, 0, NULL, "x");
    struct mem all = { 0 };
    OK(sc_ofd_doc_write(doc, mem_sink, &all, &e_));
    free(all.buf);
    for (size_t at = 1; at < all.len; at += 37) {   /* in each entry, then the directory */
        struct mem m = { NULL, 0, 0, at, SC_EIO };
        REFUSES(SC_EIO, "writing the OFD document: test sink: disk full",
                sc_ofd_doc_write(doc, mem_sink, &m, &e_));
        free(m.buf);
    }
    sc_ofd_doc_free(doc);
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
        cmocka_unit_test(ofd_doc_write__one_page_has_the_spec_structure),
        cmocka_unit_test(ofd_doc_write__hundred_pages_share_one_image),
        cmocka_unit_test(ofd_doc_text__round_trips_each_special_string),
        cmocka_unit_test(ofd_doc__refuses_each_bad_string),
        cmocka_unit_test(ofd_doc__refuses_each_bad_argument),
        cmocka_unit_test(ofd_doc_write__same_calls_give_same_bytes),
        cmocka_unit_test(ofd_doc__limits_at_n_and_n_plus_1),
        cmocka_unit_test(ofd_doc_write__sink_errors_propagate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
