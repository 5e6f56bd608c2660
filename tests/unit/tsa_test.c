/* tsa_test.c: the helpers tsa_test.h declares, compiled into test_tsa and test_tsa_verify. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "cert/cert_int.h"
#include "der/der_int.h"
#include "pkcs7/pkcs7_int.h"
#include "testutil.h"
#include "tsa/tsa_int.h"
#include "tsa_test.h"

struct tsa_fix tf;

sc_tsa *new_tsa(const sc_tsa_params *p)
{
    sc_tsa *t = NULL;
    sc_err err = SC_ERR_INIT;
    int rc = sc_tsa_new(&t, tf.ktsa, tf.tsa_der, tf.tsa_len, p, &err);

    if (rc != 0)
        fail_msg("sc_tsa_new: %d \"%s\"", rc, err.msg);
    return t;
}

int tsa_group_setup(void **state)
{
    const uint8_t *chain[1];
    X509 *x;
    uint8_t h[32];
    /* one row a PKI name: its certificate, and its key where a test signs with it */
    const struct { const char *name; uint8_t **der; size_t *len; sc_key **key; } pki[] = {
        { "tsa", &tf.tsa_der, &tf.tsa_len, &tf.ktsa },
        { "seal-ca", &tf.ca_der, &tf.ca_len, NULL },
        { "signer-prov", &tf.prov, &tf.prov_len, &tf.kprov },
        { "seal-maker", &tf.maker, &tf.maker_len, &tf.kmaker } };

    (void)state;
    tf.pki = sc_test_pki();
    for (size_t i = 0; i < sizeof(pki) / sizeof(pki[0]); i++)
        if ((*pki[i].der = sc_test_cert(tf.pki, pki[i].name, pki[i].len)) == NULL ||
            (pki[i].key != NULL && (*pki[i].key = sc_test_key(tf.pki, pki[i].name)) == NULL))
            return -1;
    if (sc_test_read(sc_test_path(sc_test_data(), "seal.png"), &tf.png, &tf.png_len) != 0 ||
        sc_trust_new(&tf.trust, NULL) != 0)
        return -1;
    assert_int_equal(sc_test_add_trust(tf.trust, tf.pki, "root-ca.pem", 1), 0);
    assert_int_equal(sc_test_add_trust(tf.trust, tf.pki, "seal-ca.pem", 0), 0);
    chain[0] = tf.ca_der;
    tf.tsa = new_tsa(&(sc_tsa_params){ .policy = POLICY, .chain = chain,
                                       .chain_lens = &tf.ca_len, .chain_count = 1,
                                       .accuracy_s = 1, .accuracy_ms = 500 });
    x = sc__cert_parse(tf.tsa_der, tf.tsa_len, "tsa", NULL);
    assert_non_null(x);
    assert_int_equal(sc__asn1_time(X509_get0_notBefore(x), &tf.not_before), 0);
    assert_int_equal(sc__asn1_time(X509_get0_notAfter(x), &tf.not_after), 0);
    X509_free(x);
    assert_int_equal(sc__sm3((const uint8_t *)DATA, strlen(DATA), h, NULL), 0);
    memcpy(tf.mi, "\x30\x30\x30\x0c\x06\x08\x2a\x81\x1c\xcf\x55\x01\x83\x11\x05\x00\x04\x20",
           18);
    memcpy(tf.mi + 18, h, 32);
    tf.mi_len = 50;
    return 0;
}

int tsa_group_teardown(void **state)
{
    (void)state;
    sc_tsa_free(tf.tsa);
    sc_trust_free(tf.trust);
    sc_key_free(tf.ktsa), sc_key_free(tf.kprov), sc_key_free(tf.kmaker);
    free(tf.tsa_der), free(tf.ca_der), free(tf.prov), free(tf.maker), free(tf.png);
    return 0;
}

/* ---- building requests and reading answers ---------------------------------------------- */


static sc_span pick(sc_span s, sc_span def)
{
    return s.p != NULL ? s : def;
}

