/* test_status.c: status responses (sealcore/status.h, spec/status.asn1) signed by the dev PKI's
 * status-signer: round trips; the output checked by the openssl CLI (asn1parse, -genconf,
 * pkeyutl, dgst); the verifier rule around every change; parse errors naming their field;
 * tampering (every byte, every truncation, signer, key hash, staleness); 15,000 seals. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "der/der_int.h"
#include "sc_int.h"
#include "sealcore/status.h"
#include "sealcore/time.h"
#include "sealcore/trust.h"
#include "testutil.h"

#define DAY 86400

static struct {
    const char *pki;
    uint8_t *cert, *ca, *prov;          /* status-signer, seal-ca, signer-prov (DER) */
    size_t cert_len, ca_len, prov_len;
    sc_key *key, *kprov;
    sc_trust *trust;                    /* root-ca anchor, seal-ca intermediate */
    int64_t now;
    uint8_t *std;                       /* the rule-table response */
    size_t std_len;
    sc_status_resp *resp;
} g;

/* ---- fixtures ---------------------------------------------------------------------------- */

static void seal_digest(const char *id, uint8_t out[32])
{
    char s[300];
    snprintf(s, sizeof(s), "SES_Seal %s", id);
    assert_int_equal(sc__sm3((const uint8_t *)s, strlen(s), out, NULL), 0);
}

/* Add an entry dated now (nextUpdate in 7 days), its status derived from its history. */
static void add(sc_status_builder *b, sc_status_subject kind, const char *id,
                const sc_status_change *h, size_t hn, int64_t valid_end, int unknown)
{
    sc_err err = SC_ERR_INIT;
    uint8_t d[32];
    sc_status_entry e = { .kind = kind, .subject = id, .this_update = g.now,
                          .has_next_update = 1, .next_update = g.now + 7 * DAY,
                          .history = h, .history_len = hn };

    seal_digest(id, d);
    if (unknown) {
        e.status = SC_STATUS_UNKNOWN;
    } else {
        e.digest = kind == SC_STATUS_ESID ? d : NULL;
        e.has_valid_end = valid_end != 0;
        e.valid_end = valid_end;
        e.status = sc_status_entry_at(&e, g.now, NULL);
    }
    if (sc_status_builder_add(b, &e, &err) != 0)
        fail_msg("add %s: %s", id, err.msg);
}

static uint8_t *sign(sc_status_builder *b, const sc_key *key, const uint8_t *cert,
                     size_t cert_len, size_t *len)
{
    const uint8_t *ca[1] = { g.ca };
    uint8_t *der = NULL;
    sc_err err = SC_ERR_INIT;

    if (sc_status_builder_sign(b, key, cert, cert_len, ca, &g.ca_len, 1, &der, len, &err) != 0)
        fail_msg("sign: %s", err.msg);
    return der;
}

#define T(s) sc_test_time(s)
#define CH(s, at, r) { SC_STATUS_##s, T(at), r }

/* The seals of the verifier-rule table, added out of order (the builder sorts). */
static const struct std_row {
    sc_status_subject kind;
    const char *id, *valid_end;   /* valid_end NULL: none, "?": status unknown */
    size_t hn;
    struct { sc_status_code s; const char *at; int reason; } h[2];
} std_rows[] = {
    { SC_STATUS_ESID, "33000020260005", "2028-12-31T23:59:59Z", 2,
      { { SC_STATUS_SUSPENDED, "2026-11-01T00:00:00Z", 6 },
        { SC_STATUS_REVOKED, "2026-11-05T00:00:00Z", 5 } } },
    { SC_STATUS_ESID, "33000020260001", "2028-12-31T23:59:59Z", 2,
      { { SC_STATUS_SUSPENDED, "2026-11-20T08:00:00Z", 6 },
        { SC_STATUS_GOOD, "2026-11-22T08:00:00Z", SC_STATUS_NO_REASON } } },
    { SC_STATUS_LICENSE_ID, "33000020260001", NULL, 1,
      { { SC_STATUS_VOIDED, "2026-11-18T00:00:00Z", 4 } } },
    { SC_STATUS_ESID, "33000020260004", "?", 0, { { 0 } } },
    { SC_STATUS_ESID, "33000020260003", "2026-11-15T23:59:59Z", 0, { { 0 } } },
    { SC_STATUS_ESID, "33000020260002", "2028-12-31T23:59:59Z", 1,
      { { SC_STATUS_REVOKED, "2026-11-10T00:00:00Z", 1 } } },
    { SC_STATUS_ESID, "33000020260006", "2026-11-12T00:00:00Z", 1,
      { { SC_STATUS_REVOKED, "2026-11-11T00:00:00Z", 4 } } },
};

static uint8_t *make_std(size_t *len)
{
    sc_status_builder *b = NULL;
    uint8_t *der;

    assert_int_equal(sc_status_builder_new(&b, g.now, NULL), 0);
    for (size_t i = 0; i < sizeof(std_rows) / sizeof(std_rows[0]); i++) {
        const struct std_row *r = &std_rows[i];
        sc_status_change h[2];
        int unknown = r->valid_end != NULL && strcmp(r->valid_end, "?") == 0;
        for (size_t k = 0; k < r->hn; k++)
            h[k] = (sc_status_change){ r->h[k].s, T(r->h[k].at), r->h[k].reason };
        add(b, r->kind, r->id, h, r->hn, r->valid_end && !unknown ? T(r->valid_end) : 0, unknown);
    }
    assert_int_equal(sc_status_builder_set_list_sequence(b, 128, NULL), 0);
    assert_int_equal(sc_status_builder_set_nonce(b, (const uint8_t *)"\x01\x02\x03", 3, NULL), 0);
    der = sign(b, g.key, g.cert, g.cert_len, len);
    sc_status_builder_free(b);
    return der;
}

static int group_setup(void **state)
{
    (void)state;
    g.pki = sc_test_pki();
    g.now = (int64_t)time(NULL);
    g.cert = sc_test_cert(g.pki, "status-signer", &g.cert_len);
    g.ca = sc_test_cert(g.pki, "seal-ca", &g.ca_len);
    g.prov = sc_test_cert(g.pki, "signer-prov", &g.prov_len);
    g.key = sc_test_key(g.pki, "status-signer");
    g.kprov = sc_test_key(g.pki, "signer-prov");
    if (g.cert == NULL || g.ca == NULL || g.prov == NULL || g.key == NULL || g.kprov == NULL ||
        sc_trust_new(&g.trust, NULL) != 0 || sc_test_add_trust(g.trust, g.pki, "root-ca.pem", 1) ||
        sc_test_add_trust(g.trust, g.pki, "seal-ca.pem", 0))
        return -1;
    g.std = make_std(&g.std_len);
    return sc_status_resp_parse(&g.resp, g.std, g.std_len, NULL) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    free(g.cert), free(g.ca), free(g.prov), free(g.std);
    sc_key_free(g.key), sc_key_free(g.kprov);
    sc_trust_free(g.trust);
    sc_status_resp_free(g.resp);
    return 0;
}

