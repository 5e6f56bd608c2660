/* test_ofd_verify.c: the OFD verifier (sc_verify_ofd, ofd/ofd_verify.c). Every vendor and
 * ofdrw vector is reported as its MANIFEST.md says; tampered packages are rebuilt from a valid
 * one with the zip writer (untouched entries copied raw, the changed one added, so CRCs are
 * right and only the intended bytes differ) and each must fail exactly the check that guards
 * what changed, naming the file; findings (extra bytes, unprotected and later-added files)
 * never change a verdict; broken and hostile packages give clean reasons, never a crash. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "ofd/ofd_int.h"
#include "ofd/ofd_zipw.h"
#include "sealcore/ofd.h"
#include "sealcore/verify.h"
#include "testutil.h"

#define NROWS(a) (sizeof(a) / sizeof((a)[0]))
#define SIG0 "Doc_0/Signs/Sign_0/"
#define PAGE0 "Doc_0/Pages/Page_0/Content.xml"
#define NO_ANCHORS "no trust anchors were given"

/* ---- packages in memory ---------------------------------------------------------------- */

typedef struct mem {
    uint8_t *p;
    size_t len;
} mem;

/* The zip writer's output goes to an open_memstream() FILE. */
static int file_sink(void *ctx, const uint8_t *p, size_t n, sc_err *err)
{
    (void)err;
    return fwrite(p, 1, n, ctx) == n ? 0 : SC_EIO;
}

static mem load(const char *rel)
{
    mem m = { NULL, 0 };

    if (sc_test_read(sc_test_path(sc_test_vectors(), rel), &m.p, &m.len) != 0)
        fail_msg("cannot read vector %s", rel);
    return m;
}

/* One change to a package entry: FLIP xors the byte at off (from the end when negative),
 * SUBST replaces the first `a` by `b`, PUT sets the whole entry (added when absent), DROP
 * removes it. */
enum { FLIP, SUBST, PUT, DROP };
typedef struct edit {
    const char *name;
    int op;
    long off;
    const char *a, *b;
    const uint8_t *data;
    size_t len;
} edit;

static uint8_t *apply(const edit *e, uint8_t *d, size_t *n)
{
    if (e->op == FLIP) {
        size_t at = e->off < 0 ? *n - (size_t)-e->off : (size_t)e->off;
        assert_true(at < *n);
        d[at] ^= 0x01;
        return d;
    }
    if (e->op == PUT) {
        free(d);
        *n = e->len;
        assert_non_null(d = malloc(e->len + 1));
        memcpy(d, e->data, e->len);
        return d;
    }
    char *hit = strstr((char *)d, e->a);   /* entries are read with a NUL after them */
    size_t la = strlen(e->a), lb = strlen(e->b), pre;
    uint8_t *out;
    if (hit == NULL)
        fail_msg("%s: \"%s\" not found", e->name, e->a);
    pre = (size_t)((uint8_t *)hit - d);
    assert_non_null(out = malloc(*n - la + lb + 1));
    memcpy(out, d, pre);
    memcpy(out + pre, e->b, lb);
    memcpy(out + pre + lb, d + pre + la, *n - pre - la + 1);
    *n = *n - la + lb;
    free(d);
    return out;
}

/* src with edits applied, as a new zip. */
static mem rebuild(mem src, const edit *ed, size_t ne)
{
    sc_err e = SC_ERR_INIT;
    sc_ofd_pkg *pkg = NULL;
    sc__zipw *w = NULL;
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    int used[16] = { 0 };

    assert_true(ne <= NROWS(used));
    assert_non_null(f);
    if (sc_ofd_pkg_open_mem(&pkg, src.p, src.len, &e) != 0 ||
        sc__zipw_new(&w, file_sink, f, &e) != 0)
        fail_msg("rebuild: %s", e.msg);
    for (size_t i = 0; i < sc_ofd_pkg_count(pkg); i++) {
        const char *name = sc_ofd_pkg_name(pkg, i);
        uint8_t *d = NULL;
        size_t n = 0, k = 0;
        while (k < ne && strcmp(ed[k].name, name) != 0)
            k++;
        if (k == ne) {
            if (sc__zipw_copy(w, pkg, i, &e) != 0)
                fail_msg("copy %s: %s", name, e.msg);
            continue;
        }
        used[k] = 1;
        if (ed[k].op == DROP)
            continue;
        if (sc_ofd_pkg_read(pkg, i, SC_OFD_MAX_ENTRY, &d, &n, &e) != 0)
            fail_msg("read %s: %s", name, e.msg);
        d = apply(&ed[k], d, &n);
        if (sc__zipw_add(w, name, d, n, 1, &e) != 0)
            fail_msg("add %s: %s", name, e.msg);
        free(d);
    }
    for (size_t k = 0; k < ne; k++) {   /* PUT entries the package did not have */
        if (used[k])
            continue;
        assert_int_equal(ed[k].op, PUT);
        if (sc__zipw_add(w, ed[k].name, ed[k].data, ed[k].len, 0, &e) != 0)
            fail_msg("add %s: %s", ed[k].name, e.msg);
    }
    if (sc__zipw_finish(w, &e) != 0)
        fail_msg("finish: %s", e.msg);
    sc__zipw_free(w);
    sc_ofd_pkg_free(pkg);
    assert_int_equal(fclose(f), 0);
    return (mem){ (uint8_t *)buf, size };
}

