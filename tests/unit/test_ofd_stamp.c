/* test_ofd_stamp.c: sc_ofd_sign (sealcore/ofd_sign.h) on documents made with sc_ofd_doc_* and
 * on the vendor vectors, with the development PKI: the exact structure of a first signature,
 * placement by page, keyword and riding, three stacked signatures, locking, every refusal
 * with its code, message and an untouched sink, and the in-place XML edits. Every output is
 * read back with the package model and verified with sc_verify_ofd, the dev root as anchor:
 * all checks of ours pass, earlier signatures keep their References. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <zip.h>

#include "ofd/ofd_model.h"
#include "ofd/ofd_stamp_int.h"
#include "ofd/ofd_text.h"
#include "ofd/ofd_zipw.h"
#include "sc_int.h"
#include "sealcore/ofd_doc.h"
#include "sealcore/ofd_sign.h"
#include "sealcore/time.h"
#include "testutil.h"

#define DOC_ID "0123456789abcdef0123456789abcdef"
#define KW "电子证照"

static struct {
    uint8_t *prov, *city, *maker, *png;
    size_t prov_len, city_len, maker_len, png_len;
    sc_key *kprov, *kcity, *kmaker;
    sc_ses_seal *seal;
    sc_trust *trust;           /* root-ca anchor, seal-ca to build chains */
    int64_t t;                 /* the signing time of every test: fixed, so bytes repeat */
} g;

struct mem {
    uint8_t *buf;
    size_t len, cap, fail_at;  /* fail_at: refuse the call that would pass it (0: never) */
};

static int mem_sink(void *ctx, const uint8_t *p, size_t n, sc_err *err)
{
    struct mem *m = ctx;

    if (m->fail_at != 0 && m->len + n > m->fail_at)
        return sc_err_set(err, SC_EIO, "test sink: full");
    if (m->len + n > m->cap) {
        m->cap = (m->len + n) * 2;
        assert_non_null(m->buf = realloc(m->buf, m->cap));
    }
    memcpy(m->buf + m->len, p, n);
    m->len += n;
    return 0;
}

