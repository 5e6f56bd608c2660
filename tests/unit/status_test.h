/* status_test.h: what test_status.c (round trips, the openssl CLI's view, the verifier rule,
 * the builder, a province list) and test_status_tamper.c (every byte, every truncation, signer,
 * key hash, staleness, parse errors, sizes and limits) share: the dev PKI's status signer, the
 * rule-table response made once per program, a DER buffer for hand-made inputs, and parse +
 * verify in one call. Defined in status_test.c, which tests/meson.build compiles into both. */
#ifndef SC_STATUS_TEST_H
#define SC_STATUS_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "sealcore/key.h"
#include "sealcore/status.h"
#include "sealcore/trust.h"
#include "testutil.h"

#define DAY 86400
#define T(s) sc_test_time(s)
#define CH(s, at, r) { SC_STATUS_##s, T(at), r }

/* Made by group_setup, freed by group_teardown. */
struct status_fix {
    const char *pki;
    uint8_t *cert, *ca, *prov;          /* status-signer, seal-ca, signer-prov (DER) */
    size_t cert_len, ca_len, prov_len;
    sc_key *key, *kprov;
    sc_trust *trust;                    /* root-ca anchor, seal-ca intermediate */
    int64_t now;
    uint8_t *std;                       /* the rule-table response */
    size_t std_len;
    sc_status_resp *resp;
};
extern struct status_fix g;

int group_setup(void **state);
int group_teardown(void **state);

/* SM3 of "SES_Seal <id>": the digest the rule table's entries carry for seal id. */
void seal_digest(const char *id, uint8_t out[32]);
/* Add an entry dated now (nextUpdate in 7 days), its status derived from its history. */
void add(sc_status_builder *b, sc_status_subject kind, const char *id,
         const sc_status_change *h, size_t hn, int64_t valid_end, int unknown);
/* Sign b with key and cert, seal-ca as the chain; a new buffer. */
uint8_t *sign(sc_status_builder *b, const sc_key *key, const uint8_t *cert, size_t cert_len,
              size_t *len);

/* A growing buffer for DER made by hand (wrapb: the bytes from start become one element). */
typedef struct bb {
    uint8_t *p;
    size_t n, cap;
} bb;
void cat(bb *b, const void *p, size_t n);
void wrapb(bb *b, size_t start, uint8_t tag);

/* Parse and verify der at check time `at` (0: an hour from now); 1 trusted, 0 not (why),
 * -1 unreadable (why holds the parse error). */
int check(const uint8_t *der, size_t len, const uint8_t *signer, size_t signer_len, int64_t at,
          char *why, size_t n);

#define EXPECT_INVALID(der, len, signer, slen, at, frag)                                      \
    do {                                                                                      \
        char why_[600];                                                                       \
        int v_ = check(der, len, signer, slen, at, why_, sizeof(why_));                       \
        if (v_ != 0 || strstr(why_, frag) == NULL)                                            \
            fail_msg("got %d \"%s\", expected invalid \"%s\"", v_, why_, frag);               \
    } while (0)

#endif
