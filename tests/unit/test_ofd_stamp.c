/* test_ofd_stamp.c: sc_ofd_sign (sealcore/ofd_sign.h) on documents made with sc_ofd_doc_* and
 * on the vendor vectors, with the development PKI: the exact structure of a first signature,
 * three stacked signatures, locking, every refusal of an input or signer with its code,
 * message and an untouched sink, sink failures, and the in-place XML edits. Where the seal
 * goes (page, keyword, riding, a page's own box) is test_ofd_stamp_pos.c; the shared helpers
 * are ofd_stamp_test.c. Every output is read back with the package model and verified with
 * sc_verify_ofd, the dev root as anchor: all checks of ours pass, earlier signatures keep
 * their References. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <zip.h>

#include "ofd/ofd_model.h"
#include "ofd/ofd_stamp_int.h"
#include "sc_int.h"
#include "sealcore/time.h"
#include "testutil.h"
#include "ofd_stamp_test.h"   /* last: its type out would shadow parameters named out */

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
    sc_ofd_sign_params p = base(SC_OFD_PLACE_PAGE_XY);
    size_t nl = name != NULL ? strlen(name) : 0, hits = 0, n;
    uint8_t *b = repack(doc, len, skip, name, (const uint8_t *)data, data ? strlen(data) : 0, &n);

    for (size_t i = 0; encrypted && i + 46 + nl <= n; i++) {
        if (memcmp(b + i, "PK\3\4", 4) == 0 && memcmp(b + i + 30, name, nl) == 0)
            b[i + 6] |= 1, hits++;
        if (memcmp(b + i, "PK\1\2", 4) == 0 && memcmp(b + i + 46, name, nl) == 0)
            b[i + 8] |= 1, hits++;
    }
    assert_int_equal(hits, encrypted ? 2 : 0);
    refused(b, n, &p, code, frag);
    free(b);
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
    /* UTF-8 that XML 1.0 has no character for: refused by name, before anything is signed */
    refused_repack(doc, len, NULL, "Doc_0/a\xef\xbf\xbe.xml", "x", 0, SC_EUNSUPPORTED,
                   "character U+FFFE (XML cannot carry it)");
    refused_repack(doc, len, NULL, "Doc_0/a\xed\xa0\x80.xml", "x", 0, SC_EUNSUPPORTED,
                   "not UTF-8");
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
    p = base(SC_OFD_PLACE_PAGE_XY);
    p.company = "a\xef\xbf\xbf";
    refused(doc, len, &p, SC_EINVAL, "Provider: \"a\xef\xbf\xbf\": character U+FFFF");
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
                              : sc__ofd_xml_add_sigs_ptr(in, n, "/S/Signatures.xml", 1, &res,
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
        sc_test_mem m = { .fail_at = at == 1 ? 0 : at };
        assert_int_equal(sc_ofd_pkg_open_mem(&pkg, doc, len, &err), 0);
        int rc = sc_ofd_sign(pkg, &p, sc_test_mem_sink, &m, NULL, &err);
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
        cmocka_unit_test(sign_ofd__stacks_three_signatures),
        cmocka_unit_test(sign_ofd__adds_to_every_vector),
        cmocka_unit_test(sign_ofd__lock_covers_signatures_xml_and_refuses_the_next),
        cmocka_unit_test(sign_ofd__refuses_bad_inputs_before_writing),
        cmocka_unit_test(sign_ofd__reports_sink_failures),
        cmocka_unit_test(xml_edit__keeps_every_other_byte),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