static int group_setup(void **state)
{
    const char *pki = sc_test_pki();
    const uint8_t *certs[1];
    size_t lens[1];
    sc_err err = SC_ERR_INIT;

    (void)state;
    g.prov = sc_test_cert(pki, "signer-prov", &g.prov_len);
    g.city = sc_test_cert(pki, "signer-city", &g.city_len);
    g.maker = sc_test_cert(pki, "seal-maker", &g.maker_len);
    g.kprov = sc_test_key(pki, "signer-prov");
    g.kcity = sc_test_key(pki, "signer-city");
    g.kmaker = sc_test_key(pki, "seal-maker");
    if (!g.prov || !g.city || !g.maker || !g.kprov || !g.kcity || !g.kmaker ||
        sc_test_read(sc_test_path(sc_test_data(), "seal.png"), &g.png, &g.png_len) != 0)
        return -1;
    g.t = (int64_t)time(NULL);   /* not before the PKI, just made, so the chain verifies */
    certs[0] = g.prov;
    lens[0] = g.prov_len;
    sc_ses_seal_params sp = {
        .es_id = "44010000000042", .name = "测试专用章", .type = 1, .cert_list_type = 1,
        .certs = certs, .cert_lens = lens, .cert_count = 1, .created = 0,
        .valid_start = g.t - 86400, .valid_end = g.t + 365 * 86400, .picture_type = "PNG",
        .picture = g.png, .picture_len = g.png_len, .width_mm = 42, .height_mm = 42 };
    if (sc_ses_seal_make(&g.seal, &sp, g.kmaker, g.maker, g.maker_len, &err) != 0 ||
        sc_trust_new(&g.trust, &err) != 0) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    for (int anchor = 1; anchor >= 0; anchor--) {
        uint8_t *pem;
        size_t len;
        if (sc_test_read(sc_test_path(pki, anchor ? "root-ca.pem" : "seal-ca.pem"), &pem,
                         &len) != 0 || sc_trust_add(g.trust, pem, len, anchor, &err) != 0)
            return -1;
        free(pem);
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    free(g.prov), free(g.city), free(g.maker), free(g.png);
    sc_key_free(g.kprov), sc_key_free(g.kcity), sc_key_free(g.kmaker);
    sc_ses_seal_free(g.seal);
    sc_trust_free(g.trust);
    return 0;
}

/* An A4 document of npages; texts[i] (may be NULL) drawn on page i at (20, 30 + 20 k) for
 * each "|"-separated part k. */
static uint8_t *make_doc(size_t npages, const char *const *texts, size_t *len)
{
    sc_ofd_doc *doc = NULL;
    uint8_t *buf = NULL;
    sc_err err = SC_ERR_INIT;
    char part[256];

    assert_int_equal(sc_ofd_doc_new(&doc, 210, 297, &err), 0);
    assert_int_equal(sc_ofd_doc_set_doc_id(doc, DOC_ID, &err), 0);
    for (size_t i = 0; i < npages; i++) {
        assert_int_equal(sc_ofd_doc_add_page(doc, NULL, &err), 0);
        const char *s = texts != NULL ? texts[i] : NULL;
        for (int k = 0; s != NULL && *s != '\0'; k++) {
            size_t n = strcspn(s, "|");
            snprintf(part, sizeof(part), "%.*s", (int)n, s);
            sc_ofd_text t = { 20, 30 + 20.0 * k, 5, NULL, part, NULL };
            assert_int_equal(sc_ofd_doc_add_text(doc, i, &t, &err), 0);
            s += n + (s[n] == '|');
        }
    }
    if (sc_ofd_doc_write_mem(doc, &buf, len, &err) != 0)
        fail_msg("sc_ofd_doc_write_mem: %s", err.msg);
    sc_ofd_doc_free(doc);
    return buf;
}

static sc_ofd_sign_params base(sc_ofd_place place)
{
    sc_ofd_sign_params p = { .seal = g.seal, .key = g.kprov, .cert = g.prov,
                             .cert_len = g.prov_len, .place = place, .sign_time = g.t,
                             .page = 1, .x_mm = 100, .y_mm = 100 };
    return p;
}

/* Refused with code and a message containing frag, the sink untouched. */
static void refused(const uint8_t *in, size_t len, const sc_ofd_sign_params *p, int code,
                    const char *frag)
{
    sc_ofd_pkg *pkg = NULL;
    struct mem m = { 0 };
    sc_err err = SC_ERR_INIT;
    int rc = sc_ofd_pkg_open_mem(&pkg, in, len, &err);

    if (rc == 0)
        rc = sc_ofd_sign(pkg, p, mem_sink, &m, NULL, &err);
    sc_ofd_pkg_free(pkg);
    free(m.buf);
    if (rc != code || strstr(err.msg, frag) == NULL || m.len != 0)
        fail_msg("expected %d \"%s\", got %d \"%s\" (%zu bytes out)", code, frag, rc, err.msg,
                 m.len);
}

/* Entry name of a package (uncompressed; NUL-terminated), or NULL when absent. */
static uint8_t *entry(const uint8_t *buf, size_t len, const char *name, size_t *n)
{
    sc_ofd_pkg *pkg = NULL;
    uint8_t *data = NULL;
    size_t ix;
    sc_err err = SC_ERR_INIT;

    assert_int_equal(sc_ofd_pkg_open_mem(&pkg, buf, len, &err), 0);
    if (sc_ofd_pkg_find(pkg, NULL, name, &ix, NULL) == 0)
        assert_int_equal(sc_ofd_pkg_read(pkg, ix, SIZE_MAX, &data, n, &err), 0);
    sc_ofd_pkg_free(pkg);
    return data;
}

static void assert_entry(const uint8_t *buf, size_t len, const char *name, const char *want)
{
    size_t n;
    uint8_t *d = entry(buf, len, name, &n);

    if (d == NULL || n != strlen(want) || memcmp(d, want, n) != 0)
        fail_msg("%s:\n got  %s\n want %s", name, d != NULL ? (char *)d : "(absent)", want);
    free(d);
}

/* The stored bytes of entry ix (raw, never decompressed) in a new buffer. */
static uint8_t *raw_of(sc_ofd_pkg *pkg, size_t ix, sc__ofd_raw_stat *st)
{
    struct zip_file *zf = NULL;
    sc_err err = SC_ERR_INIT;
    uint8_t *b;

    assert_int_equal(sc__ofd_pkg_raw_open(pkg, ix, st, &zf, &err), 0);
    assert_non_null(b = malloc(st->comp_size + 1));
    assert_int_equal(zip_fread(zf, b, st->comp_size), (zip_int64_t)st->comp_size);
    zip_fclose(zf);
    return b;
}

/* Every file of package a is in b with the same stored bytes, CRC and method, but
 * Signatures.xml and, when first is set, OFD.xml (the two files a signature may change). */
static void kept_raw(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, int first)
{
    sc_ofd_pkg *pa = NULL, *pb = NULL;
    sc_err err = SC_ERR_INIT;

    assert_int_equal(sc_ofd_pkg_open_mem(&pa, a, alen, &err), 0);
    assert_int_equal(sc_ofd_pkg_open_mem(&pb, b, blen, &err), 0);
    for (size_t i = 0, j; i < sc_ofd_pkg_count(pa); i++) {
        const char *n = sc_ofd_pkg_name(pa, i), *slash = strrchr(n, '/');
        sc__ofd_raw_stat sa, sb;
        if (strcmp(slash != NULL ? slash + 1 : n, "Signatures.xml") == 0 ||
            (first && strcmp(n, "OFD.xml") == 0) || n[strlen(n) - 1] == '/')
            continue;   /* directory entries have no bytes (the reader cannot find them) */
        if (sc_ofd_pkg_find(pb, NULL, n, &j, NULL) != 0)
            fail_msg("%s: missing from the output", n);
        uint8_t *ra = raw_of(pa, i, &sa), *rb = raw_of(pb, j, &sb);
        if (sa.comp_size != sb.comp_size || sa.crc != sb.crc || sa.method != sb.method ||
            memcmp(ra, rb, sa.comp_size) != 0)
            fail_msg("%s: stored bytes differ", n);
        free(ra), free(rb);
    }
    sc_ofd_pkg_free(pa), sc_ofd_pkg_free(pb);
}

/* A stamped package read back. */
typedef struct out {
    uint8_t *buf;
    size_t len;
    sc_ofd_pkg *pkg;
    sc__ofd_model *m;
    sc_ofd_sign_info info;
} out;

static void out_free(out *o)
{
    sc__ofd_model_free(o->m);
    sc_ofd_pkg_free(o->pkg);
    free(o->buf);
}

/* Stamp in with p and read the result back: sc_verify_ofd with the dev root as anchor finds
 * every earlier signature's References intact and every check of ours passed (References
 * recomputed, dataHash, SES_Signature, chain, Seal.esl); ours cover neither of their own two
 * files. (test_sign_ofd_cli.sh recomputes the References outside the project.) */
static void sign_read(out *o, const uint8_t *in, size_t len, const sc_ofd_sign_params *p)
{
    struct mem m = { 0 };
    sc_ofd_pkg *pkg = NULL;
    sc_report *rep = NULL;
    sc_verify_opts vo = { .trust = g.trust };
    sc_err err = SC_ERR_INIT;
    char msg[512];

    memset(o, 0, sizeof(*o));
    assert_int_equal(sc_ofd_pkg_open_mem(&pkg, in, len, &err), 0);
    if (sc_ofd_sign(pkg, p, mem_sink, &m, &o->info, &err) != 0)
        fail_msg("sc_ofd_sign: %s", err.msg);
    sc_ofd_pkg_free(pkg);
    o->buf = m.buf;
    o->len = m.len;
    assert_int_equal(sc_ofd_pkg_open_mem(&o->pkg, o->buf, o->len, &err), 0);
    if (sc__ofd_model_load(o->pkg, &o->m, &err) != 0)
        fail_msg("model: %s", err.msg);
    assert_int_equal(sc_report_new(&rep, "stamped.ofd", NULL, &err), 0);
    assert_int_equal(sc_verify_ofd(rep, o->pkg, &vo, &err), 0);
    assert_int_equal(sc_report_item_count(rep), o->m->nsigs);
    for (size_t i = 0; i < o->m->nsigs; i++) {
        const sc__ofd_sig *s = &o->m->sigs[i];
        int ours = s->provider != NULL && strcmp(s->provider, "sealpki") == 0;
        for (sc_check c = 0; c < SC_CHECK_COUNT; c++)
            if ((ours || c == SC_CHECK_OFD_REFERENCES) && c != SC_CHECK_TIMESTAMP &&
                !sc_test_check_is(rep, i, c, SC_RESULT_PASSED, NULL, msg, sizeof(msg)))
                fail_msg("signature %s (%s): %s", s->id, ours ? "ours" : "earlier", msg);
        for (size_t r = 0; ours && r < s->nrefs; r++)
            assert_false(strcmp(s->refs[r].entry, s->entry) == 0 ||
                         strcmp(s->refs[r].entry, s->value_entry) == 0);
    }
    sc_report_free(rep);
}

static void sign_ofd__first_signature_writes_the_exact_structure(void **state)
{
    static const char *const inputs[] = { "OFD.xml", "Doc_0/Document.xml", "Doc_0/PublicRes.xml",
        "Doc_0/DocumentRes.xml", "Doc_0/Pages/Page_0/Content.xml" };
    static const char *const texts[] = { KW };
    size_t in_len, n;
    uint8_t *in = make_doc(1, texts, &in_len), *d;
    sc_ofd_sign_params p = base(SC_OFD_PLACE_PAGE_XY);
    char want[4096], iso[32], dt[16], b64[48], *at;
    out o;

    (void)state;
    sign_read(&o, in, in_len, &p);
    assert_string_equal(o.info.id, "1");
    assert_string_equal(o.info.signature_xml, "Doc_0/Signs/Sign_0/Signature.xml");
    assert_int_equal(o.info.stamps, 1);
    assert_int_equal(o.info.references, 6);   /* 5 input files + Seal.esl */
    kept_raw(in, in_len, o.buf, o.len, 1);

    /* OFD.xml: the same bytes with the pointer inserted before </ofd:DocBody> */
    d = entry(in, in_len, "OFD.xml", &n);
    assert_non_null(at = strstr((char *)d, "</ofd:DocBody>"));
    snprintf(want, sizeof(want), "%.*s<ofd:Signatures>/Doc_0/Signs/Signatures.xml"
             "</ofd:Signatures>%s", (int)(at - (char *)d), (char *)d, at);
    free(d);
    assert_entry(o.buf, o.len, "OFD.xml", want);
    assert_entry(o.buf, o.len, "Doc_0/Signs/Signatures.xml",
                 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ofd:Signatures xmlns:ofd=\""
                 "http://www.ofdspec.org/2016\"><ofd:MaxSignId>2</ofd:MaxSignId><ofd:Signature "
                 "ID=\"1\" Type=\"Seal\" BaseLoc=\"/Doc_0/Signs/Sign_0/Signature.xml\"/>"
                 "</ofd:Signatures>");

    /* Signature.xml: rebuilt here from the output's own entries */
    sc_time_format(g.t, iso, sizeof(iso));   /* 2026-01-31T08:00:00Z */
    snprintf(dt, sizeof(dt), "%.4s%.2s%.2s%.2s%.2s%.2sZ", iso, iso + 5, iso + 8, iso + 11,
             iso + 14, iso + 17);
    snprintf(want, sizeof(want), "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ofd:Signature "
             "xmlns:ofd=\"http://www.ofdspec.org/2016\"><ofd:SignedInfo><ofd:Provider "
             "ProviderName=\"sealpki\" Version=\"0.1.0\" Company=\"sealpki\"/><ofd:"
             "SignatureMethod>1.2.156.10197.1.501</ofd:SignatureMethod><ofd:SignatureDateTime>"
             "%s</ofd:SignatureDateTime><ofd:References CheckMethod=\"1.2.156.10197.1.401\">",
             dt);
    for (size_t i = 0; i < 6; i++) {
        const char *name = i < 5 ? inputs[i] : "Doc_0/Signs/Sign_0/Seal.esl";
        uint8_t h[32];
        d = entry(o.buf, o.len, name, &n);
        assert_int_equal(sc__sm3(d, n, h, NULL), 0);
        EVP_EncodeBlock((unsigned char *)b64, h, 32);
        free(d);
        snprintf(want + strlen(want), sizeof(want) - strlen(want), "<ofd:Reference FileRef=\"/"
                 "%s\"><ofd:CheckValue>%s</ofd:CheckValue></ofd:Reference>", name, b64);
    }
    snprintf(want + strlen(want), sizeof(want) - strlen(want), "</ofd:References><ofd:"
             "StampAnnot ID=\"2\" PageRef=\"1\" Boundary=\"79 79 42 42\"/><ofd:Seal><ofd:BaseLoc>"
             "/Doc_0/Signs/Sign_0/Seal.esl</ofd:BaseLoc></ofd:Seal></ofd:SignedInfo><ofd:"
             "SignedValue>/Doc_0/Signs/Sign_0/SignedValue.dat</ofd:SignedValue></ofd:Signature>");
    assert_entry(o.buf, o.len, "Doc_0/Signs/Sign_0/Signature.xml", want);
    sc_ses_sig *sig = NULL;
    sc_err err = SC_ERR_INIT;
    d = entry(o.buf, o.len, "Doc_0/Signs/Sign_0/SignedValue.dat", &n);
    assert_int_equal(sc_ses_sig_parse(&sig, d, n, &err), 0);
    assert_string_equal(sc_ses_sig_get_info(sig)->property_info,
                        "/Doc_0/Signs/Sign_0/Signature.xml");
    assert_int_equal(sc_ses_sig_get_info(sig)->sign_time, g.t);
    sc_ses_sig_free(sig);
    free(d);
    out_free(&o);

    /* the same input and time give the same Signature.xml (only the SM2 value differs) */
    sign_read(&o, in, in_len, &p);
    assert_entry(o.buf, o.len, "Doc_0/Signs/Sign_0/Signature.xml", want);
    out_free(&o);
    free(in);
}

static void sign_ofd__places_on_the_named_page(void **state)
{
    size_t in_len;
    uint8_t *in = make_doc(3, NULL, &in_len);
    sc_ofd_sign_params p = base(SC_OFD_PLACE_PAGE_XY);
    out o;

    (void)state;
    p.page = 3;
    p.x_mm = 200;   /* partly off the right edge: allowed */
    p.y_mm = 280.5;
    p.width_mm = 30;
    p.height_mm = 20;
    sign_read(&o, in, in_len, &p);
    assert_int_equal(o.m->nsigs, 1);
    assert_int_equal(o.m->sigs[0].nannots, 1);
    const sc__ofd_annot *a = &o.m->sigs[0].annots[0];
    assert_int_equal(a->page_ref, o.m->pages[2].id);
    assert_true(a->has_box && !a->has_clip);
    assert_true(a->box[0] == 185 && a->box[1] == 270.5 && a->box[2] == 30 && a->box[3] == 20);
    out_free(&o);

    free(in);
}

static void sign_ofd__stacks_three_signatures(void **state)
{
    static const char *const texts[] = { KW, NULL };
    size_t len;
    uint8_t *in = make_doc(2, texts, &len);
    sc_ofd_sign_params p = base(SC_OFD_PLACE_PAGE_XY);
    out o[3];

    (void)state;
    for (int k = 0; k < 3; k++) {
        p.page = (size_t)(k % 2 + 1);
        sign_read(&o[k], k ? o[k - 1].buf : in, k ? o[k - 1].len : len, &p);
        kept_raw(k ? o[k - 1].buf : in, k ? o[k - 1].len : len, o[k].buf, o[k].len, k == 0);
    }
    const sc__ofd_model *m = o[2].m;
    assert_string_equal(m->max_sign_id, "6");
    assert_int_equal(m->nsigs, 3);
    for (size_t i = 0; i < 3; i++) {
        const sc__ofd_sig *s = &m->sigs[i];
        char want[64];
        assert_int_equal(strtol(s->id, NULL, 10), 2 * (long)i + 1);
        assert_int_equal(strtol(s->annots[0].id, NULL, 10), 2 * (long)i + 2);
        snprintf(want, sizeof(want), "Doc_0/Signs/Sign_%zu/Signature.xml", i);
        assert_string_equal(s->entry, want);
        assert_int_equal(s->nrefs, 7 + 3 * i);   /* 6 files + Seal.esl + the earlier 3 each */
        for (size_t r = 0; r < s->nrefs; r++)
            assert_string_not_equal(s->refs[r].entry, "Doc_0/Signs/Signatures.xml");
    }
    size_t covered = 0;   /* the third covers the first's three files */
    for (size_t r = 0; r < m->sigs[2].nrefs; r++)
        covered += strncmp(m->sigs[2].refs[r].entry, "Doc_0/Signs/Sign_0/", 19) == 0;
    assert_int_equal(covered, 3);
    for (int k = 0; k < 3; k++)
        out_free(&o[k]);
    free(in);
}

/* The vendors' IDs and directories are continued, their files and signatures kept. */
static void sign_ofd__adds_to_every_vector(void **state)
{
    static const struct {
        const char *file, *id, *max, *xml;
    } rows[] = {
        { "ofdrw/SESV4SignDoc.ofd", "3", "4", "Doc_0/Signs/Sign_1/Signature.xml" },
        { "vendors/bker_issuer_20191231.ofd", "3", "4", "Doc_0/Signs/Sign_1/Signature.xml" },
        { "vendors/DZHD-e-receipt.ofd", "3", "4", "Doc_0/Signs/Sign_0/Signature.xml" },
    };
    char paths[32][512];
    size_t n, seen = 0;
    sc_ofd_sign_params p = base(SC_OFD_PLACE_PAGE_XY);

    (void)state;
    p.x_mm = p.y_mm = 50;
    sc_test_vector_ofds(paths, 32, &n);
    for (size_t i = 0; i < n; i++) {
        uint8_t *in;
        size_t in_len;
        out o;
        assert_int_equal(sc_test_read(paths[i], &in, &in_len), 0);
        sign_read(&o, in, in_len, &p);
        assert_true(o.m->nsigs >= 2);
        kept_raw(in, in_len, o.buf, o.len, 0);
        for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
            if (strstr(paths[i], rows[r].file) == NULL)
                continue;
            seen++;
            assert_string_equal(o.info.id, rows[r].id);
            assert_string_equal(o.m->max_sign_id, rows[r].max);
            assert_string_equal(o.info.signature_xml, rows[r].xml);
            assert_string_equal(o.m->sigs[o.m->nsigs - 1].annots[0].id, rows[r].max);
        }
        out_free(&o);
        free(in);
    }
    assert_int_equal(seen, 3);
}

