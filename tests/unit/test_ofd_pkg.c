/* test_ofd_pkg.c: the OFD package reader (sealcore/ofd.h) and the safe XML parser
 * (ofd/ofd_int.h). Every vector OFD (ofdrw and vendors) is opened from memory and from a
 * file descriptor, each entry read and hashed, OFD.xml parsed; damaged packages are made here
 * with libzip (then byte-patched where libzip would refuse to write them) in the scratch
 * directory; limits are checked at N and N+1 with lowered values through
 * sc__ofd_pkg_open_limits. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zip.h>

#include "ofd/ofd_int.h"
#include "sc_int.h"
#include "sealcore/ofd.h"
#include "testutil.h"

#define SESV4 "ofdrw/SESV4SignDoc.ofd"

/* ---- helpers ------------------------------------------------------------------------- */

struct ent {
    const char *name;
    const void *data;
    size_t len;
};

/* A zip of the given entries (deflated), made by libzip in the scratch directory. */
static uint8_t *make_zip(const struct ent *e, size_t n, size_t *len)
{
    const char *path = sc_test_path(sc_test_tmpdir(), "made.zip");
    uint8_t *buf = NULL;
    int zerr = 0;
    zip_t *za;

    unlink(path);
    za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    assert_non_null(za);
    for (size_t i = 0; i < n; i++) {
        zip_source_t *s = zip_source_buffer(za, e[i].data, e[i].len, 0);
        assert_non_null(s);
        if (zip_file_add(za, e[i].name, s, ZIP_FL_ENC_RAW) < 0)
            fail_msg("zip_file_add %s: %s", e[i].name, zip_strerror(za));
    }
    assert_int_equal(zip_close(za), 0);
    assert_int_equal(sc_test_read(path, &buf, len), 0);
    return buf;
}

static size_t patch_all(uint8_t *buf, size_t len, const void *from, const void *to, size_t n)
{
    size_t hits = 0;

    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(buf + i, from, n) == 0) {
            memcpy(buf + i, to, n);
            hits++;
        }
    return hits;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16),
    p[3] = (uint8_t)(v >> 24);
}

/* Set the uncompressed size of the only entry in both its local and central headers. */
static void set_declared_size(uint8_t *buf, size_t len, uint32_t size)
{
    for (size_t i = 0; i + 4 <= len; i++) {
        if (memcmp(buf + i, "PK\3\4", 4) == 0)
            put32(buf + i + 22, size);
        else if (memcmp(buf + i, "PK\1\2", 4) == 0)
            put32(buf + i + 24, size);
    }
}

/* Everything a verifier will do with a package: list, find OFD.xml both ways, parse it,
 * read and hash every entry (read and streamed hash must agree). */
static void exercise(sc_ofd_pkg *pkg, const char *what)
{
    size_t i1 = SIZE_MAX, i2 = SIZE_MAX;
    uint8_t *buf = NULL;
    size_t len = 0;
    xmlDoc *doc = NULL;
    sc_err err = SC_ERR_INIT;

    assert_true(sc_ofd_pkg_count(pkg) > 0);
    if (sc_ofd_pkg_find(pkg, NULL, "/OFD.xml", &i1, &err) != 0 ||
        sc_ofd_pkg_find(pkg, "Doc_0", "../OFD.xml", &i2, &err) != 0 || i1 != i2)
        fail_msg("%s: OFD.xml: %s", what, err.msg);
    assert_string_equal(sc_ofd_pkg_name(pkg, i1), "OFD.xml");
    if (sc_ofd_pkg_read(pkg, i1, SC_OFD_MAX_XML, &buf, &len, &err) != 0 ||
        sc__ofd_xml_parse(buf, len, "OFD.xml", &doc, &err) != 0)
        fail_msg("%s: %s", what, err.msg);
    assert_string_equal((const char *)xmlDocGetRootElement(doc)->name, "OFD");
    xmlFreeDoc(doc);
    free(buf);
    for (size_t i = 0; i < sc_ofd_pkg_count(pkg); i++) {
        uint8_t h1[32], h2[32];
        if (sc_ofd_pkg_read(pkg, i, SIZE_MAX, &buf, &len, &err) != 0 ||
            sc__sm3(buf, len, h1, &err) != 0 || sc_ofd_pkg_sm3(pkg, i, h2, &err) != 0)
            fail_msg("%s: %s: %s", what, sc_ofd_pkg_name(pkg, i), err.msg);
        assert_int_equal(len, sc_ofd_pkg_size(pkg, i));
        assert_memory_equal(h1, h2, 32);
        free(buf);
    }
}