static sc_report *verify(mem m, int64_t at)
{
    sc_verify_opts o = { 0 };
    sc_err e = SC_ERR_INIT;
    sc_report *rep = NULL;

    o.at = at;
    if (sc_report_new(&rep, "test.ofd", NULL, &e) != 0 ||
        sc_verify_ofd_mem(rep, m.p, m.len, &o, &e) != 0)
        fail_msg("verify: %s", e.msg);
    return rep;
}

#define CHECK SC_TEST_CHECK

/* Every check of item 0 in a and b alike except `except` (a bit per check). */
static void same_except(const sc_report *a, const sc_report *b, unsigned except)
{
    assert_int_equal(sc_report_item_count(a), sc_report_item_count(b));
    for (int c = 0; c < SC_CHECK_COUNT; c++) {
        sc_result ra = sc_report_get_check(a, 0, (sc_check)c, NULL);
        sc_result rb = sc_report_get_check(b, 0, (sc_check)c, NULL);
        if (!(except & (1u << c)) && ra != rb)
            fail_msg("%s changed: %d -> %d", sc_check_name((sc_check)c), ra, rb);
    }
}

static json_t *report_json(const sc_report *rep)
{
    sc_err e = SC_ERR_INIT;
    char *s = NULL;
    json_t *j;

    assert_int_equal(sc_report_to_json(rep, &s, &e), 0);
    assert_non_null(j = json_loads(s, 0, NULL));
    free(s);
    return j;
}

/* The findings of rep as "code file" lines, one string. */
static void findings(const sc_report *rep, char *buf, size_t n)
{
    size_t o = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < sc_report_finding_count(rep); i++) {
        const char *file, *code = sc_report_get_finding(rep, i, &file, NULL);
        o += (size_t)snprintf(buf + o, n - o, "%s%s %s", i ? "; " : "", code,
                              file ? file : "-");
        assert_true(o < n);
    }
}

/* ---- the vectors, as MANIFEST.md says ---------------------------------------------------- */

static const struct want {
    const char *file, *id, *type;
    int page;                       /* 0: null */
    double box[4];                  /* all 0: null */
    int seal_file;                  /* ofd_seal_file reported (passed) */
    sc_check bad[2];                /* checks that fail; SC_CHECK_COUNT: none */
    const char *why[2];
    const char *findings;
} wants[] = {
#define ALL_PASS { SC_CHECK_COUNT, SC_CHECK_COUNT }, { NULL, NULL }
    { "ofdrw/SESV4SignDoc.ofd", "1", "Seal", 1, { 50, 50, 40, 40 }, 1,
      /* ofdrw signed in 2026 with a certificate and seal that expired in 2022 */
      { SC_CHECK_SIGNER_CERT, SC_CHECK_SEAL_VALIDITY },
      { "valid from 2020-04-21T14:39:08Z to 2022-04-21T14:39:08Z, not at 2026-08-04T02:08:09Z",
        "the seal is valid from 2020-04-22T02:09:00Z to 2022-04-22T02:09:00Z" }, "" },
    { "ofdrw/signedFile.ofd", "2", "Seal", 1, { 90, 8, 30, 20 }, 0, ALL_PASS, "" },
    { "ofdrw/v4signed.ofd", "1", "Seal", 1, { 90, 8, 30, 20 }, 0, ALL_PASS, "" },
    { "vendors/acc-20220101.ofd", "1", "Seal", 1, { 134.8587, 176.3707, 45, 23 }, 0,
      ALL_PASS, "unprotected_file OFD.xml" },
    { "vendors/acc-20220725.ofd", "1", "Seal", 1, { 135.1, 206.5199, 45, 23 }, 0,
      ALL_PASS, "unprotected_file OFD.xml" },
    { "vendors/bank_receipt_1.ofd", "1", "Seal", 1, { 21, 96, 45, 35 }, 0,
      ALL_PASS, "unprotected_file OFD.xml" },
    { "vendors/invoice-2020062290131.ofd", "1", "Seal", 1, { 21, 96, 45, 35 }, 0,
      ALL_PASS, "unprotected_file OFD.xml" },
    { "vendors/gonghang_1.ofd", "1", "Seal", 1, { 135.1, 206.5199, 45, 23 }, 0,
      { SC_CHECK_SIGNER_SIGNATURE, SC_CHECK_COUNT },   /* BIT STRING with 7 unused bits */
      { "signature value: SM2Signature: length 70 exceeds the 69 bytes available", NULL },
      "unprotected_file OFD.xml" },
    { "vendors/DZHD-e-receipt.ofd", "1", "Seal", 1, { 143.63, 93.13, 41.78, 35.95 }, 1,
      ALL_PASS, "" },   /* Seal.esl: pinned */
    { "vendors/gh11.ofd", "1", "Seal", 1, { 143.52, 93.13, 42.03, 35.95 }, 0, ALL_PASS, "" },
    { "vendors/bker_issuer_20191231.ofd", "2", "Seal", 1, { 153, 50, 40, 33 }, 0, ALL_PASS,
      "unprotected_file Doc_0/Res/Image_0.png; unprotected_file Doc_0/Res/Image_1.png; "
      "unprotected_file Doc_0/Temps/Temp_0/Content.xml; unprotected_file OFD.xml" },
    { "vendors/bkrs_issuer_20220309_C1030311000455.ofd", "2", "Seal", 1, { 163, 42, 35, 22 }, 0,
      ALL_PASS,
      "unprotected_file Doc_0/Temps/Temp_0/Content.xml; unprotected_file OFD.xml" },
    { "vendors/railway-ticket-exchange.ofd", "1", "Sign", 0, { 0, 0, 0, 0 }, 0,
      ALL_PASS, "unprotected_file OFD.xml" },
    { "vendors/railway-ticket-refund.ofd", "1", "Sign", 0, { 0, 0, 0, 0 }, 0,
      ALL_PASS, "unprotected_file OFD.xml" },
};