/* The request as a buffer of exactly its length (ASan sees a read past it). */
uint8_t *build(const rq *r, size_t *len)
{
    sc_der_buf b = SC_DER_BUF_INIT(SC_P7_MAX_OUT);
    const sc_span f[] = { pick(r->version, SPAN("\x02\x01\x01")),
                          pick(r->imprint, (sc_span){ tf.mi, tf.mi_len }), pick(r->policy, NONE),
                          pick(r->nonce, NONE), pick(r->cert_req, SPAN("\x01\x01\xff")),
                          pick(r->exts, NONE), pick(r->extra, NONE) };

    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
        sc__der_put(&b, f[i].p, f[i].len);
    sc__der_wrap(&b, 0, SC_TAG_SEQUENCE);
    assert_false(b.failed);
    *len = b.len;
    return b.p;
}


/* TimeStampResp read back with the DER cursor: what a client sees. */
void read_answer(answer *a)
{
    sc_der r, resp, si;
    sc_tlv t;
    int64_t v = -1;

    sc__der_init(&r, a->der, a->len);
    assert_int_equal(sc__der_enter(&r, SC_TAG_SEQUENCE, &resp, NULL, "resp", NULL), 0);
    assert_int_equal(sc__der_leave(&r, "resp", NULL), 0);
    assert_int_equal(sc__der_enter(&resp, SC_TAG_SEQUENCE, &si, NULL, "status", NULL), 0);
    assert_int_equal(sc__der_get(&si, SC_TAG_INTEGER, &t, "status", NULL), 0);
    assert_int_equal(sc__der_uint(&t, &v, "status", NULL), 0);
    a->status = (int)v;
    a->fail = -1;
    a->text[0] = '\0';
    if (sc__der_peek_tag(&si) == SC_TAG_SEQUENCE) {
        sc_der texts;
        assert_int_equal(sc__der_enter(&si, SC_TAG_SEQUENCE, &texts, NULL, "text", NULL), 0);
        assert_int_equal(sc__der_get(&texts, SC_TAG_UTF8, &t, "text", NULL), 0);
        snprintf(a->text, sizeof(a->text), "%.*s", (int)t.val.len, (const char *)t.val.p);
    }
    if (sc__der_peek_tag(&si) == SC_TAG_BIT_STRING) {
        assert_int_equal(sc__der_get(&si, SC_TAG_BIT_STRING, &t, "failInfo", NULL), 0);
        for (size_t i = 1; i < t.val.len && a->fail < 0; i++)
            for (int bit = 0; bit < 8 && a->fail < 0; bit++)
                if (t.val.p[i] & (0x80 >> bit))
                    a->fail = (int)(i - 1) * 8 + bit;
        assert_int_equal(t.val.p[0], 7 - a->fail % 8);   /* DER: no trailing zero bits */
    }
    assert_int_equal(sc__der_leave(&si, "status", NULL), 0);
    a->token.p = NULL;
    if (sc__der_more(&resp)) {
        assert_int_equal(sc__der_any(&resp, &t, "token", NULL), 0);
        a->token = t.all;
    }
    assert_int_equal(sc__der_leave(&resp, "resp", NULL), 0);
}

answer ask_at(const uint8_t *req, size_t len, int64_t now_ms)
{
    answer a;
    sc_err err = SC_ERR_INIT;
    int rc;

    memset(&a, 0, sizeof(a));
    rc = sc_tsa_respond(tf.tsa, req, len, now_ms, &a.der, &a.len, &a.o, &err);
    if (rc != 0)
        fail_msg("sc_tsa_respond: %d \"%s\"", rc, err.msg);
    read_answer(&a);
    assert_int_equal(a.status, a.o.status);
    assert_int_equal(a.fail, a.o.fail_info);
    assert_string_equal(a.text, a.o.reason);
    return a;
}