/* Boxes of KW on page page_no (1-based) of buf, as ofd_text finds them. */
static sc__ofd_box hit(const uint8_t *buf, size_t len, size_t page_no, size_t k)
{
    char name[64];
    size_t n, nh;
    uint8_t *d;
    xmlDoc *doc = NULL;
    sc__ofd_box *hits = NULL, b;
    sc_err err = SC_ERR_INIT;

    snprintf(name, sizeof(name), "Doc_0/Pages/Page_%zu/Content.xml", page_no - 1);
    assert_non_null(d = entry(buf, len, name, &n));
    assert_int_equal(sc__ofd_xml_parse(d, n, name, &doc, &err), 0);
    assert_int_equal(sc__ofd_text_find(doc, KW, &hits, &nh, &err), 0);
    assert_true(k < nh);
    b = hits[k];
    free(hits);
    xmlFreeDoc(doc);
    free(d);
    return b;
}

static void sign_ofd__keyword_picks_occurrences(void **state)
{
    static const char *const texts[] = { "甲 " KW "|乙 " KW, "nothing", KW " 丙" };
    static const struct {
        int occ;
        size_t count, pages[3], k[3];    /* the stamps: page number and hit on that page */
    } rows[] = {
        { SC_OFD_OCCUR_ALL, 3, { 1, 1, 3 }, { 0, 1, 0 } },
        { 1, 1, { 1 }, { 0 } },
        { 2, 1, { 1 }, { 1 } },
        { 3, 1, { 3 }, { 0 } },
        { SC_OFD_OCCUR_LAST, 1, { 3 }, { 0 } },
    };
    size_t in_len;
    uint8_t *in = make_doc(3, texts, &in_len);
    sc_ofd_sign_params p = base(SC_OFD_PLACE_KEYWORD);

    (void)state;
    p.keyword = KW;
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        out o;
        p.occurrence = rows[r].occ;
        sign_read(&o, in, in_len, &p);
        assert_int_equal(o.m->sigs[0].nannots, rows[r].count);
        for (size_t i = 0; i < rows[r].count; i++) {
            const sc__ofd_annot *a = &o.m->sigs[0].annots[i];
            sc__ofd_box b = hit(in, in_len, rows[r].pages[i], rows[r].k[i]);
            assert_int_equal(a->page_ref, o.m->pages[rows[r].pages[i] - 1].id);
            /* centred on the hit, to the 0.001 mm written */
            assert_true(fabs(a->box[0] + 21 - (b.x + b.w / 2)) < 0.001);
            assert_true(fabs(a->box[1] + 21 - (b.y + b.h / 2)) < 0.001);
            assert_true(a->box[2] == 42 && a->box[3] == 42);
        }
        out_free(&o);
    }
    free(in);
}