static void check_extra(const sc_report *rep, const struct want *w)
{
    json_t *j = report_json(rep), *it = json_array_get(json_object_get(j, "items"), 0);
    json_t *box = json_object_get(it, "boundary"), *page = json_object_get(it, "page");

    assert_string_equal(json_string_value(json_object_get(j, "format")), "ofd");
    assert_string_equal(json_string_value(json_object_get(it, "id")), w->id);
    assert_string_equal(json_string_value(json_object_get(it, "type")), w->type);
    assert_true(json_is_string(json_object_get(it, "provider")));
    if (w->page == 0)
        assert_true(json_is_null(page));
    else
        assert_int_equal(json_integer_value(page), w->page);
    if (w->box[2] == 0) {
        assert_true(json_is_null(box));
        assert_int_equal(json_integer_value(json_object_get(it, "stamps")), 0);
    } else {
        assert_int_equal(json_array_size(box), 4);
        for (size_t k = 0; k < 4; k++)
            if (fabs(json_real_value(json_array_get(box, k)) - w->box[k]) > 1e-9)
                fail_msg("%s: boundary[%zu] is %g, not %g", w->file, k,
                         json_real_value(json_array_get(box, k)), w->box[k]);
    }
    json_decref(j);
}

static void vectors__reported_as_their_manifests_say(void **state)
{
    char paths[32][512], got[1024];
    size_t n;

    (void)state;
    assert_int_equal(sc_test_vector_ofds(paths, 32, &n), NROWS(wants));
    for (size_t v = 0; v < NROWS(wants); v++) {
        const struct want *w = &wants[v];
        mem m = load(w->file);
        sc_report *rep = verify(m, 0);
        int sign = strcmp(w->type, "Sign") == 0;
        assert_int_equal(sc_report_item_count(rep), 1);
        for (int c = 0; c < SC_CHECK_COUNT; c++) {
            sc_result want = SC_RESULT_PASSED;
            const char *frag = NULL;
            if (c == SC_CHECK_CERT_CHAIN) {
                want = SC_RESULT_SKIPPED;
                frag = NO_ANCHORS;
            } else if (sign && (c == SC_CHECK_SIGNER_IN_SEAL || c == SC_CHECK_SEAL_SIGNATURE ||
                                c == SC_CHECK_SEAL_VALIDITY || c == SC_CHECK_TIMESTAMP)) {
                want = SC_RESULT_NONE;
            } else if (c == SC_CHECK_TIMESTAMP) {
                want = SC_RESULT_SKIPPED;
                frag = "no time-stamp token present";
            } else if (c == SC_CHECK_SEAL_STATUS) {   /* Sign has no seal; no status given */
                want = sign ? SC_RESULT_NONE : SC_RESULT_SKIPPED;
            } else if ((c == SC_CHECK_OFD_SEAL_FILE && !w->seal_file) ||
                       c == SC_CHECK_LICENSE) {   /* no vector is a licence */
                want = SC_RESULT_NONE;
            }
            for (int k = 0; k < 2; k++)
                if (w->bad[k] == (sc_check)c) {
                    want = SC_RESULT_FAILED;
                    frag = w->why[k];
                }
            char msg[1600];
            if (!sc_test_check_is(rep, 0, (sc_check)c, want, frag, msg, sizeof(msg)))
                fail_msg("%s: %s", w->file, msg);
        }
        assert_int_equal(sc_report_exit_code(rep), 1);   /* no anchors: never valid */
        check_extra(rep, w);
        findings(rep, got, sizeof(got));
        if (strcmp(got, w->findings) != 0)
            fail_msg("%s: findings \"%s\", expected \"%s\"", w->file, got, w->findings);
        sc_report_free(rep);
        free(m.p);
    }
}

/* Judged at a time inside every validity period, ofdrw's own file passes all but the chain. */
static void vectors__ofdrw_passes_when_judged_within_validity(void **state)
{
    mem m = load("ofdrw/SESV4SignDoc.ofd");
    sc_report *rep = verify(m, sc_test_time("2021-06-01T00:00:00Z"));

    (void)state;
    CHECK(rep, 0, SC_CHECK_SIGNER_CERT, SC_RESULT_PASSED, NULL);
    CHECK(rep, 0, SC_CHECK_SEAL_VALIDITY, SC_RESULT_PASSED, NULL);
    CHECK(rep, 0, SC_CHECK_OFD_SEAL_FILE, SC_RESULT_PASSED, NULL);
    CHECK(rep, 0, SC_CHECK_CERT_CHAIN, SC_RESULT_SKIPPED, NO_ANCHORS);
    sc_report_free(rep);
    free(m.p);
}