/* A growing buffer for DER made by hand (wrapb: the bytes from start become one element). */
typedef struct bb {
    uint8_t *p;
    size_t n, cap;
} bb;

static void cat(bb *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        assert_non_null(b->p = realloc(b->p, b->cap));
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

static void wrapb(bb *b, size_t start, uint8_t tag)
{
    uint8_t h[6];
    size_t hn = sc__der_header(h, tag, b->n - start), content = b->n - start;

    cat(b, h, hn);
    memmove(b->p + start + hn, b->p + start, content);
    memcpy(b->p + start, h, hn);
}

/* Parse and verify der at check time `at` (0: an hour from now); 1 trusted, 0 not (why),
 * -1 unreadable (why holds the parse error). */
static int check(const uint8_t *der, size_t len, const uint8_t *signer, size_t signer_len,
                 int64_t at, char *why, size_t n)
{
    sc_status_verify_opts o = { g.trust, signer, signer_len, at ? at : g.now + 3600 };
    sc_status_resp *r = NULL;
    sc_err err = SC_ERR_INIT;
    int valid = 0;

    if (sc_status_resp_parse(&r, der, len, &err) != 0) {
        assert_null(r);
        assert_true(err.code < 0 && err.msg[0] != '\0');
        snprintf(why, n, "%s", err.msg);
        return -1;
    }
    if (sc_status_resp_verify(r, &o, &valid, why, n, &err) != 0)
        fail_msg("verify: %s", err.msg);
    sc_status_resp_free(r);
    return valid;
}

#define EXPECT_INVALID(der, len, signer, slen, at, frag)                                      \
    do {                                                                                      \
        char why_[600];                                                                       \
        int v_ = check(der, len, signer, slen, at, why_, sizeof(why_));                       \
        if (v_ != 0 || strstr(why_, frag) == NULL)                                            \
            fail_msg("got %d \"%s\", expected invalid \"%s\"", v_, why_, frag);               \
    } while (0)

/* ---- round trip -------------------------------------------------------------------------- */

static void status_make__round_trip_parses_and_verifies(void **state)
{
    const sc_status_resp_info *in = sc_status_resp_get_info(g.resp);
    const sc_status_entry *e;
    uint8_t d[32];
    size_t len;
    char why[600] = "";

    (void)state;
    assert_int_equal(check(g.std, g.std_len, NULL, 0, 0, why, sizeof(why)), 1);
    assert_string_equal(why, "");
    assert_true(in->produced_at == g.now && in->has_list_sequence && in->list_sequence == 128);
    assert_true(in->nonce_len == 3 && memcmp(in->nonce, "\x01\x02\x03", 3) == 0);
    assert_true(in->entry_count == 7 && in->cert_count == 2);
    assert_memory_equal(sc_status_resp_get_cert(g.resp, 0, &len), g.cert, g.cert_len);
    assert_int_equal(len, g.cert_len);
    assert_memory_equal(sc_status_resp_get_cert(g.resp, 1, &len), g.ca, g.ca_len);
    assert_null(sc_status_resp_get_cert(g.resp, 2, &len));
    /* sorted: esIDs ([0]) in order, then the licence ([1]) */
    for (size_t i = 0; i < 6; i++) {
        char id[32];
        snprintf(id, sizeof(id), "3300002026000%zu", i + 1);
        e = sc_status_resp_get_entry(g.resp, i);
        assert_true(e->kind == SC_STATUS_ESID && strcmp(e->subject, id) == 0);
        assert_ptr_equal(sc_status_resp_find(g.resp, SC_STATUS_ESID, id), e);
    }
    e = sc_status_resp_get_entry(g.resp, 6);
    assert_true(e->kind == SC_STATUS_LICENSE_ID && !e->digest && e->status == SC_STATUS_VOIDED);
    assert_null(sc_status_resp_get_entry(g.resp, 7));
    /* every field of one entry */
    e = sc_status_resp_find(g.resp, SC_STATUS_ESID, "33000020260001");
    seal_digest("33000020260001", d);
    assert_memory_equal(e->digest, d, 32);
    assert_true(e->status == SC_STATUS_GOOD && e->this_update == g.now);
    assert_true(e->has_next_update && e->next_update == g.now + 7 * DAY);
    assert_true(e->has_valid_end && e->valid_end == T("2028-12-31T23:59:59Z"));
    assert_true(e->history_len == 2 && e->history[0].status == SC_STATUS_SUSPENDED);
    assert_int_equal(e->history[0].at, T("2026-11-20T08:00:00Z"));
    assert_int_equal(e->history[0].reason, SC_STATUS_REASON_CERTIFICATE_HOLD);
    assert_int_equal(e->history[1].reason, SC_STATUS_NO_REASON);
    e = sc_status_resp_find(g.resp, SC_STATUS_ESID, "33000020260004");
    assert_true(e->status == SC_STATUS_UNKNOWN && e->digest == NULL);
    assert_int_equal(sc_status_resp_find(g.resp, SC_STATUS_ESID, "33000020260003")->status,
                     SC_STATUS_EXPIRED);
    assert_null(sc_status_resp_find(g.resp, SC_STATUS_ESID, "3300002026000"));
    assert_null(sc_status_resp_find(g.resp, SC_STATUS_LICENSE_ID, "33000020260002"));
    assert_null(sc_status_resp_find(g.resp, SC_STATUS_ESID, ""));
    /* what the signature covers: tbsStatus as read, right after the response's header */
    const uint8_t *t = sc_status_resp_get_tbs(g.resp, &len);
    assert_true(t == sc_status_resp_get_der(g.resp, NULL) + 4 && t[0] == 0x30);
    assert_memory_equal(t + len, "\x30\x0a\x06\x08\x2a\x81\x1c\xcf\x55\x01\x83\x75", 12);
}

/* ---- independent checks with the openssl CLI ---------------------------------------------- */

/* asn1parse reads the whole response as one element, and every header has the minimal length
 * form (DER), at every depth, including inside the certificates. */
static void status_make__der_is_minimal_per_openssl_asn1parse(void **state)
{
    const char *d = sc_test_tmpdir();

    (void)state;
    assert_int_equal(sc_test_write(sc_test_path(d, "std.der"), g.std, g.std_len), 0);
    assert_int_equal(sc_test_sh(
        "openssl asn1parse -inform DER -in '%s/std.der' -i > '%s/std.txt' && "
        "awk -v size=%zu '{ if (!match($0, / hl= *[0-9]+/)) bad = 1; "
        "  hl = substr($0, RSTART + 4, RLENGTH - 4) + 0; "
        "  if (!match($0, / l= *[0-9]+/)) bad = 1; l = substr($0, RSTART + 3, RLENGTH - 3) + 0; "
        "  min = l < 128 ? 2 : l < 256 ? 3 : l < 65536 ? 4 : 5; if (hl != min) bad = 1; "
        "  if (NR == 1 && hl + l != size) bad = 1 } END { exit bad }' '%s/std.txt' && "
        "grep -q 'SM2-with-SM3' '%s/std.txt' && grep -q 'GENERALIZEDTIME' '%s/std.txt' && "
        "grep -q 'ENUMERATED' '%s/std.txt' && grep -q 'IA5STRING' '%s/std.txt' && "
        "grep -q 'UTF8STRING' '%s/std.txt' && grep -q 'cont \\[ 2 \\]' '%s/std.txt'",
        d, d, g.std_len, d, d, d, d, d, d, d), 0);
}

static uint8_t *openssl_key_hash(void)
{
    const char *d = sc_test_tmpdir();
    uint8_t *kh = NULL;
    size_t n = 0;

    /* an SM2 SPKI is 91 bytes ending in the 65-byte point: the BIT STRING value */
    assert_int_equal(sc_test_sh("openssl x509 -in '%s/status-signer.pem' -noout -pubkey | "
                                "openssl pkey -pubin -outform DER > '%s/spki.der' && "
                                "test $(wc -c < '%s/spki.der') -eq 91 && tail -c 65 "
                                "'%s/spki.der' | openssl dgst -sm3 -binary > '%s/kh.bin'",
                                g.pki, d, d, d, d), 0);
    assert_int_equal(sc_test_read(sc_test_path(d, "kh.bin"), &kh, &n), 0);
    assert_int_equal(n, 32);
    return kh;
}

/* tbsStatus byte for byte as OpenSSL's own DER generator encodes the same values: minimal
 * INTEGER with its pad (128), EXPLICIT tags, GeneralizedTime, absent OPTIONAL fields, the
 * entries in subject order (added in reverse), and responderKeyHash as openssl computes SM3
 * of the certificate's subjectPublicKey. */
static void status_make__tbs_equals_openssl_genconf(void **state)
{
    const char *d = sc_test_tmpdir();
    sc_status_change h[2] = { CH(SUSPENDED, "2026-11-20T08:00:00Z", 6),
                              CH(GOOD, "2026-11-22T08:00:00Z", SC_STATUS_NO_REASON) };
    sc_status_builder *b = NULL;
    uint8_t *der, *kh = openssl_key_hash(), *want = NULL, dg[32];
    size_t len, tl, wl;
    char khx[65], dgx[65], now[20], next[20], cnf[4096];
    const char *fmt = "%Y%m%d%H%M%SZ";
    time_t t0 = (time_t)g.now, t1 = (time_t)(g.now + 7 * DAY);
    struct tm tm;
    sc_status_resp *r = NULL;

    (void)state;
    strftime(now, sizeof(now), fmt, gmtime_r(&t0, &tm));
    strftime(next, sizeof(next), fmt, gmtime_r(&t1, &tm));
    assert_int_equal(sc_status_builder_new(&b, g.now, NULL), 0);
    assert_int_equal(sc_status_builder_set_list_sequence(b, 128, NULL), 0);
    assert_int_equal(sc_status_builder_set_nonce(b, (const uint8_t *)"\xa5", 1, NULL), 0);
    add(b, SC_STATUS_LICENSE_ID, "证照-1", NULL, 0, 0, 0);
    add(b, SC_STATUS_ESID, "33000020260009", NULL, 0, 0, 1);
    add(b, SC_STATUS_ESID, "33000020260001", h, 2, T("2028-12-31T23:59:59Z"), 0);
    der = sign(b, g.key, g.cert, g.cert_len, &len);
    assert_int_equal(sc_status_resp_parse(&r, der, len, NULL), 0);
    seal_digest("33000020260001", dg);
    for (size_t i = 0; i < 32; i++)
        snprintf(khx + 2 * i, 3, "%02X", kh[i]), snprintf(dgx + 2 * i, 3, "%02X", dg[i]);
    snprintf(cnf, sizeof(cnf),
             "asn1 = SEQUENCE:tbs\n[tbs]\nv = INTEGER:1\nkh = FORMAT:HEX,OCTETSTRING:%s\n"
             "pa = GENTIME:%s\nseq = EXPLICIT:0,INTEGER:128\nnonce = EXPLICIT:1,FORMAT:HEX,"
             "OCTETSTRING:A5\nentries = SEQUENCE:entries\n"
             "[entries]\ne1 = SEQUENCE:e1\ne9 = SEQUENCE:e9\nel = SEQUENCE:el\n"
             "[e1]\nsub = EXPLICIT:0,IA5STRING:33000020260001\ndg = FORMAT:HEX,OCTETSTRING:%s\n"
             "st = ENUMERATED:0\ntu = GENTIME:%s\nnu = EXPLICIT:0,GENTIME:%s\n"
             "ve = EXPLICIT:1,GENTIME:20281231235959Z\nhi = EXPLICIT:2,SEQUENCE:hist\n"
             "[hist]\nc0 = SEQUENCE:c0\nc1 = SEQUENCE:c1\n"
             "[c0]\nst = ENUMERATED:1\nat = GENTIME:20261120080000Z\nre = ENUMERATED:6\n"
             "[c1]\nst = ENUMERATED:0\nat = GENTIME:20261122080000Z\n"
             "[e9]\nsub = EXPLICIT:0,IA5STRING:33000020260009\nst = ENUMERATED:4\n"
             "tu = GENTIME:%s\nnu = EXPLICIT:0,GENTIME:%s\n"
             "[el]\nsub = EXPLICIT:1,FORMAT:UTF8,UTF8String:证照-1\nst = ENUMERATED:0\n"
             "tu = GENTIME:%s\nnu = EXPLICIT:0,GENTIME:%s\n",
             khx, now, dgx, now, next, now, next, now, next);
    assert_int_equal(sc_test_write(sc_test_path(d, "tbs.cnf"), cnf, strlen(cnf)), 0);
    assert_int_equal(sc_test_sh("openssl asn1parse -genconf '%s/tbs.cnf' -noout -out "
                                "'%s/tbs-want.der'", d, d), 0);
    assert_int_equal(sc_test_read(sc_test_path(d, "tbs-want.der"), &want, &wl), 0);
    const uint8_t *tbs = sc_status_resp_get_tbs(r, &tl);
    assert_int_equal(tl, wl);
    assert_memory_equal(tbs, want, wl);
    sc_status_resp_free(r);
    sc_status_builder_free(b);
    free(der), free(kh), free(want);
}

static void status_make__signature_verifies_with_openssl_pkeyutl(void **state)
{
    const char *d = sc_test_tmpdir();
    const char *verify = "openssl pkeyutl -verify -pubin -inkey '%s/%s' -rawin -digest sm3 "
                         "-pkeyopt distid:1234567812345678 -in '%s/tbs.der' -sigfile "
                         "'%s/sig.der' >/dev/null 2>&1";
    size_t tl, sl;
    const uint8_t *tbs = sc_status_resp_get_tbs(g.resp, &tl);
    const uint8_t *sig = sc_status_resp_get_signature(g.resp, &sl);
    uint8_t *bad = malloc(tl);

    (void)state;
    assert_non_null(bad);
    assert_int_equal(sc_test_write(sc_test_path(d, "tbs.der"), tbs, tl), 0);
    assert_int_equal(sc_test_write(sc_test_path(d, "sig.der"), sig, sl), 0);
    assert_int_equal(sc_test_sh("openssl x509 -in '%s/status-signer.pem' -pubkey -noout > "
                                "'%s/status.pub' && openssl x509 -in '%s/signer-prov.pem' "
                                "-pubkey -noout > '%s/prov.pub'", g.pki, d, g.pki, d), 0);
    assert_int_equal(sc_test_sh(verify, d, "status.pub", d, d), 0);
    /* controls: another key; one changed byte of tbsStatus */
    assert_int_not_equal(sc_test_sh(verify, d, "prov.pub", d, d), 0);
    memcpy(bad, tbs, tl);
    bad[tl - 1] ^= 1;
    assert_int_equal(sc_test_write(sc_test_path(d, "tbs.der"), bad, tl), 0);
    assert_int_not_equal(sc_test_sh(verify, d, "status.pub", d, d), 0);
    free(bad);
}

/* ---- the verifier rule ------------------------------------------------------------------- */

static const struct rule {
    const char *id, *at;
    sc_status_code want;
    const char *msg;
} rules[] = {   /* id "L:…": the licence of that id, no digest compared */
    { "33000020260001", "2026-11-19T00:00:00Z", SC_STATUS_GOOD,
      "seal 33000020260001 was good at the signing time 2026-11-19T00:00:00Z" },
    { "33000020260001", "2026-11-20T07:59:59Z", SC_STATUS_GOOD, "was good at" },
    { "33000020260001", "2026-11-20T08:00:00Z", SC_STATUS_SUSPENDED,   /* exactly at the change */
      "was suspended at 2026-11-20T08:00:00Z (certificateHold), at the signing time "
      "2026-11-20T08:00:00Z" },
    { "33000020260001", "2026-11-21T09:00:00Z", SC_STATUS_SUSPENDED,   /* the spec's example */
      "seal 33000020260001 was suspended at 2026-11-20T08:00:00Z (certificateHold), before the "
      "signing time 2026-11-21T09:00:00Z; it was resumed only at 2026-11-22T08:00:00Z" },
    { "33000020260001", "2026-11-22T07:59:59Z", SC_STATUS_SUSPENDED, "suspended at" },
    { "33000020260001", "2026-11-22T08:00:00Z", SC_STATUS_GOOD,
      "good at the signing time 2026-11-22T08:00:00Z (resumed at 2026-11-22T08:00:00Z)" },
    { "33000020260002", "2026-11-09T23:59:59Z", SC_STATUS_GOOD, "was good at" },
    { "33000020260002", "2026-11-10T00:00:00Z", SC_STATUS_REVOKED,
      "revoked at 2026-11-10T00:00:00Z (keyCompromise), at the signing time" },
    { "33000020260002", "2026-11-25T00:00:00Z", SC_STATUS_REVOKED,
      "revoked at 2026-11-10T00:00:00Z (keyCompromise), before the signing time 2026-11-25" },
    { "33000020260003", "2026-11-15T23:59:59Z", SC_STATUS_GOOD, "was good at" },
    { "33000020260003", "2026-11-16T00:00:00Z", SC_STATUS_EXPIRED,
      "seal 33000020260003 expired: it was valid until 2026-11-15T23:59:59Z, before the signing "
      "time 2026-11-16T00:00:00Z" },
    { "33000020260004", "2026-11-21T00:00:00Z", SC_STATUS_UNKNOWN,
      "the status response says the province never made seal 33000020260004" },
    { "33000020269999", "2026-11-21T00:00:00Z", SC_STATUS_UNKNOWN,
      "the status response has no entry for seal 33000020269999" },
    { "33000020260005", "2026-11-03T00:00:00Z", SC_STATUS_SUSPENDED, "(certificateHold)" },
    { "33000020260005", "2026-11-06T00:00:00Z", SC_STATUS_REVOKED,
      "revoked at 2026-11-05T00:00:00Z (cessationOfOperation), before" },
    { "33000020260006", "2026-11-13T00:00:00Z", SC_STATUS_REVOKED,   /* revoked beats expired */
      "revoked at 2026-11-11T00:00:00Z (superseded)" },
    { "L:33000020260001", "2026-11-17T00:00:00Z", SC_STATUS_GOOD,
      "licence 33000020260001 was good" },
    { "L:33000020260001", "2026-11-19T00:00:00Z", SC_STATUS_VOIDED,
      "licence 33000020260001 was voided at 2026-11-18T00:00:00Z (superseded), before" },
};

static void status_at__follows_the_history_rule(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        const struct rule *r = &rules[i];
        sc_status_verdict v;
        uint8_t d[32];
        char why[400];

        int lic = strncmp(r->id, "L:", 2) == 0;
        seal_digest(r->id, d);
        if (lic)
            assert_int_equal(sc_status_subject_at(g.resp, SC_STATUS_LICENSE_ID, r->id + 2, NULL,
                                                  T(r->at), &v, why, sizeof(why), NULL), 0);
        else
            assert_int_equal(sc_status_at(g.resp, r->id, d, T(r->at), &v, why, sizeof(why),
                                          NULL), 0);
        if (v.status != r->want || v.good != (r->want == SC_STATUS_GOOD) ||
            v.digest_matches != (!lic && v.entry && v.entry->digest ? 1 : -1) ||
            strstr(why, r->msg) == NULL)
            fail_msg("row %zu (%s at %s): got %s good=%d \"%s\", expected %s \"%s\"", i, r->id,
                     r->at, sc_status_name(v.status), v.good, why, sc_status_name(r->want),
                     r->msg);
    }
}