static void sign_ofd__riding_slices_the_seal_across_pages(void **state)
{
    static const struct {
        unsigned side;
        size_t first, last, count;
    } rows[] = {
        { SC_OFD_RIDING_RIGHT, 0, 0, 5 },
        { SC_OFD_RIDING_LEFT, 0, 0, 5 },
        { SC_OFD_RIDING_BOTH, 0, 0, 10 },
        { SC_OFD_RIDING_RIGHT, 2, 4, 3 },
        { SC_OFD_RIDING_RIGHT, 5, 5, 1 },
    };
    size_t in_len;
    uint8_t *in = make_doc(5, NULL, &in_len);
    sc_ofd_sign_params p = base(SC_OFD_PLACE_RIDING);

    (void)state;
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        size_t k = rows[r].first ? rows[r].last - rows[r].first + 1 : 5, at = 0;
        size_t first = rows[r].first ? rows[r].first : 1;
        out o;
        p.riding = rows[r].side;
        p.first_page = rows[r].first;
        p.last_page = rows[r].last;
        sign_read(&o, in, in_len, &p);
        const sc__ofd_sig *s = &o.m->sigs[0];
        const double sw = 42.0 / (double)k;
        assert_int_equal(s->nannots, rows[r].count);
        for (size_t i = 0; i < k; i++)
            for (unsigned side = 1; side <= 2; side++) {
                if (!(rows[r].side & side))
                    continue;
                const sc__ofd_annot *a = &s->annots[at++];
                /* right: slice i, flush with x = 210; left: slice k-1-i, flush with x = 0 */
                size_t slice = side == 1 ? i : k - 1 - i;
                double x = side == 1 ? 210 - (double)(i + 1) * sw : -(double)(k - 1 - i) * sw;
                assert_int_equal(a->page_ref, o.m->pages[first - 1 + i].id);
                assert_true(a->has_box && a->has_clip);
                assert_true(fabs(a->box[0] - x) < 0.001 && a->box[1] == 127.5 &&
                            a->box[2] == 42 && a->box[3] == 42);
                assert_true(fabs(a->clip[0] - (double)slice * sw) < 0.001 && a->clip[1] == 0 &&
                            fabs(a->clip[2] - sw) < 0.001 && a->clip[3] == 42);
                /* the visible slice lies on the page, against its edge */
                double vis = a->box[0] + a->clip[0];
                assert_true(fabs(side == 1 ? vis + a->clip[2] - 210 : vis) < 0.002);
            }
        out_free(&o);
    }
    free(in);
}