/* ---- tampering: exactly the guarding check fails, naming the file ------------------------ */

static const uint8_t *user_v1(size_t *len)
{
    static mem v1;

    if (v1.p == NULL)
        v1 = load("ofdrw/UserV1.esl");
    *len = v1.len;
    return v1.p;
}

static const struct tamper {
    const char *name, *base;
    edit ed[2];
    sc_check c1, c2;                /* the checks that must fail (c2 may be SC_CHECK_COUNT) */
    const char *why1, *why2;
} tampers[] = {
    { "page", "ofdrw/SESV4SignDoc.ofd", { { PAGE0, FLIP, 100, 0, 0, 0, 0 } },
      SC_CHECK_OFD_REFERENCES, SC_CHECK_COUNT, PAGE0 ": SM3 differs from the CheckValue in "
      "Signature.xml: the page was changed after signing", NULL },
    { "resource", "ofdrw/v4signed.ofd", { { "Doc_0/Res/qr.png", FLIP, 50, 0, 0, 0, 0 } },
      SC_CHECK_OFD_REFERENCES, SC_CHECK_COUNT, "Doc_0/Res/qr.png: SM3 differs from the "
      "CheckValue in Signature.xml: the file was changed after signing", NULL },
    { "Signature.xml", "ofdrw/SESV4SignDoc.ofd",
      { { SIG0 "Signature.xml", SUBST, 0, "ofdrw-sign", "ofdrw-sigN", 0, 0 } },
      SC_CHECK_DATA_HASH, SC_CHECK_COUNT, "SM3 of " SIG0 "Signature.xml differs from the "
      "dataHash signed in " SIG0 "SignedValue.dat: Signature.xml was changed after signing",
      NULL },
    { "SignedValue.dat", "ofdrw/SESV4SignDoc.ofd", { { SIG0 "SignedValue.dat", FLIP, -1, 0, 0,
      0, 0 } }, SC_CHECK_SIGNER_SIGNATURE, SC_CHECK_COUNT, "signer signature: the signature "
      "value does not match the signed bytes", NULL },
    { "Seal.esl swapped", "ofdrw/SESV4SignDoc.ofd", { { SIG0 "Seal.esl", PUT, 0, 0, 0, 0, 0 } },
      SC_CHECK_OFD_SEAL_FILE, SC_CHECK_OFD_REFERENCES, SIG0 "Seal.esl differs from the seal "
      "inside " SIG0 "SignedValue.dat (the one that was signed): the seal file was replaced",
      SIG0 "Seal.esl: SM3 differs from the CheckValue" },
    { "referenced file deleted", "ofdrw/SESV4SignDoc.ofd",
      { { "Doc_0/PublicRes.xml", DROP, 0, 0, 0, 0, 0 } }, SC_CHECK_OFD_REFERENCES,
      SC_CHECK_COUNT, "Doc_0/PublicRes.xml: not in the package: the file was removed or renamed "
      "after signing", NULL },
    { "two files", "ofdrw/SESV4SignDoc.ofd", { { PAGE0, FLIP, 60, 0, 0, 0, 0 },
      { "Doc_0/PublicRes.xml", DROP, 0, 0, 0, 0, 0 } }, SC_CHECK_OFD_REFERENCES, SC_CHECK_COUNT,
      "2 of 5 referenced files fail: Doc_0/PublicRes.xml: not in the package: the file was "
      "removed or renamed after signing; " PAGE0 ": SM3 differs", NULL },
    { "railway Signature.xml", "vendors/railway-ticket-refund.ofd",
      { { SIG0 "Signature.xml", SUBST, 0, "Railway12306", "Railway12307", 0, 0 } },
      SC_CHECK_DATA_HASH, SC_CHECK_COUNT, NULL, NULL },
};

static void tamper__fails_exactly_the_guarding_check(void **state)
{
    (void)state;
    for (size_t t = 0; t < NROWS(tampers); t++) {
        const struct tamper *tp = &tampers[t];
        edit ed[2] = { tp->ed[0], tp->ed[1] };
        size_t ne = tp->ed[1].name != NULL ? 2 : 1;
        mem base = load(tp->base), m;
        sc_report *a = verify(base, 0), *b;
        if (ed[0].op == PUT)
            ed[0].data = user_v1(&ed[0].len);
        m = rebuild(base, ed, ne);
        b = verify(m, 0);
        print_message("tamper: %s\n", tp->name);
        CHECK(b, 0, tp->c1, SC_RESULT_FAILED, tp->why1);
        if (tp->c2 != SC_CHECK_COUNT)
            CHECK(b, 0, tp->c2, SC_RESULT_FAILED, tp->why2);
        same_except(a, b, (1u << tp->c1) | (tp->c2 != SC_CHECK_COUNT ? 1u << tp->c2 : 0));
        assert_int_equal(sc_report_finding_count(b), sc_report_finding_count(a));
        sc_report_free(a);
        sc_report_free(b);
        free(base.p);
        free(m.p);
    }
}