/* sc_status_subject_at on the rule-table response, with the digest of seal `of` (NULL: none) */
static sc_status_verdict at(sc_status_subject kind, const char *id, const char *of, int64_t t,
                            char why[400])
{
    sc_status_verdict v;
    uint8_t d[32];

    if (of != NULL)
        seal_digest(of, d);
    assert_int_equal(sc_status_subject_at(g.resp, kind, id, of ? d : NULL, t, &v, why, 400, NULL),
                     0);
    return v;
}

static void status_at__refuses_a_seal_with_another_digest(void **state)
{
    sc_status_verdict v;
    char why[400];

    (void)state;
    v = at(SC_STATUS_ESID, "33000020260001", "33000020260002", T("2026-11-19T00:00:00Z"), why);
    assert_true(!v.good && v.digest_matches == 0 && v.entry != NULL);
    assert_non_null(strstr(why, "its subjectDigest is not SM3 of this seal"));
    v = at(SC_STATUS_ESID, "33000020260001", "33000020260001", T("2026-11-19T00:00:00Z"), why);
    assert_true(v.good && v.digest_matches == 1);
    assert_int_equal(sc_status_at(g.resp, "33000020260001", NULL, 0, &v, why, sizeof(why), NULL),
                     SC_EINVAL);
}

/* the response speaks until nextUpdate: a later signing time is not covered (N, N+1) */
static void status_at__not_after_next_update(void **state)
{
    const char *id = "33000020260001";
    sc_status_verdict v;
    char why[400];

    (void)state;
    assert_true(at(SC_STATUS_ESID, id, id, g.now + 7 * DAY, why).good);
    v = at(SC_STATUS_ESID, id, id, g.now + 7 * DAY + 1, why);
    assert_true(!v.good && v.status == SC_STATUS_UNKNOWN);
    assert_non_null(strstr(why, "only until its nextUpdate"));
}