static sc_ofd_pkg *open_ok(const uint8_t *buf, size_t len)
{
    sc_ofd_pkg *pkg = NULL;
    sc_err err = SC_ERR_INIT;

    if (sc_ofd_pkg_open_mem(&pkg, buf, len, &err) != 0)
        fail_msg("open: %s", err.msg);
    return pkg;
}

static void expect_open(const uint8_t *buf, size_t len, const sc__ofd_limits *lim, int code,
                        const char *frag, const char *row)
{
    sc_ofd_pkg *pkg = (sc_ofd_pkg *)1;
    sc_err err = SC_ERR_INIT;
    int rc = sc__ofd_pkg_open_limits(&pkg, buf, len, -1,
                                     lim != NULL ? lim : &sc__ofd_default_limits, &err);
    if (rc != code || (frag != NULL && strstr(err.msg, frag) == NULL))
        fail_msg("%s: got %d \"%s\", want %d \"%s\"", row, rc, err.msg, code,
                 frag != NULL ? frag : "");
    if (code != 0)
        assert_null(pkg);
    sc_ofd_pkg_free(pkg);
}

/* ---- vectors ------------------------------------------------------------------------- */

static void ofd_pkg_open_mem__reads_each_vector(void **state)
{
    char paths[32][512];
    size_t n;

    (void)state;
    sc_test_vector_ofds(paths, 32, &n);
    for (size_t i = 0; i < n; i++) {
        uint8_t *buf = NULL;
        size_t len = 0;
        uint64_t before = 1, after = 1;
        sc_ofd_pkg *pkg;
        assert_int_equal(sc_test_read(paths[i], &buf, &len), 0);
        pkg = open_ok(buf, len);
        sc_ofd_pkg_get_extra_bytes(pkg, &before, &after);
        if (before != 0 || after != 0)
            fail_msg("%s: %llu bytes before, %llu after", paths[i],
                     (unsigned long long)before, (unsigned long long)after);
        exercise(pkg, paths[i]);
        sc_ofd_pkg_free(pkg);
        free(buf);
    }
}

static void ofd_pkg_open_fd__reads_each_vector(void **state)
{
    char paths[32][512];
    size_t n;

    (void)state;
    sc_test_vector_ofds(paths, 32, &n);
    for (size_t i = 0; i < n; i++) {
        sc_ofd_pkg *pkg = NULL;
        sc_err err = SC_ERR_INIT;
        int fd = open(paths[i], O_RDONLY);
        assert_true(fd >= 0);
        if (sc_ofd_pkg_open_fd(&pkg, fd, &err) != 0)
            fail_msg("%s: %s", paths[i], err.msg);
        exercise(pkg, paths[i]);
        sc_ofd_pkg_free(pkg);
        assert_int_equal(lseek(fd, 0, SEEK_CUR), 0);   /* pread only: offset untouched */
        assert_int_equal(close(fd), 0);                /* still the caller's, still open */
    }
}

static void ofd_pkg_open_fd__rejects_a_directory(void **state)
{
    sc_ofd_pkg *pkg = NULL;
    sc_err err = SC_ERR_INIT;
    int fd = open(sc_test_tmpdir(), O_RDONLY);

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(sc_ofd_pkg_open_fd(&pkg, fd, &err), SC_EINVAL);
    assert_non_null(strstr(err.msg, "is not a regular file"));
    assert_null(pkg);
    close(fd);
}