/* A byte of the stored (compressed) data flipped: the CRC or inflate fails, not the hash. */
static void tamper__damaged_zip_entry_cannot_be_read(void **state)
{
    mem m = load("ofdrw/SESV4SignDoc.ofd");
    const char *name = PAGE0;
    size_t nl = strlen(name), at = 0;
    sc_report *rep;

    (void)state;
    for (size_t i = 0; i + 30 + nl <= m.len && at == 0; i++)   /* its local header */
        if (memcmp(m.p + i, "PK\3\4", 4) == 0 && m.p[i + 26] == nl &&
            memcmp(m.p + i + 30, name, nl) == 0)
            at = i + 30 + nl + (size_t)(m.p[i + 28] | m.p[i + 29] << 8) + 20;
    assert_true(at > 0);
    m.p[at] ^= 0x55;
    rep = verify(m, 0);
    CHECK(rep, 0, SC_CHECK_OFD_REFERENCES, SC_RESULT_FAILED, PAGE0 ": cannot read (");
    CHECK(rep, 0, SC_CHECK_DATA_HASH, SC_RESULT_PASSED, NULL);
    sc_report_free(rep);
    free(m.p);
}

/* ---- findings --------------------------------------------------------------------------- */

static void findings__unprotected_file_named_verdict_unchanged(void **state)
{
    static const uint8_t note[] = "added later";
    edit ed = { "Doc_0/extra.txt", PUT, 0, 0, 0, note, sizeof(note) - 1 };
    mem base = load("ofdrw/SESV4SignDoc.ofd"), m = rebuild(base, &ed, 1);
    sc_report *a = verify(base, 0), *b = verify(m, 0);
    const char *file, *msg;
    char *text = NULL;
    sc_err e = SC_ERR_INIT;

    (void)state;
    same_except(a, b, 0);
    assert_int_equal(sc_report_exit_code(a), sc_report_exit_code(b));
    assert_int_equal(sc_report_finding_count(b), 1);
    assert_string_equal(sc_report_get_finding(b, 0, &file, &msg), "unprotected_file");
    assert_string_equal(file, "Doc_0/extra.txt");
    assert_non_null(strstr(msg, "no signature's References cover this file"));
    assert_int_equal(sc_report_to_text(b, &text, &e), 0);
    assert_non_null(strstr(text, "findings (they do not change the verdict):\n"
                                 "  [unprotected_file] Doc_0/extra.txt: no signature's"));
    free(text);
    sc_report_free(a);
    sc_report_free(b);
    free(base.p);
    free(m.p);
}

static void findings__extra_bytes_around_the_zip_verdict_unchanged(void **state)
{
    mem base = load("vendors/gh11.ofd"), m = { NULL, 0 };
    sc_report *a = verify(base, 0), *b;
    const char *file, *msg;
    json_t *j;

    (void)state;
    assert_non_null(m.p = malloc(base.len + 24));
    memcpy(m.p, "%PDF-1.7 vendor!", 16);
    memcpy(m.p + 16, base.p, base.len);
    memcpy(m.p + 16 + base.len, "trailer\n", 8);
    m.len = base.len + 24;
    b = verify(m, 0);
    same_except(a, b, 0);
    assert_int_equal(sc_report_finding_count(b), 1);
    assert_string_equal(sc_report_get_finding(b, 0, &file, &msg), "extra_bytes");
    assert_null(file);
    assert_non_null(strstr(msg, "16 bytes before the zip and 8 after its end record"));
    j = report_json(b);
    assert_string_equal(json_string_value(json_object_get(json_array_get(
        json_object_get(j, "findings"), 0), "code")), "extra_bytes");
    json_decref(j);
    sc_report_free(a);
    sc_report_free(b);
    free(base.p);
    free(m.p);
}

/* What the signatures cannot speak for: a page list that cannot be read, a second document. */
static void findings__document_level(void **state)
{
    static const uint8_t junk[] = "<not-a-document/>";
    const edit ed[2] = {
        { "Doc_0/Document.xml", PUT, 0, 0, 0, junk, sizeof(junk) - 1 },
        { "OFD.xml", SUBST, 0, "</ofd:OFD>", "<ofd:DocBody><ofd:DocRoot>Doc_1/Document.xml"
          "</ofd:DocRoot></ofd:DocBody></ofd:OFD>", 0, 0 } };
    mem base = load("ofdrw/SESV4SignDoc.ofd"), m = rebuild(base, ed, 2);
    sc_report *rep = verify(m, 0);
    json_t *j = report_json(rep);
    char got[512];

    (void)state;
    CHECK(rep, 0, SC_CHECK_OFD_REFERENCES, SC_RESULT_FAILED, "2 of 5 referenced files fail: "
          "OFD.xml: SM3 differs");
    CHECK(rep, 0, SC_CHECK_SIGNER_SIGNATURE, SC_RESULT_PASSED, NULL);
    assert_true(json_is_null(json_object_get(json_array_get(json_object_get(j, "items"), 0),
                                             "page")));
    findings(rep, got, sizeof(got));
    assert_string_equal(got, "unverified_documents OFD.xml; unreadable_document "
                             "Doc_0/Document.xml");
    json_decref(j);
    sc_report_free(rep);
    free(base.p);
    free(m.p);
}

