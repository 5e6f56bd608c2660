/* p7_test.h: what test_pkcs7.c (the railway tickets) and test_pkcs7_sign.c (SignedData made
 * here with the development PKI) share: sc__p7_verify_item into a one-item report and checks on
 * it, byte helpers, and the development PKI's trust store. Defined in p7_test.c, which
 * tests/meson.build compiles into both programs. */
#ifndef SC_P7_TEST_H
#define SC_P7_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "sealcore/trust.h"
#include "sealcore/verify.h"
#include "verify/verify_int.h"   /* sc_item */

#define UNREAD "not checked: the SignedData's structure failed"

/* A new trust store of the development PKI in directory pki: root-ca the anchor, seal-ca
 * beside it; NULL when it cannot be made. */
sc_trust *dev_trust(const char *pki);

/* A report holding one item filled by sc__p7_verify_item. der is copied to a buffer of exactly
 * len bytes, so ASan sees any read past it. */
sc_report *verify(const uint8_t *der, size_t len, const uint8_t *data, size_t data_len,
                  const sc_trust *trust, int64_t at);

/* Check c of the item is want (and its reason contains frag, unless NULL). */
void expect(const sc_report *rep, sc_check c, sc_result want, const char *frag);
/* Every check of an OFD Type="Sign" item but cert_chain passed; the SES-only and OFD-only
 * checks are not reported. */
void expect_all_pass(const sc_report *rep, sc_result chain, const char *chain_frag);
/* structure failed with frag, the checks after it skipped, the report not valid. */
void expect_unreadable(const sc_report *rep, const char *frag);
const sc_item *item0(const sc_report *rep);

/* n bytes in a new buffer of n + 1 (one spare byte to append). */
uint8_t *dup_bytes(const uint8_t *p, size_t n);
/* The first place needle stands in hay, or NULL. */
const uint8_t *find(const uint8_t *hay, size_t n, const void *needle, size_t m);

#endif