answer ask(const rq *r)
{
    size_t len;
    uint8_t *req = build(r, &len);
    answer a = ask_at(req, len, 0);

    free(req);
    return a;
}


tok read_token(sc_span token)
{
    sc_der r, ci, box, sd, eci, eb, infos, si, tst;
    sc_tlv t;
    tok k;

    memset(&k, 0, sizeof(k));
    sc__der_init(&r, token.p, token.len);
    assert_int_equal(sc__der_enter(&r, SC_TAG_SEQUENCE, &ci, NULL, "ci", NULL), 0);
    assert_int_equal(sc__der_get(&ci, SC_TAG_OID, &t, "type", NULL), 0);
    assert_int_equal(sc__der_enter(&ci, 0xa0, &box, NULL, "content", NULL), 0);
    assert_int_equal(sc__der_enter(&box, SC_TAG_SEQUENCE, &sd, NULL, "sd", NULL), 0);
    assert_int_equal(sc__der_get(&sd, SC_TAG_INTEGER, &t, "version", NULL), 0);
    assert_int_equal(sc__der_get(&sd, SC_TAG_SET, &t, "algs", NULL), 0);
    assert_int_equal(sc__der_enter(&sd, SC_TAG_SEQUENCE, &eci, NULL, "eci", NULL), 0);
    assert_int_equal(sc__der_get(&eci, SC_TAG_OID, &t, "etype", NULL), 0);
    assert_int_equal(sc__der_enter(&eci, 0xa0, &eb, NULL, "econtent", NULL), 0);
    assert_int_equal(sc__der_get(&eb, SC_TAG_OCTET_STRING, &t, "econtent", NULL), 0);
    k.tst = t.val;
    if (sc__der_peek_tag(&sd) == 0xa0) {
        assert_int_equal(sc__der_get(&sd, 0xa0, &t, "certs", NULL), 0);
        k.certs = t.val;
    }
    assert_int_equal(sc__der_enter(&sd, SC_TAG_SET, &infos, NULL, "infos", NULL), 0);
    assert_int_equal(sc__der_enter(&infos, SC_TAG_SEQUENCE, &si, NULL, "si", NULL), 0);
    for (int i = 0; i < 3; i++)                                  /* version, sid, digest */
        assert_int_equal(sc__der_any(&si, &t, "si", NULL), 0);
    assert_int_equal(sc__der_get(&si, 0xa0, &t, "attrs", NULL), 0);
    k.attrs = t.all;
    assert_int_equal(sc__der_any(&si, &t, "sigalg", NULL), 0);
    assert_int_equal(sc__der_get(&si, SC_TAG_OCTET_STRING, &t, "sig", NULL), 0);
    k.sig = t.val;
    sc__der_init(&r, k.tst.p, k.tst.len);
    assert_int_equal(sc__der_enter(&r, SC_TAG_SEQUENCE, &tst, NULL, "tst", NULL), 0);
    assert_int_equal(sc__der_get(&tst, SC_TAG_INTEGER, &t, "version", NULL), 0);
    sc_span *f[] = { &k.policy, &k.imprint, &k.serial, &k.gentime };
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(sc__der_any(&tst, &t, "tst", NULL), 0);
        *f[i] = i == 2 || i == 3 ? t.val : t.all;
    }
    while (sc__der_more(&tst)) {
        assert_int_equal(sc__der_any(&tst, &t, "tst", NULL), 0);
        if (t.tag == SC_TAG_SEQUENCE)
            k.accuracy = t.all;
        else if (t.tag == SC_TAG_BOOLEAN)
            k.has_ordering = 1;
        else if (t.tag == SC_TAG_INTEGER)
            k.nonce = t.all;
    }
    return k;
}

int verify_token(sc_span token, const sc_trust *trust, char *why, size_t n)
{
    int64_t gen = 0;
    sc_err err = SC_ERR_INIT;

    return sc__tsa_verify(token.p, token.len, (const uint8_t *)DATA, strlen(DATA), trust, &gen,
                          why, n, &err);
}
