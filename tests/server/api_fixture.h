/* api_fixture.h: the seal API's JSON calls for the integration tests (sfa_*), over a server
 * from server_fixture.h: one call with a JSON answer, base64 both ways, a unit with an
 * approved seal, a grant to the operator, and a detached signature verified against the dev
 * PKI. Every helper asserts with cmocka: a failed precondition fails the calling test. */
#ifndef SF_API_FIXTURE_H
#define SF_API_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sealcore/status.h"
#include "sealcore/trust.h"
#include "sealcore/verify.h"
#include "server_fixture.h"

/** The program's server: sfa_setup() starts it with the seal service (sf_opts.service) on a
 *  zeroed sfa_srv; sfa_teardown() stops it (failing when it did not exit 0, its log printed)
 *  and kills it if it still runs. For cmocka's setup/teardown, per test or per group. */
extern sf_server sfa_srv;
int sfa_setup(void **state);
int sfa_teardown(void **state);

/** One request; the body (application/json) is printf(fmt, ...), none when fmt is NULL.
 *  @param header  one extra "Name: value" header or NULL
 *  @param[out] out  the JSON answer (new reference, NULL if not JSON); may be NULL
 *  @return the HTTP status (an answer >= 400 is printed) */
long sfa_call(const sf_server *s, const char *method, const char *path, const char *token,
              const char *header, json_t **out, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/** Base64 of d (new string, free()). */
char *sfa_b64(const uint8_t *d, size_t n);
/** The bytes of base64 s (new buffer, free()); n their count. */
uint8_t *sfa_unb64(const char *s, size_t *n);

/** Member k of o, which must be an integer / a string (borrowed from o). */
int64_t sfa_jint(const json_t *o, const char *k);
const char *sfa_jstr(const json_t *o, const char *k);

/** A unit (code ending in letter: one of the 18 USCC characters not used elsewhere in the
 *  test program) and a seal applied for by the admin, approved by the officer (the admin, its
 *  applicant, gets 403; a second approval 409), valid from a minute ago for 30 days.
 *  @param[out] es_id  the new seal's esID. @return the unit's id */
int64_t sfa_make_seal(const sf_server *s, char letter, const char *tag, char *es_id, size_t n);

/** The operator's client id (GET /api/v1/whoami). */
int64_t sfa_operator_id(const sf_server *s);

/** Grant es_id to the operator; use_limit 0 is unlimited. */
void sfa_grant(const sf_server *s, const char *es_id, int64_t use_limit);

/** The dev PKI's root (anchor) and seal CA: what every answer is verified against. */
sc_trust *sfa_dev_trust(void);
/** Assert the report says valid (printing it when not), then free it. */
void sfa_report_valid(sc_report *rep);
/** Assert that the report's timestamp check passed on every item (the fixture's server has
 *  a TSA, so each signature it makes carries a token). */
void sfa_report_timestamped(const sc_report *rep);
/** Assert that base64 sig_b64 is a valid, time-stamped detached SES_Signature over data. */
void sfa_verify_sig(const char *sig_b64, const uint8_t *data, size_t dlen);

/** A one-page OFD package (A4) with text at (20, 30) mm (new buffer, free()); len its size. */
uint8_t *sfa_make_ofd(const char *text, size_t *len);

/** GET path as the verifier: a DER status response (200, its content type), parsed and
 *  verified against the dev PKI. @return the response, free with sc_status_resp_free() */
sc_status_resp *sfa_get_status(const sf_server *s, const char *path);

#endif