/* revoked and voided are final even when a (malformed) history goes on */
static void status_entry_at__revoked_and_voided_are_final(void **state)
{
    sc_status_change h[3] = { CH(REVOKED, "2026-11-10T00:00:00Z", 1),
                              CH(GOOD, "2026-11-11T00:00:00Z", -1),
                              CH(SUSPENDED, "2026-11-12T00:00:00Z", 6) };
    sc_status_entry e = { .kind = SC_STATUS_ESID, .subject = "x", .status = SC_STATUS_REVOKED,
                          .history = h, .history_len = 3, .has_valid_end = 1,
                          .valid_end = T("2026-11-11T12:00:00Z") };
    const sc_status_change *by;
#define AT(t, want, who)                                                                      \
    assert_true(sc_status_entry_at(&e, T(t), &by) == (want) && by == (who))

    (void)state;
    AT("2026-11-09T00:00:00Z", SC_STATUS_GOOD, NULL);
    AT("2026-11-13T00:00:00Z", SC_STATUS_REVOKED, &h[0]);
    h[0].status = SC_STATUS_VOIDED;
    AT("2026-11-13T00:00:00Z", SC_STATUS_VOIDED, &h[0]);
    h[0].status = SC_STATUS_SUSPENDED;   /* not final: then expired after validEnd */
    AT("2026-11-11T06:00:00Z", SC_STATUS_GOOD, &h[1]);
    AT("2026-11-13T00:00:00Z", SC_STATUS_EXPIRED, NULL);
    e.status = SC_STATUS_UNKNOWN;
    AT("2026-11-13T00:00:00Z", SC_STATUS_UNKNOWN, NULL);
#undef AT
}