static void ofd_pkg_sm3__matches_openssl_dgst(void **state)
{
    const char *tmp = sc_test_tmpdir();
    const char *doc = "Doc_0/Pages/Page_0/Content.xml";
    uint8_t *buf = NULL, want[32], got[32];
    size_t len = 0, idx = 0;
    sc_ofd_pkg *pkg;
    sc_err err = SC_ERR_INIT;

    (void)state;
    assert_int_equal(sc_test_sh("unzip -p '%s' '%s' > '%s/entry' && openssl dgst -sm3 -r "
                                "'%s/entry' | cut -c1-64 > '%s/entry.sm3'",
                                sc_test_path(sc_test_vectors(), SESV4), doc, tmp, tmp, tmp), 0);
    assert_int_equal(sc_test_read(sc_test_path(tmp, "entry.sm3"), &buf, &len), 0);
    assert_true(len >= 64);
    for (size_t i = 0; i < 32; i++) {
        unsigned v;
        assert_int_equal(sscanf((const char *)buf + 2 * i, "%2x", &v), 1);
        want[i] = (uint8_t)v;
    }
    free(buf);
    assert_int_equal(sc_test_read(sc_test_path(sc_test_vectors(), SESV4), &buf, &len), 0);
    pkg = open_ok(buf, len);
    assert_int_equal(sc_ofd_pkg_find(pkg, NULL, doc, &idx, &err), 0);
    assert_int_equal(sc_ofd_pkg_sm3(pkg, idx, got, &err), 0);
    assert_memory_equal(got, want, 32);
    sc_ofd_pkg_free(pkg);
    free(buf);
}

/* ---- bytes around the zip ------------------------------------------------------------ */

static void ofd_pkg_open__tolerates_bytes_before_and_after(void **state)
{
    static const struct { size_t before, after; } rows[] = { { 1000, 0 }, { 0, 500 },
                                                             { 1000, 500 }, { 3, 65000 } };
    uint8_t *orig = NULL;
    size_t olen = 0;
    sc_ofd_pkg *ref;

    (void)state;
    assert_int_equal(sc_test_read(sc_test_path(sc_test_vectors(), SESV4), &orig, &olen), 0);
    ref = open_ok(orig, olen);
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        size_t len = rows[r].before + olen + rows[r].after;
        uint8_t *buf = malloc(len);
        const char *path = sc_test_path(sc_test_tmpdir(), "padded.ofd");
        assert_non_null(buf);
        for (size_t i = 0; i < len; i++)       /* junk with "PK" in it */
            buf[i] = (uint8_t)("PK\3\4junk"[i % 8]);
        memcpy(buf + rows[r].before, orig, olen);
        assert_int_equal(sc_test_write(path, buf, len), 0);
        for (int use_fd = 0; use_fd < 2; use_fd++) {
            sc_ofd_pkg *pkg = NULL;
            sc_err err = SC_ERR_INIT;
            uint64_t before = 0, after = 0;
            int fd = -1, rc;
            if (use_fd) {
                fd = open(path, O_RDONLY);
                assert_true(fd >= 0);
                rc = sc_ofd_pkg_open_fd(&pkg, fd, &err);
            } else {
                rc = sc_ofd_pkg_open_mem(&pkg, buf, len, &err);
            }
            if (rc != 0)
                fail_msg("%zu before, %zu after, fd %d: %s", rows[r].before, rows[r].after,
                         use_fd, err.msg);
            sc_ofd_pkg_get_extra_bytes(pkg, &before, &after);
            assert_int_equal(before, rows[r].before);
            assert_int_equal(after, rows[r].after);
            assert_int_equal(sc_ofd_pkg_count(pkg), sc_ofd_pkg_count(ref));
            for (size_t i = 0; i < sc_ofd_pkg_count(pkg); i++) {
                uint8_t h1[32], h2[32];
                assert_string_equal(sc_ofd_pkg_name(pkg, i), sc_ofd_pkg_name(ref, i));
                assert_int_equal(sc_ofd_pkg_sm3(pkg, i, h1, &err), 0);
                assert_int_equal(sc_ofd_pkg_sm3(ref, i, h2, &err), 0);
                assert_memory_equal(h1, h2, 32);
            }
            exercise(pkg, "padded");
            sc_ofd_pkg_free(pkg);
            if (fd >= 0)
                close(fd);
        }
        free(buf);
    }
    sc_ofd_pkg_free(ref);
    free(orig);
}

/* ---- damaged packages ---------------------------------------------------------------- */

