/* ofd_stamp_test.c: the helpers ofd_stamp_test.h declares, compiled into test_ofd_stamp and
 * test_ofd_stamp_pos. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ofd/ofd_model.h"
#include "ofd/ofd_zipw.h"
#include "sealcore/ofd_doc.h"
#include "testutil.h"
#include "ofd_stamp_test.h"   /* last: its type out would shadow parameters named out */

struct stamp_group g;

int group_setup(void **state)
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

int group_teardown(void **state)
{
    (void)state;
    free(g.prov), free(g.city), free(g.maker), free(g.png);
    sc_key_free(g.kprov), sc_key_free(g.kcity), sc_key_free(g.kmaker);
    sc_ses_seal_free(g.seal);
    sc_trust_free(g.trust);
    return 0;
}

uint8_t *make_doc(size_t npages, const char *const *texts, size_t *len)
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

uint8_t *repack(const uint8_t *doc, size_t len, const char *skip, const char *name,
                const uint8_t *data, size_t dlen, size_t *out_len)
{
    sc_test_mem m = { 0 };
    sc__zipw *w = NULL;
    sc_ofd_pkg *pkg = NULL;
    sc_err err = SC_ERR_INIT;

    assert_int_equal(sc_ofd_pkg_open_mem(&pkg, doc, len, &err), 0);
    assert_int_equal(sc__zipw_new(&w, sc_test_mem_sink, &m, &err), 0);
    for (size_t i = 0; i < sc_ofd_pkg_count(pkg); i++)
        if (skip == NULL || strcmp(sc_ofd_pkg_name(pkg, i), skip) != 0)
            assert_int_equal(sc__zipw_copy(w, pkg, i, &err), 0);
    if (name != NULL)
        assert_int_equal(sc__zipw_add(w, name, data, dlen, 0, &err), 0);
    assert_int_equal(sc__zipw_finish(w, &err), 0);
    sc__zipw_free(w);
    sc_ofd_pkg_free(pkg);
    *out_len = m.len;
    return m.buf;
}

sc_ofd_sign_params base(sc_ofd_place place)
{
    sc_ofd_sign_params p = { .seal = g.seal, .key = g.kprov, .cert = g.prov,
                             .cert_len = g.prov_len, .place = place, .sign_time = g.t,
                             .page = 1, .x_mm = 100, .y_mm = 100 };
    return p;
}

void refused(const uint8_t *in, size_t len, const sc_ofd_sign_params *p, int code,
             const char *frag)
{
    sc_ofd_pkg *pkg = NULL;
    sc_test_mem m = { 0 };
    sc_err err = SC_ERR_INIT;
    int rc = sc_ofd_pkg_open_mem(&pkg, in, len, &err);

    if (rc == 0)
        rc = sc_ofd_sign(pkg, p, sc_test_mem_sink, &m, NULL, &err);
    sc_ofd_pkg_free(pkg);
    free(m.buf);
    if (rc != code || strstr(err.msg, frag) == NULL || m.len != 0)
        fail_msg("expected %d \"%s\", got %d \"%s\" (%zu bytes out)", code, frag, rc, err.msg,
                 m.len);
}

uint8_t *entry(const uint8_t *buf, size_t len, const char *name, size_t *n)
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

void assert_entry(const uint8_t *buf, size_t len, const char *name, const char *want)
{
    size_t n;
    uint8_t *d = entry(buf, len, name, &n);

    if (d == NULL || n != strlen(want) || memcmp(d, want, n) != 0)
        fail_msg("%s:\n got  %s\n want %s", name, d != NULL ? (char *)d : "(absent)", want);
    free(d);
}


void out_free(out *o)
{
    sc__ofd_model_free(o->m);
    sc_ofd_pkg_free(o->pkg);
    free(o->buf);
}

void sign_read(out *o, const uint8_t *in, size_t len, const sc_ofd_sign_params *p)
{
    sc_test_mem m = { 0 };
    sc_ofd_pkg *pkg = NULL;
    sc_report *rep = NULL;
    sc_verify_opts vo = { .trust = g.trust };
    sc_err err = SC_ERR_INIT;
    char msg[512];

    memset(o, 0, sizeof(*o));
    assert_int_equal(sc_ofd_pkg_open_mem(&pkg, in, len, &err), 0);
    if (sc_ofd_sign(pkg, p, sc_test_mem_sink, &m, &o->info, &err) != 0)
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
                c != SC_CHECK_SEAL_STATUS &&   /* no status response given here */
                c != SC_CHECK_LICENSE &&       /* an item of kind license only */
                !sc_test_check_is(rep, i, c, SC_RESULT_PASSED, NULL, msg, sizeof(msg)))
                fail_msg("signature %s (%s): %s", s->id, ours ? "ours" : "earlier", msg);
        for (size_t r = 0; ours && r < s->nrefs; r++)
            assert_false(strcmp(s->refs[r].entry, s->entry) == 0 ||
                         strcmp(s->refs[r].entry, s->value_entry) == 0);
    }
    sc_report_free(rep);
}