/* ---- tampering --------------------------------------------------------------------------- */

static void status_verify__every_byte_flip_fails(void **state)
{
    uint8_t *buf = malloc(g.std_len);
    char why[600];

    (void)state;
    assert_non_null(buf);
    for (size_t i = 0; i < g.std_len; i++)
        for (int k = 0; k < 2; k++) {
            memcpy(buf, g.std, g.std_len);
            buf[i] ^= k ? 0x80 : 0x01;
            if (check(buf, g.std_len, NULL, 0, 0, why, sizeof(why)) == 1)
                fail_msg("byte %zu ^ 0x%02x still verifies", i, k ? 0x80 : 0x01);
        }
    free(buf);
}

static void status_parse__truncation_at_every_length_is_a_clean_error(void **state)
{
    (void)state;
    for (size_t n = 0; n < g.std_len; n++) {
        sc_status_resp *r = (sc_status_resp *)&n;
        sc_err err = SC_ERR_INIT;
        uint8_t *cut = malloc(n ? n : 1);   /* exactly n bytes: ASan sees any over-read */
        assert_non_null(cut);
        memcpy(cut, g.std, n);
        int rc = sc_status_resp_parse(&r, cut, n, &err);
        free(cut);
        if (rc != SC_EFORMAT || r != NULL || err.msg[0] == '\0')
            fail_msg("%zu bytes: %d \"%s\"", n, rc, err.msg);
    }
}

static void status_verify__refuses_another_signer_certificate(void **state)
{
    char why[600];

    (void)state;
    EXPECT_INVALID(g.std, g.std_len, g.prov, g.prov_len, 0,
                   "is not this response's signer: SM3 of its public key differs from "
                   "responderKeyHash");
    /* the right certificate given explicitly */
    assert_int_equal(check(g.std, g.std_len, g.cert, g.cert_len, 0, why, sizeof(why)), 1);
}

static void status_verify__refuses_a_signer_without_ocsp_signing(void **state)
{
    sc_status_builder *b = NULL;
    uint8_t *der;
    size_t len;

    (void)state;
    assert_int_equal(sc_status_builder_new(&b, g.now, NULL), 0);
    add(b, SC_STATUS_ESID, "33000020260001", NULL, 0, 0, 0);
    der = sign(b, g.kprov, g.prov, g.prov_len, &len);   /* a seal signer, not a status signer */
    EXPECT_INVALID(der, len, NULL, 0, 0, "no id-kp-OCSPSigning extended key usage");
    sc_status_builder_free(b);
    free(der);
}

/* A well-signed response whose responderKeyHash names another key: re-signed by hand. */
static void status_verify__refuses_a_wrong_key_hash(void **state)
{
    sc_der top, resp;
    sc_tlv tbs, skip;
    bb b = { NULL, 0, 0 };
    uint8_t *sig = NULL;
    size_t sig_len = 0, s;

    (void)state;
    sc__der_init(&top, g.std, g.std_len);
    assert_int_equal(sc__der_enter(&top, 0x30, &resp, NULL, "", NULL), 0);
    assert_int_equal(sc__der_get(&resp, 0x30, &tbs, "", NULL), 0);
    assert_int_equal(sc__der_get(&resp, 0x30, &skip, "", NULL), 0);   /* algorithm */
    assert_int_equal(sc__der_get(&resp, 0x03, &skip, "", NULL), 0);   /* signature */
    cat(&b, tbs.all.p, tbs.all.len);
    assert_memory_equal(b.p + 4, "\x02\x01\x01\x04\x20", 5);   /* version, then the hash */
    b.p[9] ^= 0xff;
    assert_int_equal(sc_key_sign(g.key, b.p, b.n, &sig, &sig_len, NULL), 0);
    cat(&b, "\x30\x0a\x06\x08\x2a\x81\x1c\xcf\x55\x01\x83\x75", 12);
    s = b.n, cat(&b, "", 1), cat(&b, sig, sig_len), wrapb(&b, s, 0x03);
    cat(&b, resp.p, resp.left);                                      /* [0] certs as they were */
    wrapb(&b, 0, 0x30);
    EXPECT_INVALID(b.p, b.n, NULL, 0, 0, "differs from responderKeyHash");
    free(sig), free(b.p);
}

static void status_verify__refuses_a_stale_response(void **state)
{
    char why[600];

    (void)state;
    assert_int_equal(check(g.std, g.std_len, NULL, 0, g.now + 7 * DAY, why, sizeof(why)), 1);
    EXPECT_INVALID(g.std, g.std_len, NULL, 0, g.now + 7 * DAY + 1,
                   "the status response is stale: its nextUpdate");
}