static void ofd_pkg_open__rejects_each_bad_package(void **state)
{
    static const struct {
        const char *row, *name, *patch_from, *patch_to;
        int code;
        const char *msg;
    } rows[] = {
        { "dot-dot", "../evil", NULL, NULL, SC_EFORMAT, "\"../evil\": \"..\" in name" },
        { "inner dot-dot", "Doc_0/../../evil", NULL, NULL, SC_EFORMAT, "\"..\" in name" },
        { "leading slash", "/etc/evil", NULL, NULL, SC_EFORMAT, "\"/etc/evil\": absolute name" },
        { "backslash", "Doc_0\\evil", NULL, NULL, SC_EFORMAT, "backslash in name" },
        { "NUL in name", "evilXname", "evilX", "evil\0", SC_EFORMAT,
          "OFD entry 1: NUL byte in name \"evil\"" },
        { "duplicate", "OFD.xmX", "OFD.xmX", "OFD.xml", SC_EFORMAT,
          "OFD package: two entries have the same name (libzip: File already exists)" },
    };
    (void)state;
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        struct ent e[2] = { { "OFD.xml", "<OFD/>", 6 }, { rows[r].name, "x", 1 } };
        size_t len = 0;
        uint8_t *buf = make_zip(e, 2, &len);
        if (rows[r].patch_from != NULL)
            assert_int_equal(patch_all(buf, len, rows[r].patch_from, rows[r].patch_to,
                                       strlen(rows[r].patch_from)), 2);   /* local + central */
        expect_open(buf, len, NULL, rows[r].code, rows[r].msg, rows[r].row);
        free(buf);
    }
}

static void ofd_pkg_open__rejects_damaged_zip(void **state)
{
    uint8_t *buf = NULL;
    size_t len = 0;

    (void)state;
    expect_open((const uint8_t *)"hello, not a zip", 16, NULL, SC_EFORMAT,
                "OFD package: not a zip file (16 bytes)", "too short");
    expect_open((const uint8_t *)"hello, this is certainly not a zip file", 39, NULL,
                SC_EFORMAT, "no end of central directory record in the last 39 bytes",
                "no zip");
    assert_int_equal(sc_test_read(sc_test_path(sc_test_vectors(), SESV4), &buf, &len), 0);
    expect_open(buf, len - 1, NULL, SC_EFORMAT, "no end of central directory record",
                "last byte cut");
    expect_open(buf, len / 2, NULL, SC_EFORMAT, "no end of central directory record",
                "half cut");
    {   /* Trailing junk longer than the end-record scan (64 KiB + 22) hides the record. */
        uint8_t *pad = calloc(1, len + 70000);
        assert_non_null(pad);
        memcpy(pad, buf, len);
        expect_open(pad, len + 70000, NULL, SC_EFORMAT,
                    "no end of central directory record in the last 65557 bytes", "70000 after");
        free(pad);
    }
    /* Keep the end record but lose the start of the central directory. */
    memmove(buf + len / 2, buf + len - 1000, 1000);
    expect_open(buf, len / 2 + 1000, NULL, SC_EFORMAT, "no end of central directory record",
                "middle cut out");
    free(buf);
    {
        sc_ofd_pkg *pkg = NULL;
        sc_err err = SC_ERR_INIT;
        assert_int_equal(sc_ofd_pkg_open_mem(&pkg, (const uint8_t *)"", 0, &err), SC_EFORMAT);
        assert_non_null(strstr(err.msg, "OFD package: empty input"));
    }
}

static void ofd_pkg_open__accepts_name_of_1024_bytes_not_1025(void **state)
{
    char name[SC_OFD_MAX_NAME + 2];
    struct ent e[1] = { { name, "x", 1 } };
    uint8_t *buf;
    size_t len = 0;

    (void)state;
    memset(name, 'n', sizeof(name));
    name[SC_OFD_MAX_NAME] = '\0';
    buf = make_zip(e, 1, &len);
    expect_open(buf, len, NULL, 0, NULL, "1024");
    free(buf);
    name[SC_OFD_MAX_NAME] = 'n';
    name[SC_OFD_MAX_NAME + 1] = '\0';
    buf = make_zip(e, 1, &len);
    expect_open(buf, len, NULL, SC_ELIMIT, "OFD entry 0: name of 1025 bytes, more than the 1024",
                "1025");
    free(buf);
}

static void ofd_pkg_open__limits_entries_at_n_and_n_plus_1(void **state)
{
    struct ent e[4] = { { "a", "1", 1 }, { "b", "2", 1 }, { "c", "3", 1 }, { "d", "4", 1 } };
    sc__ofd_limits lim = sc__ofd_default_limits;
    uint8_t *buf;
    size_t len = 0;

    (void)state;
    lim.max_entries = 3;
    buf = make_zip(e, 3, &len);
    expect_open(buf, len, &lim, 0, NULL, "3 entries");
    free(buf);
    buf = make_zip(e, 4, &len);
    expect_open(buf, len, &lim, SC_ELIMIT, "OFD package: 4 entries, more than the 3 allowed",
                "4 entries");
    free(buf);
}

