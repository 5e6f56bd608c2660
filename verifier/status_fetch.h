/* status_fetch.h: seal-verify --status URL: the province's signed status response for each
 * seal, fetched with libcurl from <base>/api/v1/seals/<esID>/status (spec/status.asn1,
 * "Transport"), parsed and kept for the run. Not here: whether a response can be trusted and
 * what it says (seal-core's seal_status check does that with sc_status_resp_verify/_at).
 * One fetcher is one thread's object. */
#ifndef SV_STATUS_FETCH_H
#define SV_STATUS_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "sealcore/error.h"
#include "sealcore/status.h"

#define SV_FETCH_MAX_BODY (4u * 1024 * 1024)   /* one seal's response: a few KiB in practice */
#define SV_FETCH_CONNECT_TIMEOUT 10            /* seconds to connect (and finish TLS) */
#define SV_FETCH_TIMEOUT 30                    /* seconds for a whole request */
#define SV_FETCH_ACCEPT "application/vnd.sealpki.status+der"

typedef struct sv_fetch_opts {
    const char *base;          /* https://host[:port][/prefix]; http:// only to 127.0.0.1,
                                  ::1 or localhost; file:///dir reads a local mirror laid
                                  out the same way (for tests and offline copies) */
    const char *tls_ca;        /* PEM CA file the server certificate must chain to; NULL:
                                  the system's store */
    const char *tls_cert;      /* client certificate (PEM) for mTLS; NULL: none */
    const char *tls_key;       /* its key (PEM); required with tls_cert */
    const char *tls_key_pass;  /* the key's password; NULL: none. Copied by libcurl */
    const char *token;         /* bearer token (API client with role verifier); NULL: none.
                                  Printable ASCII; copied */
    int nonce;                 /* send a fresh ?nonce= with every request and refuse an
                                  answer that does not echo it (a replayed or cached one) */
    long connect_timeout, timeout;   /* seconds; 0: the defaults above */
    size_t max_body;           /* bytes; 0: SV_FETCH_MAX_BODY */
} sv_fetch_opts;

typedef struct sv_fetch sv_fetch;

/** Check the base URL and set up one libcurl handle (kept alive across seals).
 *  @param[out] out  new fetcher, free with sv_fetch_free(); NULL on failure
 *  @return 0, SC_EINVAL (a URL we refuse, a token that is not printable ASCII, a token or
 *          nonce with a file:// URL: err says why), SC_ENOMEM */
int sv_fetch_new(sv_fetch **out, const sv_fetch_opts *o, sc_err *err);
void sv_fetch_free(sv_fetch *f);   /* NULL is a no-op; frees every response it handed out */

/** sc_verify_status_fn (sealcore/verify.h), ctx an sv_fetch: the response for es_id,
 *  fetched on the first call for that seal and kept; borrowed until sv_fetch_free().
 *  A seal whose fetch failed fails again without a new request.
 *  @return 0 (*out set), SC_EIO (err: the URL and what went wrong: connection, TLS, HTTP
 *          status, size, not a StatusResponse), SC_ENOMEM */
int sv_fetch_status(void *ctx, const char *es_id, const sc_status_resp **out, sc_err *err);

/** The same for a licence (sc_verify_opts.license_status_fn, spec/license-file.md §5):
 *  GET <base>/api/v1/licenses/<license_id>/status; kept and counted with the seals'. */
int sv_fetch_license_status(void *ctx, const char *license_id, const sc_status_resp **out,
                            sc_err *err);

/** The failures so far, one message per seal, in the order met (for the report's errors).
 *  Borrowed until sv_fetch_free(); NULL when i >= count. */
size_t sv_fetch_error_count(const sv_fetch *f);
const char *sv_fetch_error(const sv_fetch *f, size_t i);

/** The URL sv_fetch_status() asks for es_id (without the nonce): a new string the caller
 *  frees, NULL on ENOMEM. */
char *sv_fetch_url(const sv_fetch *f, const char *es_id);

#endif