static void status_verify__refuses_an_untrusted_signer(void **state)
{
    sc_status_verify_opts o = { NULL, NULL, 0, g.now };
    sc_trust *other = NULL, *empty = NULL;
    sc_err err = SC_ERR_INIT;
    int valid = 1;
    char why[600];

    (void)state;
    assert_int_equal(sc_trust_new(&other, NULL), 0);
    assert_int_equal(sc_test_add_trust(other, sc_test_pki_other(), "root-ca.pem", 1), 0);
    assert_int_equal(sc_test_add_trust(other, sc_test_pki_other(), "seal-ca.pem", 0), 0);
    o.trust = other;
    assert_int_equal(sc_status_resp_verify(g.resp, &o, &valid, why, sizeof(why), &err), 0);
    assert_true(!valid && strstr(why, "at producedAt") != NULL);
    assert_int_equal(sc_trust_new(&empty, NULL), 0);
    o.trust = empty;
    assert_int_equal(sc_status_resp_verify(g.resp, &o, &valid, why, sizeof(why), &err),
                     SC_EINVAL);
    assert_non_null(strstr(err.msg, "no trust anchors"));
    sc_trust_free(other);
    sc_trust_free(empty);
}

/* ---- parse errors name the field ---------------------------------------------------------- */

/* Same-length surgery on the rule-table response: find `from` (unique), write `to`. */
static const struct patch {
    const char *from, *to;
    size_t len;
    int code;
    const char *msg;
} patches[] = {
    { "\x18\x0f" "20261120080000Z", "\x17\x0f" "20261120080000Z", 17, SC_EFORMAT,
      "StatusResponse.tbsStatus.entries[0].history[0].at: not a GeneralizedTime (tag 0x17)" },
    { "\x18\x0f" "20261120080000Z", "\x18\x0f" "202611200800000", 17, SC_EFORMAT,
      "entries[0].history[0].at: not a GeneralizedTime of the form YYYYMMDDhhmmssZ" },
    { "\x18\x0f" "20261122080000Z", "\x18\x0f" "20261119080000Z", 17, SC_EFORMAT,
      "entries[0].history[1].at: earlier than history[0].at" },
    { "\x0a\x01\x01\x18\x0f" "20261120", "\x0a\x01\x03\x18\x0f" "20261120", 13, SC_EFORMAT,
      "entries[0].history[0].status: expired cannot be a change" },
    { "20261120080000Z\x0a\x01\x06", "20261120080000Z\x0a\x01\x02", 18, SC_EFORMAT,
      "entries[0].history[0].reason: 2 is not a Reason" },
    { "\x16\x0e" "33000020260002", "\x16\x0e" "33000020260001", 16, SC_EFORMAT,
      "entries[1].subject: not after entries[0].subject" },
    { "\x16\x0e" "33000020260002", "\x16\x0e" "3300002026\x01" "002", 16, SC_EFORMAT,
      "entries[1].subject.esID: byte 10 (0x01) is not printable ASCII" },
    { "\xa0\x10\x16\x0e" "33000020260002", "\xa2\x10\x16\x0e" "33000020260002", 18, SC_EFORMAT,
      "entries[1].subject: expected [0] esID or [1] licenseId, found tag 0xa2" },
    { "\x0c\x0e" "33000020260001", "\x0c\x0e" "3300002026\xff" "001", 16, SC_EFORMAT,
      "entries[6].subject.licenseId: not valid UTF-8" },
    { "\x16\x0e" "33000020260004\x0a\x01\x04", "\x16\x0e" "33000020260004\x0a\x01\x09", 19,
      SC_EFORMAT, "entries[3].status: 9 is not a Status (0..5)" },
    { "\x16\x0e" "33000020260004\x0a\x01\x04", "\x16\x0e" "33000020260004\x0a\x01\x02", 19,
      SC_EFORMAT, "entries[3].status: revoked, but its history and validEnd give good at "
      "thisUpdate" },
    { "\x02\x01\x01\x04\x20", "\x02\x01\x02\x04\x20", 5, SC_EUNSUPPORTED,
      "StatusResponse.tbsStatus.version: 2, only v1 (1) is defined" },
    /* the response's own algorithm: right after the last entry (certificates use it too) */
    { "20261118000000Z\x0a\x01\x04\x30\x0a\x06\x08\x2a\x81\x1c\xcf\x55\x01\x83\x75",
      "20261118000000Z\x0a\x01\x04\x30\x0a\x06\x08\x2a\x81\x1c\xcf\x55\x01\x83\x76", 30,
      SC_EUNSUPPORTED, "StatusResponse.signatureAlgorithm: 1.2.156.10197.1.502 is not" },
    { "\xa1\x05\x04\x03\x01\x02\x03", "\xa1\x05\x04\x03\x01\x02\x03", 7, 0, NULL },
};

static void status_parse__errors_name_the_field(void **state)
{
    uint8_t *buf = malloc(g.std_len);

    (void)state;
    assert_non_null(buf);
    for (size_t i = 0; i < sizeof(patches) / sizeof(patches[0]); i++) {
        const struct patch *p = &patches[i];
        uint8_t *hit = memmem(g.std, g.std_len, p->from, p->len);
        sc_status_resp *r = NULL;
        sc_err err = SC_ERR_INIT;
        if (hit == NULL || memmem(hit + 1, g.std_len - (size_t)(hit - g.std) - 1, p->from,
                                  p->len) != NULL)
            fail_msg("row %zu: pattern not found once", i);
        memcpy(buf, g.std, g.std_len);
        memcpy(buf + (hit - g.std), p->to, p->len);
        int rc = sc_status_resp_parse(&r, buf, g.std_len, &err);
        if (rc != p->code || (p->msg != NULL && strstr(err.msg, p->msg) == NULL))
            fail_msg("row %zu: got %d \"%s\", expected %d \"%s\"", i, rc, err.msg, p->code,
                     p->msg ? p->msg : "");
        sc_status_resp_free(r);
    }
    free(buf);
}

/* ---- hand-made inputs for lengths and limits -------------------------------------------- */

#define GT "\x18\x0f" "20261123000000Z"

/* StatusResponse { tbs { v1, keyHash of khl bytes, producedAt, [1] nonce of nl bytes (0: none),
 * entries { `entries` } }, alg, dummy signature, [0] { ncerts × SEQUENCE {} } (-1: none) },
 * not signed: for the reader only. */