static void ofd_pkg_open__limits_entry_size_at_n_and_n_plus_1(void **state)
{
    static char data[101];
    struct ent e[1] = { { "big", data, 100 } };
    sc__ofd_limits lim = sc__ofd_default_limits;
    uint8_t *buf;
    size_t len = 0;

    (void)state;
    lim.max_entry = 100;
    buf = make_zip(e, 1, &len);
    expect_open(buf, len, &lim, 0, NULL, "100 bytes");
    free(buf);
    e[0].len = 101;
    buf = make_zip(e, 1, &len);
    expect_open(buf, len, &lim, SC_ELIMIT,
                "OFD entry \"big\": 101 bytes uncompressed, more than the 100 allowed",
                "101 bytes");
    free(buf);
}

static void ofd_pkg_open__limits_total_size_at_n_and_n_plus_1(void **state)
{
    static char data[80];
    struct ent e[2] = { { "one", data, 75 }, { "two", data, 75 } };
    sc__ofd_limits lim = sc__ofd_default_limits;
    uint8_t *buf;
    size_t len = 0;

    (void)state;
    lim.max_total = 150;
    buf = make_zip(e, 2, &len);
    expect_open(buf, len, &lim, 0, NULL, "150 bytes");
    free(buf);
    e[1].len = 76;
    buf = make_zip(e, 2, &len);
    expect_open(buf, len, &lim, SC_ELIMIT,
                "more than 150 bytes uncompressed in all (at entry \"two\")", "151 bytes");
    free(buf);
}

/* ---- reading --------------------------------------------------------------------------- */

static void ofd_pkg_read__limits_to_max_at_n_and_n_plus_1(void **state)
{
    static char data[100];
    struct ent e[1] = { { "e", data, 100 } };
    size_t len = 0, n = 0;
    uint8_t *zip = make_zip(e, 1, &len), *buf = NULL;
    sc_ofd_pkg *pkg = open_ok(zip, len);
    sc_err err = SC_ERR_INIT;

    (void)state;
    assert_int_equal(sc_ofd_pkg_read(pkg, 0, 100, &buf, &n, &err), 0);
    assert_int_equal(n, 100);
    assert_int_equal(buf[100], 0);
    free(buf);
    assert_int_equal(sc_ofd_pkg_read(pkg, 0, 99, &buf, &n, &err), SC_ELIMIT);
    assert_non_null(strstr(err.msg, "OFD entry \"e\": 100 bytes, more than the 99 allowed"));
    assert_null(buf);
    sc_err_clear(&err);
    assert_int_equal(sc_ofd_pkg_read(pkg, 1, 100, &buf, &n, &err), SC_EINVAL);
    assert_non_null(strstr(err.msg, "OFD entry 1: no such entry (1 in the package)"));
    sc_ofd_pkg_free(pkg);
    free(zip);
}

/* A zip bomb in small: 1 MB of zeros that declares 1000 bytes. Reading must stop at the
 * declared size, not trust it and not inflate the rest. */
static void ofd_pkg_read__rejects_data_longer_than_declared(void **state)
{
    size_t big = 1000000, len = 0, n = 0;
    char *zeros = calloc(1, big);
    struct ent e[1] = { { "bomb", zeros, big } };
    uint8_t *zip, *buf = NULL, h[32];
    sc_ofd_pkg *pkg;
    sc_err err = SC_ERR_INIT;

    (void)state;
    assert_non_null(zeros);
    zip = make_zip(e, 1, &len);
    free(zeros);
    set_declared_size(zip, len, 1000);
    pkg = open_ok(zip, len);
    assert_int_equal(sc_ofd_pkg_size(pkg, 0), 1000);
    assert_int_equal(sc_ofd_pkg_read(pkg, 0, SIZE_MAX, &buf, &n, &err), SC_EFORMAT);
    assert_non_null(strstr(err.msg, "OFD entry \"bomb\": more data than the 1000 bytes declared"));
    assert_null(buf);
    sc_err_clear(&err);
    assert_int_equal(sc_ofd_pkg_sm3(pkg, 0, h, &err), SC_EFORMAT);
    assert_non_null(strstr(err.msg, "OFD entry \"bomb\": more data than the 1000 bytes declared"));
    sc_ofd_pkg_free(pkg);
    free(zip);
}