/* A Signature.xml of our own with these References (the signature value stays Sign_0's, so
 * only ofd_references and the findings mean anything in these tests). */
static char *signature_xml(const char *method, const char *refs)
{
    char *s;

    assert_true(asprintf(&s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Signature xmlns:ofd="
        "\"http://www.ofdspec.org/2016\"><ofd:SignedInfo><ofd:Provider ProviderName=\"test\"/>"
        "<ofd:References%s%s%s>%s</ofd:References><ofd:StampAnnot ID=\"2\" PageRef=\"1\" "
        "Boundary=\"1 2 3 4\"/></ofd:SignedInfo><ofd:SignedValue>/" SIG0 "SignedValue.dat"
        "</ofd:SignedValue></ofd:Signature>", method ? " CheckMethod=\"" : "",
        method ? method : "", method ? "\"" : "", refs) > 0);
    return s;
}

/* <Reference> for entry with alg's Base64 digest of data. */
static char *ref_xml(const char *entry, const char *alg, const uint8_t *data, size_t len)
{
    uint8_t h[EVP_MAX_MD_SIZE];
    unsigned hl = 0;
    char b64[100], *s;

    assert_int_equal(EVP_Digest(data, len, h, &hl, EVP_get_digestbyname(alg), NULL), 1);
    EVP_EncodeBlock((unsigned char *)b64, h, (int)hl);
    assert_true(asprintf(&s, "<ofd:Reference FileRef=\"/%s\"><ofd:CheckValue>%s</ofd:CheckValue>"
                         "</ofd:Reference>", entry, b64) > 0);
    return s;
}

/* Signature 2 (Sign_1) covers a file signature 1 does not: that file came after 1. */
static void findings__file_only_a_later_signature_covers(void **state)
{
    static const uint8_t added[] = "<x>added between the signatures</x>";
    mem base = load("ofdrw/SESV4SignDoc.ofd"), m;
    char *ref = ref_xml("Doc_0/added.xml", "SM3", added, sizeof(added) - 1);
    char *xml = signature_xml("SM3", ref), got[512];
    edit ed[3] = {
        { "Doc_0/added.xml", PUT, 0, 0, 0, added, sizeof(added) - 1 },
        { "Doc_0/Signs/Sign_1/Signature.xml", PUT, 0, 0, 0, (const uint8_t *)xml, strlen(xml) },
        { "Doc_0/Signs/Signatures.xml", SUBST, 0, "<ofd:MaxSignId>", "<ofd:Signature ID=\"3\" "
          "BaseLoc=\"Sign_1/Signature.xml\"/><ofd:MaxSignId>", 0, 0 } };
    edit lone = { "Doc_0/stray.xml", PUT, 0, 0, 0, added, sizeof(added) - 1 };
    sc_report *rep;

    (void)state;
    m = rebuild(base, ed, 3);
    rep = verify(m, 0);
    assert_int_equal(sc_report_item_count(rep), 2);
    CHECK(rep, 1, SC_CHECK_OFD_REFERENCES, SC_RESULT_PASSED, NULL);
    findings(rep, got, sizeof(got));
    assert_string_equal(got, "added_after_signing Doc_0/added.xml");
    const char *msg;
    sc_report_get_finding(rep, 0, NULL, &msg);
    assert_string_equal(msg, "signature 1 does not cover this file, but the later signature 3 "
                             "does: it was added or replaced after signature 1 was made");
    sc_report_free(rep);
    free(base.p);
    base = m;
    m = rebuild(base, &lone, 1);   /* covered by nobody: unprotected, not "added after" */
    rep = verify(m, 0);
    findings(rep, got, sizeof(got));
    assert_string_equal(got, "added_after_signing Doc_0/added.xml; "
                             "unprotected_file Doc_0/stray.xml");
    sc_report_free(rep);
    free(base.p);
    free(m.p);
    free(ref);
    free(xml);
}

/* ---- CheckMethod and References as written --------------------------------------------- */

static void references__each_check_method_streams_and_compares(void **state)
{
    static const struct { const char *method, *alg; } rows[] = {
        { "SM3", "SM3" }, { "sm3", "SM3" }, { "1.2.156.10197.1.401", "SM3" },
        { NULL, "MD5" }, { "MD5", "MD5" }, { "SHA1", "SHA1" }, { "SHA256", "SHA256" },
    };
    mem base = load("ofdrw/SESV4SignDoc.ofd");
    size_t big_len = 3u << 20;   /* several 64 KiB chunks */
    uint8_t *big = malloc(big_len);

    (void)state;
    assert_non_null(big);
    for (size_t i = 0; i < big_len; i++)
        big[i] = (uint8_t)(i * 2654435761u >> 13);
    for (size_t r = 0; r < NROWS(rows); r++) {
        char *ref = ref_xml("Doc_0/Res/big.bin", rows[r].alg, big, big_len);
        char *xml = signature_xml(rows[r].method, ref);
        edit ed[2] = { { "Doc_0/Res/big.bin", PUT, 0, 0, 0, big, big_len },
                       { SIG0 "Signature.xml", PUT, 0, 0, 0, (const uint8_t *)xml, strlen(xml) } };
        mem m = rebuild(base, ed, 2);
        sc_report *rep = verify(m, 0);
        print_message("CheckMethod %s\n", rows[r].method ? rows[r].method : "(absent)");
        CHECK(rep, 0, SC_CHECK_OFD_REFERENCES, SC_RESULT_PASSED, NULL);
        sc_report_free(rep);
        free(m.p);
        free(ref);
        free(xml);
    }
    free(big);
    free(base.p);
}