static bb craft(size_t khl, size_t nl, const bb *entries, long ncerts)
{
    bb b = { NULL, 0, 0 };
    uint8_t z[64] = { 0 };
    size_t s;

    cat(&b, "\x02\x01\x01", 3);
    s = b.n, cat(&b, z, khl), wrapb(&b, s, 0x04);
    cat(&b, GT, 17);
    if (nl > 0) {
        s = b.n, cat(&b, z, nl), wrapb(&b, s, 0x04);
        wrapb(&b, s, 0xa1);
    }
    s = b.n, cat(&b, entries->p, entries->n), wrapb(&b, s, 0x30);
    wrapb(&b, 0, 0x30);
    cat(&b, "\x30\x0a\x06\x08\x2a\x81\x1c\xcf\x55\x01\x83\x75", 12);
    cat(&b, "\x03\x09\x00\x30\x06\x02\x01\x01\x02\x01\x01", 11);
    if (ncerts >= 0) {   /* -1: no certs field */
        s = b.n;
        for (long i = 0; i < ncerts; i++)
            cat(&b, "\x30\x00", 2);
        wrapb(&b, s, 0x30);
        wrapb(&b, s, 0xa0);
    }
    wrapb(&b, 0, 0x30);
    return b;
}

/* one seal entry with digest of dl bytes and nh "suspended" changes */
static void entry(bb *b, size_t dl, size_t nh)
{
    uint8_t z[40] = { 0 };
    size_t s = b->n, h, c;

    cat(b, "\xa0\x10\x16\x0e" "33000020260001", 18);
    c = b->n, cat(b, z, dl), wrapb(b, c, 0x04);
    cat(b, nh ? "\x0a\x01\x01" : "\x0a\x01\x00", 3);
    cat(b, GT, 17);
    if (nh > 0) {
        h = b->n;
        for (size_t i = 0; i < nh; i++) {
            c = b->n;
            cat(b, "\x0a\x01\x01" "\x18\x0f" "20261101000000Z", 20);
            wrapb(b, c, 0x30);
        }
        wrapb(b, h, 0x30);
        wrapb(b, h, 0xa2);
    }
    wrapb(b, s, 0x30);
}

static void parse_is(const bb *b, int code, const char *msg)
{
    sc_status_resp *r = NULL;
    sc_err err = SC_ERR_INIT;
    int rc = sc_status_resp_parse(&r, b->p, b->n, &err);

    if (rc != code || (msg != NULL && strstr(err.msg, msg) == NULL))
        fail_msg("got %d \"%s\", expected %d \"%s\"", rc, err.msg, code, msg ? msg : "");
    sc_status_resp_free(r);
}

static void craft_is(size_t khl, size_t nl, const bb *entries, long ncerts, int code,
                     const char *msg)
{
    bb r = craft(khl, nl, entries, ncerts);

    parse_is(&r, code, msg);
    free(r.p);
}

static void status_parse__sizes_and_limits(void **state)
{
    bb e = { NULL, 0, 0 }, r;

    (void)state;
    entry(&e, 32, 0);
    craft_is(32, 0, &e, -1, 0, NULL);
    craft_is(20, 0, &e, -1, SC_EFORMAT, "responderKeyHash: 20 bytes, an SM3 hash has 32");
    craft_is(32, 32, &e, -1, 0, NULL);
    craft_is(32, 33, &e, -1, SC_EFORMAT, "StatusResponse.tbsStatus.nonce: 33 bytes, 1..32");
    craft_is(32, 0, &e, 8, 0, NULL);
    craft_is(32, 0, &e, 9, SC_ELIMIT, "StatusResponse.certs: more than 8");
    craft_is(32, 0, &e, 0, SC_EFORMAT, "StatusResponse.certs: empty (omit the field instead)");
    /* 0 unused bits in the signature (vendors' named-bit-list form is not ours) */
    r = craft(32, 0, &e, -1);
    ((uint8_t *)memmem(r.p, r.n, "\x03\x09\x00\x30", 4))[2] = 1;
    parse_is(&r, SC_EFORMAT, "StatusResponse.signature: BIT STRING has 1 unused bits, 0 expected");
    free(r.p);
    e.n = 0, entry(&e, 20, 0);
    craft_is(32, 0, &e, -1, SC_EFORMAT, "entries[0].subjectDigest: 20 bytes");
    e.n = 0, entry(&e, 32, SC_STATUS_MAX_HISTORY);
    craft_is(32, 0, &e, -1, 0, NULL);
    e.n = 0, entry(&e, 32, SC_STATUS_MAX_HISTORY + 1);
    craft_is(32, 0, &e, -1, SC_ELIMIT, "tbsStatus.entries[0].history: more than 64 changes");
    /* the entry count is checked before anything is allocated for the entries */
    e.n = 0;
    for (size_t i = 0; i < SC_STATUS_MAX_ENTRIES; i++)
        cat(&e, "\x05\x00", 2);
    craft_is(32, 0, &e, -1, SC_EFORMAT, "tbsStatus.entries[0]: expected tag 0x30");
    cat(&e, "\x05\x00", 2);
    craft_is(32, 0, &e, -1, SC_ELIMIT, "tbsStatus.entries: more than 1000000 entries");
    free(e.p);
}

/* ---- the builder refuses what verifiers would misread ------------------------------------ */