/* Each placement a document cannot take, refused with its reason before any output. */
static void sign_ofd__refuses_each_bad_placement(void **state)
{
#define XY SC_OFD_PLACE_PAGE_XY
#define KWD SC_OFD_PLACE_KEYWORD
#define RIDE SC_OFD_PLACE_RIDING
    static const struct {
        sc_ofd_sign_params p;   /* placement only; the signer is filled in below */
        int code;
        const char *frag;
    } rows[] = {
        { { .place = XY, .page = 4, .x_mm = 100 }, SC_EINVAL, "page 4: the document has pages "
          "1 to 3" },
        { { .place = XY, .page = 0 }, SC_EINVAL, "page 0: the document has pages 1 to 3" },
        { { .place = XY, .page = 1, .x_mm = 225, .width_mm = 30, .height_mm = 20 }, SC_EINVAL,
          "a 30x20 mm seal centred at (225, 0) lies entirely outside the page (0 0 210 297)" },
        { { .place = XY, .page = 1, .y_mm = 1e9 }, SC_EINVAL, "not a number within" },
        { { .place = XY, .page = 1, .width_mm = 1000.5, .height_mm = 20 }, SC_EINVAL,
          "seal size 1000.5x20 mm" },
        { { .place = XY, .page = 1, .height_mm = 20 }, SC_EINVAL,   /* one side 0 */
          "each side must be in (0, 1000]" },
        { { .place = 9 }, SC_EINVAL, "placement 9: not PAGE_XY, KEYWORD or RIDING" },
        { { .place = KWD, .keyword = KW, .occurrence = 4 }, SC_ENOTFOUND,
          "keyword \"" KW "\" occurs 3 times; occurrence 4 was asked for" },
        { { .place = KWD, .keyword = KW, .occurrence = -2 }, SC_EINVAL, "occurrence -2" },
        { { .place = KWD, .keyword = "印章" }, SC_ENOTFOUND, "keyword \"印章\" does not occur "
          "in the document (3 pages searched)" },
        { { .place = KWD, .keyword = "" }, SC_EINVAL, "keyword: empty" },
        { { .place = KWD, .keyword = "  " }, SC_EINVAL, "keyword \"  \" on page 1" },
        { { .place = RIDE, .riding = 1, .first_page = 2, .last_page = 4 }, SC_EINVAL,
          "riding seal: pages 2-4; the document has pages 1 to 3" },
        { { .place = RIDE, .riding = 1, .first_page = 3, .last_page = 2 }, SC_EINVAL,
          "pages 3-2" },
        { { .place = RIDE, .riding = 4 }, SC_EINVAL, "side 4 is not right (1), left (2) or "
          "both (3)" },
    };
#undef XY
#undef KWD
#undef RIDE
    static const char *const texts[] = { "甲 " KW "|乙 " KW, NULL, KW };
    size_t len;
    uint8_t *in = make_doc(3, texts, &len);

    (void)state;
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        sc_ofd_sign_params p = rows[r].p;
        p.seal = g.seal, p.key = g.kprov, p.cert = g.prov, p.cert_len = g.prov_len;
        p.sign_time = g.t;
        refused(in, len, &p, rows[r].code, rows[r].frag);
    }
    free(in);
}