static void references__refuses_what_cannot_be_checked(void **state)
{
    static const uint8_t page[] = "x";
    char *sm3 = ref_xml(PAGE0, "SM3", page, 1);
    const struct { const char *method, *refs, *why; } rows[] = {
        { "SM9", sm3, "CheckMethod \"SM9\" is not SM3, MD5, SHA1 or SHA256: no file could be "
          "checked" },
        { "SM3", "", "Signature.xml lists no Reference: the signature protects no file" },
        { "MD5", sm3, PAGE0 ": its CheckValue has 32 bytes, but MD5 gives 16" },
        { "SM3", "<ofd:Reference FileRef=\"/" PAGE0 "\"/>", PAGE0 ": its CheckValue is missing "
          "or not Base64" },
        { "SM3", "<ofd:Reference FileRef=\"/" PAGE0 "\"><ofd:CheckValue>***</ofd:CheckValue>"
          "</ofd:Reference>", PAGE0 ": its CheckValue is missing or not Base64" },
        { "SM3", "<ofd:Reference FileRef=\"/../../etc/passwd\"><ofd:CheckValue>AAAA"
          "</ofd:CheckValue></ofd:Reference>", "FileRef \"/../../etc/passwd\" does not name a "
          "file inside the package" },
    };
    mem base = load("ofdrw/SESV4SignDoc.ofd");

    (void)state;
    for (size_t r = 0; r < NROWS(rows); r++) {
        char *xml = signature_xml(rows[r].method, rows[r].refs);
        edit ed = { SIG0 "Signature.xml", PUT, 0, 0, 0, (const uint8_t *)xml, strlen(xml) };
        mem m = rebuild(base, &ed, 1);
        sc_report *rep = verify(m, 0);
        CHECK(rep, 0, SC_CHECK_OFD_REFERENCES, SC_RESULT_FAILED, rows[r].why);
        CHECK(rep, 0, SC_CHECK_SIGNER_SIGNATURE, SC_RESULT_PASSED, NULL);
        sc_report_free(rep);
        free(m.p);
        free(xml);
    }
    free(sm3);
    free(base.p);
}

/* ---- broken and hostile packages ------------------------------------------------------- */

static const char laughs[] =
    "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;"
    "&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\"><!ENTITY d \"&c;&c;&c;"
    "&c;&c;&c;&c;&c;&c;&c;\">]><ofd:Signature xmlns:ofd=\"http://www.ofdspec.org/2016\">&d;"
    "</ofd:Signature>";

/* The item of a signature whose Signature.xml is unusable fails structure with why; the rest
 * of the document is still reported (exit 1, not 2). */
static void broken__signature_fails_its_structure_only(void **state)
{
    static const uint8_t not_xml[] = "this is not XML";
    const struct { edit ed; const char *why; } rows[] = {
        { { SIG0 "Signature.xml", PUT, 0, 0, 0, not_xml, sizeof(not_xml) - 1 },
          SIG0 "Signature.xml: XML line 1" },
        { { SIG0 "Signature.xml", PUT, 0, 0, 0, (const uint8_t *)laughs, sizeof(laughs) - 1 },
          SIG0 "Signature.xml: line 1: DTD declares an entity (refused: entity expansion, XXE)" },
        { { SIG0 "Signature.xml", DROP, 0, 0, 0, 0, 0 }, SIG0 "Signature.xml\": not in the "
          "package" },
        { { SIG0 "SignedValue.dat", DROP, 0, 0, 0, 0, 0 }, SIG0 "SignedValue.dat: not in the "
          "package" },
        { { SIG0 "SignedValue.dat", PUT, 0, 0, 0, not_xml, sizeof(not_xml) - 1 },
          SIG0 "SignedValue.dat: SES_Signature: expected tag 0x30" },
        { { "Doc_0/Signs/Signatures.xml", SUBST, 0, "Type=\"Seal\"", "Type=\"Stamp\"", 0, 0 },
          "Signature Type \"Stamp\" is neither Seal nor Sign" },
    };
    mem base = load("ofdrw/SESV4SignDoc.ofd");

    (void)state;
    for (size_t r = 0; r < NROWS(rows); r++) {
        mem m = rebuild(base, &rows[r].ed, 1);
        sc_report *rep = verify(m, 0);
        assert_int_equal(sc_report_item_count(rep), 1);
        CHECK(rep, 0, SC_CHECK_STRUCTURE, SC_RESULT_FAILED, rows[r].why);
        assert_int_equal(sc_report_exit_code(rep), 1);
        sc_report_free(rep);
        free(m.p);
    }
    free(base.p);
}

/* A Document.xml that fails part way through its pages leaves no pages (ofd_model.h), not
 * the ones read so far with a NULL entry: a changed file's reason asks whether it is a page,
 * which read that NULL entry and crashed. */