static void ofd_pkg_read__rejects_data_shorter_than_declared(void **state)
{
    static char data[1000];
    struct ent e[1] = { { "short", data, sizeof(data) } };
    size_t len = 0, n = 0;
    uint8_t *zip = make_zip(e, 1, &len), *buf = NULL;
    sc_ofd_pkg *pkg;
    sc_err err = SC_ERR_INIT;

    (void)state;
    set_declared_size(zip, len, 2000);
    pkg = open_ok(zip, len);
    assert_int_equal(sc_ofd_pkg_read(pkg, 0, SIZE_MAX, &buf, &n, &err), SC_EFORMAT);
    assert_non_null(strstr(err.msg, "OFD entry \"short\": "));
    assert_null(buf);
    sc_ofd_pkg_free(pkg);
    free(zip);
}

/* ---- paths ----------------------------------------------------------------------------- */

static void ofd_path_resolve__resolves_each_form(void **state)
{
    static const struct { const char *base, *loc, *want; } rows[] = {
        { NULL, "/Doc_0/Document.xml", "Doc_0/Document.xml" },
        { "Doc_0", "/Doc_0/Document.xml", "Doc_0/Document.xml" },
        { NULL, "Doc_0/Document.xml", "Doc_0/Document.xml" },
        { "", "OFD.xml", "OFD.xml" },
        { "Doc_0", "Pages/Page_0/Content.xml", "Doc_0/Pages/Page_0/Content.xml" },
        { "/Doc_0/", "./Res/image.png", "Doc_0/Res/image.png" },
        { "Doc_0/Signs/Sign_0", "../../Document.xml", "Doc_0/Document.xml" },
        { "Doc_0/Signs/Sign_0", "../../../OFD.xml", "OFD.xml" },
        { "Doc_0", "Res//a.png", "Doc_0/Res/a.png" },
    };
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char out[64];
        sc_err err = SC_ERR_INIT;
        if (sc_ofd_path_resolve(rows[i].base, rows[i].loc, out, sizeof(out), &err) != 0 ||
            strcmp(out, rows[i].want) != 0)
            fail_msg("%s + %s: got \"%s\" (%s), want %s", rows[i].base ? rows[i].base : "-",
                     rows[i].loc, out, err.msg, rows[i].want);
    }
}

static void ofd_path_resolve__rejects_each_bad_loc(void **state)
{
    static const struct { const char *base, *loc; size_t outlen; int code; const char *msg; }
    rows[] = {
        { NULL, "../OFD.xml", 64, SC_EFORMAT, "\"..\" leaves the package root" },
        { "Doc_0", "../../x", 64, SC_EFORMAT, "\"..\" leaves the package root" },
        { "Doc_0", "/../x", 64, SC_EFORMAT, "\"..\" leaves the package root" },
        { NULL, "", 64, SC_EFORMAT, "ST_Loc: empty" },
        { "Doc_0", "..", 64, SC_EFORMAT, "names no file" },
        { NULL, "Doc_0\\x", 64, SC_EFORMAT, "backslash" },
        { NULL, "abcdefgh", 8, SC_ELIMIT, "longer than 7 bytes" },
    };
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char out[64];
        sc_err err = SC_ERR_INIT;
        int rc = sc_ofd_path_resolve(rows[i].base, rows[i].loc, out, rows[i].outlen, &err);
        if (rc != rows[i].code || strstr(err.msg, rows[i].msg) == NULL)
            fail_msg("%s: got %d \"%s\"", rows[i].loc, rc, err.msg);
    }
    {
        char out[8];
        sc_err err = SC_ERR_INIT;
        assert_int_equal(sc_ofd_path_resolve(NULL, "abcdefg", out, sizeof(out), &err), 0);
    }
}

static void ofd_pkg_find__reports_missing_entry(void **state)
{
    uint8_t *buf = NULL;
    size_t len = 0, idx = 0;
    sc_ofd_pkg *pkg;
    sc_err err = SC_ERR_INIT;

    (void)state;
    assert_int_equal(sc_test_read(sc_test_path(sc_test_vectors(), SESV4), &buf, &len), 0);
    pkg = open_ok(buf, len);
    assert_int_equal(sc_ofd_pkg_find(pkg, "Doc_0", "Pages/Page_9/Content.xml", &idx, &err),
                     SC_ENOTFOUND);
    assert_non_null(strstr(err.msg, "\"Doc_0/Pages/Page_9/Content.xml\": not in the package"));
    sc_ofd_pkg_free(pkg);
    free(buf);
}

