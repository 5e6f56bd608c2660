/* test_status.c: status responses (sealcore/status.h, spec/status.asn1) signed by the dev PKI's
 * status-signer: round trips; what is checked once per response; the output checked by the
 * openssl CLI (asn1parse, -genconf, pkeyutl, dgst); the verifier rule around every change; the
 * builder's refusals; 15,000 seals.
 * Tampering and parse errors: test_status_tamper.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sc_int.h"
#include "sealcore/status.h"
#include "status/status_int.h"
#include "sealcore/time.h"
#include "sealcore/trust.h"
#include "status_test.h"
#include "testutil.h"

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

/* ---- the verifier rule -------------------------------------------------------------------- */

/* Verify r with trust at check time `at` and signer (NULL: certs[0]); 1, 0 (why). */
static int verify_with(const sc_status_resp *r, const sc_trust *trust, const uint8_t *signer,
                       size_t signer_len, int64_t at, char *why, size_t n)
{
    sc_status_verify_opts o = { trust, signer, signer_len, at };
    sc_err err = SC_ERR_INIT;
    int valid = -1;

    if (sc_status_resp_verify(r, &o, &valid, why, n, &err) != 0)
        fail_msg("verify: %s", err.msg);
    return valid;
}

/* What depends on the response alone (responderKeyHash, the signature: an SM3 pass over the
 * whole list, the signer's purpose, the embedded chain) is checked once per response, and only
 * a success with certs[0] as the signer is remembered; the trust store, the check time and a
 * signer the caller names are judged on every call. */
static void status_resp_verify__checks_the_response_itself_once(void **state)
{
    sc_status_resp *r = NULL;
    sc_trust *other = NULL;
    char why[600];

    (void)state;
    assert_int_equal(sc_status_resp_parse(&r, g.std, g.std_len, NULL), 0);
    assert_int_equal(atomic_load(&r->self_checked), 0);
    assert_int_equal(verify_with(r, g.trust, g.prov, g.prov_len, g.now, why, sizeof(why)), 0);
    assert_non_null(strstr(why, "is not this response's signer"));
    assert_int_equal(verify_with(r, g.trust, g.cert, g.cert_len, g.now, why, sizeof(why)), 1);
    assert_int_equal(atomic_load(&r->self_checked), 0);   /* a given signer: not remembered */
    assert_int_equal(verify_with(r, g.trust, NULL, 0, g.now, why, sizeof(why)), 1);
    assert_int_equal(atomic_load(&r->self_checked), 1);
    assert_int_equal(verify_with(r, g.trust, NULL, 0, g.now, why, sizeof(why)), 1);
    /* after it, each call still judges its own inputs */
    assert_int_equal(verify_with(r, g.trust, g.prov, g.prov_len, g.now, why, sizeof(why)), 0);
    assert_non_null(strstr(why, "is not this response's signer"));
    assert_int_equal(verify_with(r, g.trust, NULL, 0, g.now + 8 * DAY, why, sizeof(why)), 0);
    assert_non_null(strstr(why, "the status response is stale"));
    assert_int_equal(sc_trust_new(&other, NULL), 0);
    assert_int_equal(sc_test_add_trust(other, sc_test_pki_other(), "root-ca.pem", 1), 0);
    assert_int_equal(sc_test_add_trust(other, sc_test_pki_other(), "seal-ca.pem", 0), 0);
    assert_int_equal(verify_with(r, other, NULL, 0, g.now, why, sizeof(why)), 0);
    assert_non_null(strstr(why, "at producedAt"));
    sc_trust_free(other);
    sc_status_resp_free(r);
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
        cmocka_unit_test(status_resp_verify__checks_the_response_itself_once),
        cmocka_unit_test(status_make__der_is_minimal_per_openssl_asn1parse),
        cmocka_unit_test(status_make__tbs_equals_openssl_genconf),
        cmocka_unit_test(status_make__signature_verifies_with_openssl_pkeyutl),
        cmocka_unit_test(status_at__follows_the_history_rule),
        cmocka_unit_test(status_at__refuses_a_seal_with_another_digest),
        cmocka_unit_test(status_at__not_after_next_update),
        cmocka_unit_test(status_entry_at__revoked_and_voided_are_final),
        cmocka_unit_test(status_builder_add__refuses_inconsistent_entries),
        cmocka_unit_test(status_builder_sign__refuses_duplicates_and_a_foreign_key),
        cmocka_unit_test(status_list__finds_any_of_15000_seals_quickly),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