static void broken__document_with_a_bad_page_leaves_no_pages(void **state)
{
    static const char page1[] = "<ofd:Page ID=\"1\" BaseLoc=\"Pages/Page_0/Content.xml\"/>";
    const struct { const char *extra, *why; } rows[] = {
        { "<ofd:Page ID=\"2\"/>", "Doc_0/Document.xml: page 2 has no BaseLoc" },
        { "<ofd:Page ID=\"2\" BaseLoc=\"../../x.xml\"/>", "\"../../x.xml\"" },
    };
    mem base = load("ofdrw/SESV4SignDoc.ofd");
    char to[256], got[512];

    (void)state;
    for (size_t r = 0; r < NROWS(rows); r++) {
        snprintf(to, sizeof(to), "%s%s", page1, rows[r].extra);
        const edit ed = { "Doc_0/Document.xml", SUBST, 0, page1, to, 0, 0 };
        mem m = rebuild(base, &ed, 1);
        sc_report *rep = verify(m, 0);
        json_t *j = report_json(rep);
        CHECK(rep, 0, SC_CHECK_OFD_REFERENCES, SC_RESULT_FAILED, "Doc_0/Document.xml: SM3 "
              "differs from the CheckValue in Signature.xml: the file was changed");
        assert_true(json_is_null(json_object_get(json_array_get(json_object_get(j, "items"),
                                                                0), "page")));
        findings(rep, got, sizeof(got));
        assert_string_equal(got, "unreadable_document Doc_0/Document.xml");
        assert_non_null(strstr(json_string_value(json_object_get(json_array_get(
                            json_object_get(j, "findings"), 0), "message")), rows[r].why));
        json_decref(j);
        sc_report_free(rep);
        free(m.p);
    }
    free(base.p);
}

/* No usable document at all: a report error (exit 2), like an unreadable seal. */
static void broken__package_is_a_report_error(void **state)
{
    static const uint8_t junk[] = "PK\5\6 this is no zip";
    const struct { edit ed; const char *why; } rows[] = {
        { { "OFD.xml", DROP, 0, 0, 0, 0, 0 }, "not an OFD package: no OFD.xml entry" },
        { { "Doc_0/Signs/Signatures.xml", DROP, 0, 0, 0, 0, 0 },
          "OFD entry \"Doc_0/Signs/Signatures.xml\": not in the package" },
        { { "OFD.xml", SUBST, 0, "<ofd:Signatures>/Doc_0/Signs/Signatures.xml</ofd:Signatures>",
            "", 0, 0 }, "the OFD document is not signed: OFD.xml names no Signatures.xml" },
        { { "Doc_0/Signs/Signatures.xml", SUBST, 0, "<ofd:Signature ", "<ofd:Unsigned ", 0, 0 },
          "the OFD document is not signed: its Signatures.xml lists no Signature" },
        { { "OFD.xml", PUT, 0, 0, 0, (const uint8_t *)laughs, sizeof(laughs) - 1 },
          "OFD.xml: line 1: DTD declares an entity" },
        { { NULL, DROP, 0, 0, 0, 0, 0 }, "OFD package: not a zip file (19 bytes)" },
    };
    mem base = load("ofdrw/SESV4SignDoc.ofd"), j = { (uint8_t *)junk, sizeof(junk) - 1 };
    sc_report *rep;
    json_t *js;

    (void)state;
    for (size_t r = 0; r < NROWS(rows); r++) {
        int is_junk = rows[r].ed.name == NULL;
        mem m = is_junk ? j : rebuild(base, &rows[r].ed, 1);
        rep = verify(m, 0);
        js = report_json(rep);
        const char *err = json_string_value(json_array_get(json_object_get(js, "errors"), 0));
        if (err == NULL || strstr(err, rows[r].why) == NULL)
            fail_msg("row %zu: error \"%s\"", r, err ? err : "(none)");
        assert_int_equal(sc_report_item_count(rep), 0);
        assert_int_equal(sc_report_exit_code(rep), 2);
        assert_string_equal(json_string_value(json_object_get(js, "format")), "ofd");
        json_decref(js);
        sc_report_free(rep);
        if (!is_junk)
            free(m.p);
    }
    free(base.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vectors__reported_as_their_manifests_say),
        cmocka_unit_test(vectors__ofdrw_passes_when_judged_within_validity),
        cmocka_unit_test(tamper__fails_exactly_the_guarding_check),
        cmocka_unit_test(tamper__damaged_zip_entry_cannot_be_read),
        cmocka_unit_test(findings__unprotected_file_named_verdict_unchanged),
        cmocka_unit_test(findings__extra_bytes_around_the_zip_verdict_unchanged),
        cmocka_unit_test(findings__file_only_a_later_signature_covers),
        cmocka_unit_test(findings__document_level),
        cmocka_unit_test(references__each_check_method_streams_and_compares),
        cmocka_unit_test(references__refuses_what_cannot_be_checked),
        cmocka_unit_test(broken__signature_fails_its_structure_only),
        cmocka_unit_test(broken__document_with_a_bad_page_leaves_no_pages),
        cmocka_unit_test(broken__package_is_a_report_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