/* ---- XML ------------------------------------------------------------------------------- */

static void expect_xml(const char *xml, size_t len, unsigned depth, int code, const char *frag,
                       const char *row)
{
    xmlDoc *doc = NULL;
    sc_err err = SC_ERR_INIT;
    int rc = sc__ofd_xml_parse_depth((const uint8_t *)xml, len, "t.xml", depth, &doc, &err);

    if (rc != code || (frag != NULL && strstr(err.msg, frag) == NULL))
        fail_msg("%s: got %d \"%s\", want %d \"%s\"", row, rc, err.msg, code,
                 frag != NULL ? frag : "");
    if (code != 0)
        assert_null(doc);
    xmlFreeDoc(doc);
}

static void ofd_xml_parse__rejects_each_hostile_document(void **state)
{
    static const struct { const char *row, *xml; int code; const char *msg; } rows[] = {
        { "billion laughs",
          "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
          " <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
          " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
          "]>\n<lolz>&lol3;</lolz>",
          SC_EFORMAT, "t.xml: line 3: DTD declares an entity (refused" },
        { "XXE file",
          "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
          "<r>&x;</r>",
          SC_EFORMAT, "DTD declares an entity" },
        { "parameter entity",
          "<!DOCTYPE r [<!ENTITY % p SYSTEM \"http://example.invalid/x.dtd\"> %p;]><r/>",
          SC_EFORMAT, "DTD declares an entity" },
        { "external DTD",
          "<!DOCTYPE r SYSTEM \"http://example.invalid/r.dtd\"><r/>",
          SC_EFORMAT, "t.xml: line 1: DOCTYPE names an external DTD (refused: XXE)" },
        { "tag mismatch", "<a>\n<b></a>", SC_EFORMAT,
          "t.xml: XML line 2: Opening and ending tag mismatch: b line 2 and a (libxml2)" },
        { "undeclared entity", "<a>&nope;</a>", SC_EFORMAT, "Entity 'nope' not defined" },
        { "not XML", "just text", SC_EFORMAT, "Start tag expected" },
        { "empty", "", SC_EFORMAT, "t.xml: empty" },
    };
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        expect_xml(rows[i].xml, strlen(rows[i].xml), SC_OFD_MAX_XML_DEPTH, rows[i].code,
                   rows[i].msg, rows[i].row);
    expect_xml("<!DOCTYPE r><r/>", 16, SC_OFD_MAX_XML_DEPTH, 0, NULL, "bare DOCTYPE");
}

/* Bug: libxml2 printed "encoding error : input conversion failed" and "I/O error : encoder
 * error" to stderr for bytes not in the declared encoding (its generic error channel). */
static void ofd_xml_parse__encoding_errors_are_reported_not_printed(void **state)
{
    static const char bad[] = "<?xml version=\"1.0\" encoding=\"GB2312\"?><a>\xff\xff\xff</a>";
    char path[600], got[256] = { 0 };
    int saved = dup(2), fd;
    FILE *f;

    (void)state;
    snprintf(path, sizeof(path), "%s/stderr.txt", sc_test_tmpdir());
    assert_true(saved >= 0);
    assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
    assert_true(dup2(fd, 2) == 2);
    close(fd);
    expect_xml(bad, sizeof(bad) - 1, SC_OFD_MAX_XML_DEPTH, SC_EFORMAT,
               "t.xml: XML line 1: input conversion failed due to input error", "GB2312");
    fflush(stderr);
    assert_true(dup2(saved, 2) == 2);
    close(saved);
    assert_non_null(f = fopen(path, "r"));
    size_t n = fread(got, 1, sizeof(got) - 1, f);
    fclose(f);
    if (n != 0)
        fail_msg("libxml2 printed: %s", got);
}

static char *nested(unsigned depth, size_t *len)
{
    char *s = malloc(depth * 7 + 1), *p = s;

    assert_non_null(s);
    for (unsigned i = 0; i < depth; i++, p += 3)
        memcpy(p, "<a>", 3);
    for (unsigned i = 0; i < depth; i++, p += 4)
        memcpy(p, "</a>", 4);
    *p = '\0';
    *len = (size_t)(p - s);
    return s;
}