static void status_builder_add__refuses_inconsistent_entries(void **state)
{
    sc_status_change late[1] = { CH(SUSPENDED, "2026-11-20T00:00:00Z", 6) };
    sc_status_change order[2] = { CH(SUSPENDED, "2026-11-20T00:00:00Z", 6),
                                  CH(GOOD, "2026-11-19T00:00:00Z", -1) };
    sc_status_change after[2] = { CH(REVOKED, "2026-11-20T00:00:00Z", 1),
                                  CH(GOOD, "2026-11-21T00:00:00Z", -1) };
    sc_status_change many[SC_STATUS_MAX_HISTORY + 1];
    uint8_t d[32] = { 0 };
    char long_id[SC_STATUS_MAX_SUBJECT + 2];
    sc_status_builder *b = NULL;
    sc_err err = SC_ERR_INIT;
    sc_status_entry e;

    (void)state;
    for (size_t i = 0; i < SC_STATUS_MAX_HISTORY + 1; i++)
        many[i] = (sc_status_change){ i % 2 ? SC_STATUS_GOOD : SC_STATUS_SUSPENDED,
                                      T("2026-11-01T00:00:00Z") + (int64_t)i, -1 };
    memset(long_id, '7', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = '\0';
    assert_int_equal(sc_status_builder_new(&b, g.now, NULL), 0);
#define REFUSE(code_, frag_)                                                                  \
    do {                                                                                      \
        sc_err_clear(&err);                                                                   \
        int rc_ = sc_status_builder_add(b, &e, &err);                                         \
        if (rc_ != (code_) || strstr(err.msg, frag_) == NULL)                                 \
            fail_msg("got %d \"%s\", expected \"%s\"", rc_, err.msg, frag_);                  \
    } while (0)
#define BASE(st_)                                                                             \
    e = (sc_status_entry){ .kind = SC_STATUS_ESID, .subject = "33000020260001", .digest = d,  \
                           .status = (st_), .this_update = g.now }
    BASE(SC_STATUS_GOOD), e.history = late, e.history_len = 1;
    REFUSE(SC_EINVAL, "status entry 0 (esID \"33000020260001\"): status: good, but the history "
           "and validEnd give suspended at thisUpdate");
    BASE(SC_STATUS_SUSPENDED), e.history = order, e.history_len = 2;
    REFUSE(SC_EINVAL, "history[1].at: earlier than history[0].at");
    BASE(SC_STATUS_REVOKED), e.history = after, e.history_len = 2;
    REFUSE(SC_EINVAL, "history[1]: a change after revoked, which is final");
    BASE(SC_STATUS_SUSPENDED), e.history = many, e.history_len = SC_STATUS_MAX_HISTORY + 1;
    REFUSE(SC_ELIMIT, "history: 65 changes, at most 64");
    e.history_len = SC_STATUS_MAX_HISTORY;   /* N passes */
    e.status = sc_status_entry_at(&e, g.now, NULL);
    assert_int_equal(sc_status_builder_add(b, &e, NULL), 0);
    BASE(SC_STATUS_GOOD), e.digest = NULL;
    REFUSE(SC_EINVAL, "subjectDigest: required for a seal");
    BASE(SC_STATUS_UNKNOWN);
    REFUSE(SC_EINVAL, "status unknown: the province never made it");
    BASE(SC_STATUS_VOIDED);
    REFUSE(SC_EINVAL, "voided is for licences");
    BASE(SC_STATUS_GOOD), e.has_next_update = 1, e.next_update = g.now - 1;
    REFUSE(SC_EINVAL, "before thisUpdate");
    BASE(SC_STATUS_GOOD), e.this_update = g.now - 10, e.has_next_update = 1,
        e.next_update = g.now - 1;
    REFUSE(SC_EINVAL, "before producedAt");
    BASE(SC_STATUS_GOOD), e.subject = "3300\n";
    REFUSE(SC_EINVAL, "is not printable ASCII");
    BASE(SC_STATUS_GOOD), e.subject = long_id;
    REFUSE(SC_EINVAL, "subject: 1..256 bytes");
    long_id[SC_STATUS_MAX_SUBJECT] = '\0';   /* N passes */
    assert_int_equal(sc_status_builder_add(b, &e, NULL), 0);
#undef REFUSE
#undef BASE
    sc_status_builder_free(b);
}

static void status_builder_sign__refuses_duplicates_and_a_foreign_key(void **state)
{
    sc_status_builder *b = NULL;
    sc_err err = SC_ERR_INIT;
    uint8_t *der = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(sc_status_builder_new(&b, g.now, NULL), 0);
    add(b, SC_STATUS_ESID, "33000020260001", NULL, 0, 0, 0);
    assert_int_equal(sc_status_builder_sign(b, g.kprov, g.cert, g.cert_len, NULL, NULL, 0, &der,
                                            &len, &err), SC_EINVAL);
    assert_null(der);
    add(b, SC_STATUS_LICENSE_ID, "33000020260001", NULL, 0, 0, 0);
    add(b, SC_STATUS_ESID, "33000020260001", NULL, 0, 0, 1);
    sc_err_clear(&err);
    assert_int_equal(sc_status_builder_sign(b, g.key, g.cert, g.cert_len, NULL, NULL, 0, &der,
                                            &len, &err), SC_EINVAL);
    assert_non_null(strstr(err.msg, "esID \"33000020260001\" added twice"));
    assert_null(der);
    sc_status_builder_free(b);
}

/* ---- a province list ------------------------------------------------------------------- */

static void status_list__finds_any_of_15000_seals_quickly(void **state)
{
    enum { N = 15000 };
    sc_status_builder *b = NULL;
    sc_status_resp *r = NULL;
    uint8_t *der, d[32];
    size_t len;
    char id[32], why[600];
    clock_t c0;

    (void)state;
    assert_int_equal(sc_status_builder_new(&b, g.now, NULL), 0);
    assert_int_equal(sc_status_builder_set_list_sequence(b, 41, NULL), 0);
    for (size_t i = 0; i < N; i++) {   /* a permutation of 0..N-1: added out of order */
        snprintf(id, sizeof(id), "3300002026%05zu", (i * 7919) % N);
        add(b, SC_STATUS_ESID, id, NULL, 0, T("2028-12-31T23:59:59Z"), 0);
    }
    der = sign(b, g.key, g.cert, g.cert_len, &len);
    assert_int_equal(check(der, len, NULL, 0, 0, why, sizeof(why)), 1);
    assert_int_equal(sc_status_resp_parse(&r, der, len, NULL), 0);
    assert_int_equal(sc_status_resp_get_info(r)->entry_count, N);
    c0 = clock();
    for (size_t i = 0; i < N; i++) {
        sc_status_verdict v;
        snprintf(id, sizeof(id), "3300002026%05zu", i);
        seal_digest(id, d);
        assert_int_equal(sc_status_at(r, id, d, g.now, &v, why, sizeof(why), NULL), 0);
        assert_true(v.good);
        assert_ptr_equal(v.entry, sc_status_resp_get_entry(r, i));
    }
    assert_null(sc_status_resp_find(r, SC_STATUS_ESID, "330000202615000"));
    assert_null(sc_status_resp_find(r, SC_STATUS_ESID, "3300002026"));
    /* binary search: 15,000 verdicts (each an SM3 and a lookup) well under a second */
    assert_true((double)(clock() - c0) / CLOCKS_PER_SEC < 1.0);
    sc_status_resp_free(r);
    sc_status_builder_free(b);
    free(der);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_make__round_trip_parses_and_verifies),
        cmocka_unit_test(status_make__der_is_minimal_per_openssl_asn1parse),
        cmocka_unit_test(status_make__tbs_equals_openssl_genconf),
        cmocka_unit_test(status_make__signature_verifies_with_openssl_pkeyutl),
        cmocka_unit_test(status_at__follows_the_history_rule),
        cmocka_unit_test(status_at__refuses_a_seal_with_another_digest),
        cmocka_unit_test(status_at__not_after_next_update),
        cmocka_unit_test(status_entry_at__revoked_and_voided_are_final),
        cmocka_unit_test(status_verify__every_byte_flip_fails),
        cmocka_unit_test(status_parse__truncation_at_every_length_is_a_clean_error),
        cmocka_unit_test(status_verify__refuses_another_signer_certificate),
        cmocka_unit_test(status_verify__refuses_a_signer_without_ocsp_signing),
        cmocka_unit_test(status_verify__refuses_a_wrong_key_hash),
        cmocka_unit_test(status_verify__refuses_a_stale_response),
        cmocka_unit_test(status_verify__refuses_an_untrusted_signer),
        cmocka_unit_test(status_parse__errors_name_the_field),
        cmocka_unit_test(status_parse__sizes_and_limits),
        cmocka_unit_test(status_builder_add__refuses_inconsistent_entries),
        cmocka_unit_test(status_builder_sign__refuses_duplicates_and_a_foreign_key),
        cmocka_unit_test(status_list__finds_any_of_15000_seals_quickly),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
