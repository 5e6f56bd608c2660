/* status_test.c: the helpers status_test.h declares, compiled into test_status and
 * test_status_tamper. */
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
#include "status_test.h"
#include "testutil.h"

struct status_fix g;

/* ---- fixtures ---------------------------------------------------------------------------- */

void seal_digest(const char *id, uint8_t out[32])
{
    char s[300];
    snprintf(s, sizeof(s), "SES_Seal %s", id);
    assert_int_equal(sc__sm3((const uint8_t *)s, strlen(s), out, NULL), 0);
}

void add(sc_status_builder *b, sc_status_subject kind, const char *id,
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

uint8_t *sign(sc_status_builder *b, const sc_key *key, const uint8_t *cert, size_t cert_len,
              size_t *len)
{
    const uint8_t *ca[1] = { g.ca };
    uint8_t *der = NULL;
    sc_err err = SC_ERR_INIT;

    if (sc_status_builder_sign(b, key, cert, cert_len, ca, &g.ca_len, 1, &der, len, &err) != 0)
        fail_msg("sign: %s", err.msg);
    return der;
}

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

int group_setup(void **state)
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

int group_teardown(void **state)
{
    (void)state;
    free(g.cert), free(g.ca), free(g.prov), free(g.std);
    sc_key_free(g.key), sc_key_free(g.kprov);
    sc_trust_free(g.trust);
    sc_status_resp_free(g.resp);
    return 0;
}

void cat(bb *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        assert_non_null(b->p = realloc(b->p, b->cap));
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

void wrapb(bb *b, size_t start, uint8_t tag)
{
    uint8_t h[6];
    size_t hn = sc__der_header(h, tag, b->n - start), content = b->n - start;

    cat(b, h, hn);
    memmove(b->p + start + hn, b->p + start, content);
    memcpy(b->p + start, h, hn);
}

int check(const uint8_t *der, size_t len, const uint8_t *signer, size_t signer_len, int64_t at,
          char *why, size_t n)
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