static void sign_ofd__lock_covers_signatures_xml_and_refuses_the_next(void **state)
{
    size_t len;
    uint8_t *in = make_doc(1, NULL, &len);
    sc_ofd_sign_params p = base(SC_OFD_PLACE_PAGE_XY);
    out first, locked;

    (void)state;
    sign_read(&first, in, len, &p);
    p.lock = 1;
    for (int second = 0; second <= 1; second++) {   /* lock as the first and as a later one */
        sign_read(&locked, second ? first.buf : in, second ? first.len : len, &p);
        const sc__ofd_sig *s = &locked.m->sigs[second];
        int covers = 0;
        for (size_t r = 0; r < s->nrefs; r++)
            covers |= strcmp(s->refs[r].entry, "Doc_0/Signs/Signatures.xml") == 0;
        assert_true(covers);
        refused(locked.buf, locked.len, &p, SC_EINVAL, "covers Doc_0/Signs/Signatures.xml");
        p.lock = 0;
        refused(locked.buf, locked.len, &p, SC_EINVAL, "the document is locked: signature ");
        p.lock = 1;
        out_free(&locked);
    }
    out_free(&first);
    free(in);
}

/* doc's entries but skip (copied raw) plus an entry name with data, its "encrypted" flag
 * (general purpose bit 0) set in both headers when encrypted; then refused with code, frag. */
