/* tsa_int.h: RFC 3161 time-stamp tokens (GB/T 20520 profile) inside seal-core. */
#ifndef SC_TSA_INT_H
#define SC_TSA_INT_H

#include "sc_int.h"
#include "sealcore/trust.h"

#define SC_TSA_MAX_TOKEN (64 * 1024)

/* Verify a TimeStampToken (ContentInfo/SignedData/TSTInfo, PKCS#7 or GB/T 35275 OIDs) whose
 * imprint must equal the hash of data (SM3, or the token's own imprint algorithm).
 * SM2 tokens are checked by hand (OpenSSL 3.0's TS/CMS code refuses SM2).
 * @param trust     may be NULL or empty: then the TSA certificate is not chained
 * @param[out] gen  genTime on success
 * @return 1 valid, 0 invalid (why says why), 2 valid but the TSA certificate could not be
 *         chained for lack of anchors, <0 internal failure (err). */
int sc__tsa_verify(const uint8_t *token, size_t len, const uint8_t *data, size_t data_len,
                   const sc_trust *trust, int64_t *gen, char *why, size_t whylen, sc_err *err);

#endif