static void ofd_xml_parse__limits_depth_at_n_and_n_plus_1(void **state)
{
    size_t len;
    char *x;

    (void)state;
    x = nested(SC_OFD_MAX_XML_DEPTH, &len);
    expect_xml(x, len, SC_OFD_MAX_XML_DEPTH, 0, NULL, "128 deep");
    free(x);
    x = nested(SC_OFD_MAX_XML_DEPTH + 1, &len);
    expect_xml(x, len, SC_OFD_MAX_XML_DEPTH, SC_ELIMIT,
               "t.xml: line 1: elements nested deeper than 128", "129 deep");
    free(x);
    x = nested(300, &len);
    expect_xml(x, len, SC_OFD_MAX_XML_DEPTH, SC_ELIMIT, "nested deeper than 128", "300 deep");
    free(x);
    /* libxml2's own limit (256 without XML_PARSE_HUGE) still holds behind ours. */
    x = nested(300, &len);
    expect_xml(x, len, 1000, SC_EFORMAT, "Excessive depth in document: 256", "libxml2 300");
    free(x);
}

/* SC_OFD_MAX_XML bytes parse; one more is refused before parsing. Text comes in 1 MB pieces:
 * libxml2 2.9 refuses a single text node over 10,000,000 bytes without XML_PARSE_HUGE. */
static void ofd_xml_parse__limits_size_at_n_and_n_plus_1(void **state)
{
    size_t n = SC_OFD_MAX_XML;
    char *x = malloc(n + 1);
    xmlDoc *doc = NULL;
    sc_err err = SC_ERR_INIT;

    (void)state;
    assert_non_null(x);
    memset(x, 'x', n + 1);
    memcpy(x, "<a>", 3);
    for (size_t at = 1000000; at + 4 < n - 4; at += 1000000)
        memcpy(x + at, "<b/>", 4);
    memcpy(x + n - 4, "</a>", 4);
    assert_int_equal(sc__ofd_xml_parse((uint8_t *)x, n, "big.xml", &doc, &err), 0);
    xmlFreeDoc(doc);
    x[n] = ' ';
    assert_int_equal(sc__ofd_xml_parse((uint8_t *)x, n + 1, "big.xml", &doc, &err), SC_ELIMIT);
    assert_non_null(strstr(err.msg, "big.xml: 16777217 bytes, more than the 16777216 allowed"));
    assert_null(doc);
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ofd_pkg_open_mem__reads_each_vector),
        cmocka_unit_test(ofd_pkg_open_fd__reads_each_vector),
        cmocka_unit_test(ofd_pkg_open_fd__rejects_a_directory),
        cmocka_unit_test(ofd_pkg_sm3__matches_openssl_dgst),
        cmocka_unit_test(ofd_pkg_open__tolerates_bytes_before_and_after),
        cmocka_unit_test(ofd_pkg_open__rejects_each_bad_package),
        cmocka_unit_test(ofd_pkg_open__rejects_damaged_zip),
        cmocka_unit_test(ofd_pkg_open__accepts_name_of_1024_bytes_not_1025),
        cmocka_unit_test(ofd_pkg_open__limits_entries_at_n_and_n_plus_1),
        cmocka_unit_test(ofd_pkg_open__limits_entry_size_at_n_and_n_plus_1),
        cmocka_unit_test(ofd_pkg_open__limits_total_size_at_n_and_n_plus_1),
        cmocka_unit_test(ofd_pkg_read__limits_to_max_at_n_and_n_plus_1),
        cmocka_unit_test(ofd_pkg_read__rejects_data_longer_than_declared),
        cmocka_unit_test(ofd_pkg_read__rejects_data_shorter_than_declared),
        cmocka_unit_test(ofd_path_resolve__resolves_each_form),
        cmocka_unit_test(ofd_path_resolve__rejects_each_bad_loc),
        cmocka_unit_test(ofd_pkg_find__reports_missing_entry),
        cmocka_unit_test(ofd_xml_parse__rejects_each_hostile_document),
        cmocka_unit_test(ofd_xml_parse__encoding_errors_are_reported_not_printed),
        cmocka_unit_test(ofd_xml_parse__limits_depth_at_n_and_n_plus_1),
        cmocka_unit_test(ofd_xml_parse__limits_size_at_n_and_n_plus_1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