static void refused_repack(const uint8_t *doc, size_t len, const char *skip, const char *name,
                           const char *data, int encrypted, int code, const char *frag)
{
    struct mem m = { 0 };
    sc__zipw *w = NULL;
    sc_ofd_pkg *pkg = NULL;
    sc_ofd_sign_params p = base(SC_OFD_PLACE_PAGE_XY);
    sc_err err = SC_ERR_INIT;
    size_t nl = name != NULL ? strlen(name) : 0, hits = 0;

    assert_int_equal(sc_ofd_pkg_open_mem(&pkg, doc, len, &err), 0);
    assert_int_equal(sc__zipw_new(&w, mem_sink, &m, &err), 0);
    for (size_t i = 0; i < sc_ofd_pkg_count(pkg); i++)
        if (skip == NULL || strcmp(sc_ofd_pkg_name(pkg, i), skip) != 0)
            assert_int_equal(sc__zipw_copy(w, pkg, i, &err), 0);
    if (name != NULL)
        assert_int_equal(sc__zipw_add(w, name, (const uint8_t *)data, strlen(data), 0, &err), 0);
    assert_int_equal(sc__zipw_finish(w, &err), 0);
    for (size_t i = 0; encrypted && i + 46 + nl <= m.len; i++) {
        if (memcmp(m.buf + i, "PK\3\4", 4) == 0 && memcmp(m.buf + i + 30, name, nl) == 0)
            m.buf[i + 6] |= 1, hits++;
        if (memcmp(m.buf + i, "PK\1\2", 4) == 0 && memcmp(m.buf + i + 46, name, nl) == 0)
            m.buf[i + 8] |= 1, hits++;
    }
    assert_int_equal(hits, encrypted ? 2 : 0);
    refused(m.buf, m.len, &p, code, frag);
    sc__zipw_free(w);
    sc_ofd_pkg_free(pkg);
    free(m.buf);
}

static void sign_ofd__refuses_bad_inputs_before_writing(void **state)
{
    size_t len;
    uint8_t *doc = make_doc(2, NULL, &len);
    out one;
    sc_ofd_sign_params p = base(SC_OFD_PLACE_PAGE_XY);
    sc_ofd_pkg *pkg = NULL;
    sc_err err = SC_ERR_INIT;

    (void)state;
    /* not a zip: the package reader refuses it */
    assert_int_equal(sc_ofd_pkg_open_mem(&pkg, (const uint8_t *)"not a zip", 9, &err),
                     SC_EFORMAT);
    refused_repack(doc, len, "OFD.xml", "readme.txt", "x", 0, SC_EFORMAT, "no OFD.xml");
    refused_repack(doc, len, "Doc_0/Pages/Page_0/Content.xml", NULL, NULL, 0, SC_EFORMAT,
                   "page 1: its Content.xml Doc_0/Pages/Page_0/Content.xml is missing");
    refused_repack(doc, len, NULL, "Doc_0/Res/secret.bin", "hidden", 1, SC_EUNSUPPORTED,
                   "encrypted entries: OFD entry \"Doc_0/Res/secret.bin\": encrypted");
    refused_repack(doc, len, NULL, "Doc_0/a\001b.xml", "x", 0, SC_EUNSUPPORTED,
                   "control character 0x01");
    refused_repack(doc, len, NULL, "Doc_0/Signs/Signatures.xml", "<x/>", 0, SC_EFORMAT,
                   "Doc_0/Signs/Signatures.xml exists but OFD.xml does not name it");

    /* an earlier Signature.xml that cannot be read: whether it locks cannot be told */
    sign_read(&one, doc, len, &p);
    refused_repack(one.buf, one.len, "Doc_0/Signs/Sign_0/Signature.xml",
                   "Doc_0/Signs/Sign_0/Signature.xml", "<broken", 0, SC_EFORMAT, "signature 1 "
                   "(/Doc_0/Signs/Sign_0/Signature.xml) cannot be read, so whether it locks the "
                   "document cannot be told");
    out_free(&one);

    /* the signer */
    p.key = g.kcity;
    refused(doc, len, &p, SC_EINVAL, "signer");
    p.cert = g.city;
    p.cert_len = g.city_len;
    refused(doc, len, &p, SC_EINVAL, "the signer certificate is not in the certificate list "
            "of seal 44010000000042");
    p = base(SC_OFD_PLACE_PAGE_XY);
    p.sign_time = g.t + 400 * 86400;
    refused(doc, len, &p, SC_EINVAL, "not at the signing time");
    p.sign_time = g.t;
    p.seal = NULL;
    refused(doc, len, &p, SC_EINVAL, "a seal, the signer's key and certificate are needed");
    p = base(SC_OFD_PLACE_PAGE_XY);
    p.place = 9;
    refused(doc, len, &p, SC_EINVAL, "placement 9");
    p = base(SC_OFD_PLACE_PAGE_XY);
    p.provider = "a\tb";
    refused(doc, len, &p, SC_EINVAL, "Provider: ");
    free(doc);
}

#define NS " xmlns:ofd=\"http://www.ofdspec.org/2016\""
#define SIG "<ofd:Signature ID=\"7\" Type=\"Seal\" BaseLoc=\"/S/Sign_3/Signature.xml\"/>"
#define PTR "<ofd:Signatures>/S/Signatures.xml</ofd:Signatures>"
#define BODY "<ofd:DocRoot>D.xml</ofd:DocRoot>"

static void xml_edit__keeps_every_other_byte(void **state)
{
    static const struct {
        int sigs;             /* 1: sc__ofd_xml_add_sig, 0: sc__ofd_xml_add_sigs_ptr */
        const char *in;
        int code;
        const char *want;     /* the output, or a fragment of the message */
    } rows[] = {
        { 1, "<?xml version=\"1.0\"?>\n<!-- <ofd:Signatures> --><ofd:Signatures" NS " a='x>y'>"
             "<ofd:MaxSignId> 3 </ofd:MaxSignId><![CDATA[</ofd:Signatures>]]></ofd:Signatures>"
             "<!-- end -->", 0,
          "<?xml version=\"1.0\"?>\n<!-- <ofd:Signatures> --><ofd:Signatures" NS " a='x>y'>"
             "<ofd:MaxSignId>9</ofd:MaxSignId><![CDATA[</ofd:Signatures>]]>" SIG
             "</ofd:Signatures><!-- end -->" },
        { 1, "<ofd:Signatures" NS "/>", 0, "<ofd:Signatures" NS "><ofd:MaxSignId>9</ofd:"
             "MaxSignId>" SIG "</ofd:Signatures>" },
        { 1, "<ofd:Signatures" NS ">" SIG "<ofd:MaxSignId/></ofd:Signatures>", 0, "<ofd:"
             "Signatures" NS ">" SIG "<ofd:MaxSignId>9</ofd:MaxSignId>" SIG "</ofd:Signatures>" },
        { 1, "<Signatures xmlns=\"http://www.ofdspec.org/2016\"></Signatures>", 0, "<Signatures "
             "xmlns=\"http://www.ofdspec.org/2016\"><MaxSignId>9</MaxSignId><Signature ID=\"7\" "
             "Type=\"Seal\" BaseLoc=\"/S/Sign_3/Signature.xml\"/></Signatures>" },
        { 1, "<ofd:Other" NS "></ofd:Other>", SC_EFORMAT, "root element is not Signatures" },
        { 1, "<ofd:Signatures" NS "><ofd:MaxSignId><b/>1</ofd:MaxSignId></ofd:Signatures>",
          SC_EFORMAT, "cannot find where to add the new Signature" },
        { 1, "<ofd:Signatures" NS "><!-- unended", SC_EFORMAT, "cannot find where" },
        { 0, "<!DOCTYPE ofd:OFD><ofd:OFD" NS "><!--<ofd:DocBody></ofd:DocBody>--><ofd:DocBody>"
             BODY "</ofd:DocBody ><ofd:DocBody>" BODY "</ofd:DocBody></ofd:OFD>", 0,
          "<!DOCTYPE ofd:OFD><ofd:OFD" NS "><!--<ofd:DocBody></ofd:DocBody>--><ofd:DocBody>"
             BODY PTR "</ofd:DocBody ><ofd:DocBody>" BODY "</ofd:DocBody></ofd:OFD>" },
        { 0, "<ofd:OFD" NS "><ofd:DocBody/></ofd:OFD>", SC_EFORMAT, "cannot find the end tag "
             "of the first DocBody" },
        { 0, "<ofd:OFD" NS "><x><ofd:DocBody>" BODY "</ofd:DocBody></x></ofd:OFD>", SC_EFORMAT,
          "cannot find the end tag" },
    };

    (void)state;
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        const uint8_t *in = (const uint8_t *)rows[r].in;
        uint8_t *res = NULL;
        size_t n = strlen(rows[r].in), res_len = 0;
        sc_err err = SC_ERR_INIT;
        int rc = rows[r].sigs ? sc__ofd_xml_add_sig(in, n, 7, "/S/Sign_3/Signature.xml", 9,
                                                    &res, &res_len, &err)
                              : sc__ofd_xml_add_sigs_ptr(in, n, "/S/Signatures.xml", &res,
                                                         &res_len, &err);
        if (rc != rows[r].code || (rc == 0 && (res_len != strlen(rows[r].want) ||
                                               memcmp(res, rows[r].want, res_len) != 0)) ||
            (rc != 0 && (res != NULL || strstr(err.msg, rows[r].want) == NULL)))
            fail_msg("row %zu: %d \"%s\" \"%.*s\"", r, rc, err.msg, (int)res_len,
                     res != NULL ? (char *)res : "");
        free(res);
    }
}

/* A sink failure while writing is the sink's code; nothing before it was refused. */
static void sign_ofd__reports_sink_failures(void **state)
{
    size_t len, total = 2;
    uint8_t *doc = make_doc(1, NULL, &len);
    sc_ofd_sign_params p = base(SC_OFD_PLACE_PAGE_XY);
    sc_ofd_pkg *pkg = NULL;
    sc_err err = SC_ERR_INIT;

    (void)state;
    for (size_t at = 1; at < total; at = at * 3 + 7) {   /* the first run learns the total */
        struct mem m = { .fail_at = at == 1 ? 0 : at };
        assert_int_equal(sc_ofd_pkg_open_mem(&pkg, doc, len, &err), 0);
        int rc = sc_ofd_sign(pkg, &p, mem_sink, &m, NULL, &err);
        if (at == 1)
            total = m.len;
        else if (rc != SC_EIO || strstr(err.msg, "test sink: full") == NULL)
            fail_msg("fail at %zu: %d \"%s\"", at, rc, err.msg);
        sc_err_clear(&err);
        sc_ofd_pkg_free(pkg);
        free(m.buf);
    }
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sign_ofd__first_signature_writes_the_exact_structure),
        cmocka_unit_test(sign_ofd__places_on_the_named_page),
        cmocka_unit_test(sign_ofd__stacks_three_signatures),
        cmocka_unit_test(sign_ofd__adds_to_every_vector),
        cmocka_unit_test(sign_ofd__keyword_picks_occurrences),
        cmocka_unit_test(sign_ofd__riding_slices_the_seal_across_pages),
        cmocka_unit_test(sign_ofd__refuses_each_bad_placement),
        cmocka_unit_test(sign_ofd__lock_covers_signatures_xml_and_refuses_the_next),
        cmocka_unit_test(sign_ofd__refuses_bad_inputs_before_writing),
        cmocka_unit_test(sign_ofd__reports_sink_failures),
        cmocka_unit_test(xml_edit__keeps_every_other_byte),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
