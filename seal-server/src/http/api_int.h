/* api_int.h: what the /api/v1 handler files share (ss__api_*), and their handlers.
 * api.c has the helpers and the route table; the handlers live by topic: api_seal.c (units,
 * applications, seals and their status changes, grants), api_sign.c (sign/data, sign/batch,
 * sign/ofd), api_status.c (seal and licence status, the status list, /tsa), api_verify.c
 * (verify, verify/ofd), api_audit.c, api_list.c, api_client.c (API clients), api_license.c
 * and api_license_batch.c (e-licences). Nothing outside
 * those files includes this; the server sees api.h.
 *
 * Helpers that answer: those returning -1 (or NULL) have already answered 400/404/503, and
 * the handler then returns 0 (answered) without another word. */
#ifndef SS_API_INT_H
#define SS_API_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "api.h"
#include "api_svc.h"
#include "request.h"
#include "service.h"

/** The request's service, or NULL when the server has none (answer ss__api_no_service()). */
ss_svc *ss__api_svc(ss_req *req);
/** The authenticated client as the service's actor. */
ss_svc_actor ss__api_actor(const ss_req *req);

/** Answer a service code as seal-server/README.md "API errors" says; SC_ELIMIT (an input over
 *  its maximum) is 400. @return as ss_req_reply_error */
int ss__api_reply_svc(ss_req *req, int rc, const sc_err *err);
/** The same for a signing call, where SC_ELIMIT is a used-up grant: 403. Its inputs' limits
 *  are checked before the call. */
int ss__api_reply_sign(ss_req *req, int rc, const sc_err *err);
/** 503: this server has no seal service configured. */
int ss__api_no_service(ss_req *req);
/** Answer doc (taken: released here; NULL is SC_ENOMEM, nothing sent). */
int ss__api_reply_doc(ss_req *req, int status, json_t *doc);

enum ss__api_body { SS__API_BODY_REQUIRED, SS__API_BODY_OPTIONAL };

/** The JSON object body: 0 (*out a new reference; NULL when optional and none was sent), or
 *  -1 after answering 400 (missing, not JSON, not an object). */
int ss__api_body(ss_req *req, enum ss__api_body need, json_t **out);
/** How a handler with a JSON body starts: the service and the body, as ss__api_body().
 *  @return the service, or NULL after answering (503 without a service, 400 for the body) */
ss_svc *ss__api_begin(ss_req *req, enum ss__api_body need, json_t **body);
/** {id} of the route as a positive integer: the id, or -1 after answering 404 "no such
 *  <what>" (not digits, 0, negative, past INT64_MAX: no row can have it). */
int64_t ss__api_param_id(ss_req *req, const char *what);
/** How a handler of /…/{id} starts: the service, then the id (ss__api_param_id).
 *  @return the service, or NULL after answering (503 without a service, 404) */
ss_svc *ss__api_begin_id(ss_req *req, const char *what, int64_t *id);
/** A string member of o (which may be NULL or no object: every member is then absent): 0
 *  (*out borrowed from o; NULL when absent or null and not required), or SC_EINVAL with why
 *  (n bytes) saying what to fix. */
int ss__api_str(const json_t *o, const char *k, int required, const char **out, char *why,
                size_t n);
/** Optional string member: 0 (absent or null: *out NULL), or -1 after answering 400. *out
 *  is borrowed from o. */
int ss__api_opt_str(ss_req *req, const json_t *o, const char *k, const char **out);
/** A required string member: 0, or -1 after answering 400. */
int ss__api_need_str(ss_req *req, const json_t *o, const char *k, const char **out);
/** An integer member (required or not; absent and optional leaves *out): 0, or -1 after
 *  answering 400. */
int ss__api_opt_int(ss_req *req, const json_t *o, const char *k, int64_t *out, int required);

/** Base64 (standard alphabet, padded, nothing else) into a new buffer (free()).
 *  @return 0, -1 not base64, -2 out of memory */
int ss__api_b64_decode(const char *s, uint8_t **out, size_t *len);
/** d as lower-case hex into out (2 n + 1 bytes, NUL-terminated). */
void ss__api_hex(const uint8_t *d, size_t n, char *out);
/** What an Idempotency-Key of POST /licenses becomes as a batch id; batches refuse ids
 *  that begin with it, so a key never names a batch a client made (api_license*.c). */
#define SS__API_IDEM_PREFIX "idem:"
/** Exactly 2 n hex digits (either case, nothing else) into out (n bytes). @return 0 or -1 */
int ss__api_unhex(const char *s, uint8_t *out, size_t n);
/** d as a base64 JSON string (new reference), or NULL when out of memory. */
json_t *ss__api_b64_json(const uint8_t *d, size_t n);

/** One seal's signed status response at now, exactly as GET /api/v1/seals/{esID}/status
 *  answers it (api_status.c); a must have the status signer (a->key[SS_CONFIG_STATUS_SIGNER])
 *  and the service. @param next_s  nextUpdate - thisUpdate (config status_next_update_s)
 *  @param nonce  echoed in the response (1..SC_STATUS_MAX_NONCE bytes), or NULL
 *  @param[out] der  new (free()); NULL on failure
 *  @return 0 or a service code (ss__api_reply_svc) with err filled */
int ss__api_status_one(ss_api_svc *a, unsigned next_s, const char *es_id, int64_t now,
                       const uint8_t *nonce, size_t nonce_len, uint8_t **der, size_t *len,
                       sc_err *err);

/** A status change of a seal or a licence: which one, and the service calls that make it
 *  (ss_svc_seal_* or ss_svc_lic_*, alike). */
enum ss__api_change { SS__API_SUSPEND, SS__API_RESUME, SS__API_REVOKE };
typedef struct ss__api_change_ops {
    const char *param;   /* the route's {param} naming it */
    const char *key;     /* its member in the answer */
    int (*suspend)(ss_svc *svc, const ss_svc_actor *act, const char *id, const char *text,
                   sc_err *err);
    int (*resume)(ss_svc *svc, const ss_svc_actor *act, const char *id, const char *text,
                  sc_err *err);
    int (*revoke)(ss_svc *svc, const ss_svc_actor *act, const char *id, int reason,
                  const char *text, sc_err *err);
    /** its status name now into *name (static): 0 or a service code with err */
    int (*status)(ss_svc *svc, const char *id, const char **name, sc_err *err);
} ss__api_change_ops;
/** POST …/{param}/suspend|resume|revoke with the optional body {"text", "reason"}: for
 *  revoke the reason is a status.asn1 name ("keyCompromise", …; default unspecified), else
 *  a note that stands for an absent text. Answers {key: id, "status": name} (api_seal.c).
 *  @return as a handler */
int ss__api_change(ss_req *req, enum ss__api_change what, const ss__api_change_ops *ops);

/* Licences (api_license.c). */
/** A data row from a JSON object of string values into *kv (new array, free(); names and
 *  values borrowed from o); empty values are left out (absent). @return 0, SC_ENOMEM, or
 *  SC_EINVAL with why (wn bytes) */
int ss__api_lic_row(const json_t *o, sc_lic_kv **kv, size_t *n, char *why, size_t wn);
/** lr's area code (area_code, else the config's license_area_code), verification URL (the
 *  config's license_verify_url) and request id: 0, or -1 after answering 400. */
int ss__api_lic_req(ss_req *req, const char *area_code, ss_svc_lic_req *lr);
/** Stamp es_id's seal onto the OFD body at pos as POST /api/v1/sign/ofd does (the signing
 *  grant, audit, the signed package streamed back) and answer (api_sign.c).
 *  @return as a handler */
int ss__api_stamp_ofd(ss_req *req, ss_svc *svc, const char *es_id,
                      const sc_ofd_sign_params *pos, const uint8_t *body, size_t len);

/* The handlers of the route table (api.c). */
int ss__api_unit_add(ss_req *req);
int ss__api_app_apply(ss_req *req);
int ss__api_app_approve(ss_req *req);
int ss__api_app_reject(ss_req *req);
int ss__api_seal_get(ss_req *req);
int ss__api_seal_suspend(ss_req *req);
int ss__api_seal_resume(ss_req *req);
int ss__api_seal_revoke(ss_req *req);
int ss__api_grant_add(ss_req *req);
int ss__api_sign_data(ss_req *req);
int ss__api_sign_batch(ss_req *req);
int ss__api_sign_ofd(ss_req *req);
int ss__api_seal_status(ss_req *req);
int ss__api_status_list(ss_req *req);
int ss__api_tsa(ss_req *req);
int ss__api_verify(ss_req *req);
int ss__api_verify_ofd(ss_req *req);
int ss__api_audit_list(ss_req *req);     /* api_audit.c: the audit log, role auditor */
int ss__api_audit_verify(ss_req *req);
int ss__api_unit_list(ss_req *req);      /* api_list.c: listings, grant revocation */
int ss__api_app_list(ss_req *req);
int ss__api_seal_list(ss_req *req);
int ss__api_grant_list(ss_req *req);
int ss__api_grant_delete(ss_req *req);
int ss__api_client_add(ss_req *req);    /* api_client.c: API clients, role admin */
int ss__api_client_list(ss_req *req);
int ss__api_client_get(ss_req *req);
int ss__api_client_disable(ss_req *req);
int ss__api_client_enable(ss_req *req);
int ss__api_client_rotate(ss_req *req);
int ss__api_lic_type_add(ss_req *req);   /* api_license.c: licence types, grants, licences */
int ss__api_lic_type_list(ss_req *req);
int ss__api_lic_type_get(ss_req *req);
int ss__api_lic_type_disable(ss_req *req);
int ss__api_lic_type_enable(ss_req *req);
int ss__api_lic_grant_add(ss_req *req);
int ss__api_lic_grant_list(ss_req *req);
int ss__api_lic_grant_delete(ss_req *req);
int ss__api_lic_issue(ss_req *req);
int ss__api_lic_list(ss_req *req);
int ss__api_lic_get(ss_req *req);
int ss__api_lic_file(ss_req *req);
int ss__api_lic_suspend(ss_req *req);
int ss__api_lic_resume(ss_req *req);
int ss__api_lic_revoke(ss_req *req);
int ss__api_lic_reissue(ss_req *req);
int ss__api_lic_batch(ss_req *req);      /* api_license_batch.c: batches, stamping files */
int ss__api_lic_seal(ss_req *req);
int ss__api_license_status(ss_req *req); /* api_status.c */

/* Paging (api_list.c). A query integer in lo..hi (def when absent): 0, or -1 after answering
 * 400. ss__api_paging reads after (0..) and limit (1..SS_LIST_MAX, default 100) alike. */
int ss__api_q_int(ss_req *req, const char *name, int64_t lo, int64_t hi, int64_t def,
                  int64_t *out);
int ss__api_paging(ss_req *req, int64_t *after, int64_t *limit);
/** A query string into buf (n bytes): 0 (*out buf, or NULL when absent or empty and not
 *  required), or -1 after answering 400 (too long for buf; required and absent or empty). */
int ss__api_q_str(ss_req *req, const char *name, char *buf, size_t n, int required,
                  const char **out);
/** How a listing starts: the service, then the paging (ss__api_paging).
 *  @return the service, or NULL after answering (503 without a service, 400) */
ss_svc *ss__api_list_begin(ss_req *req, int64_t *after, int64_t *limit);
/** A listing callback's step: o (taken; NULL when it could not be made) appended to arr.
 *  @return 0 or SC_ENOMEM */
int ss__api_append(json_t *arr, json_t *o);
/** Answer {name: arr, next_after}: next_after is member key of the last item when the page
 *  is full (limit items), else null. arr is taken. */
int ss__api_reply_page(ss_req *req, json_t *arr, const char *name, const char *key,
                       int64_t limit);
/** A listing's end: rc 0 answers the page (ss__api_reply_page), else the service's error
 *  (arr released; SC_ENOMEM returned, not answered). */
int ss__api_page_done(ss_req *req, int rc, const sc_err *err, json_t *arr, const char *name,
                      const char *key, int64_t limit);
/** A listing with paging and nothing else to filter on: ?after and ?limit read, list fills
 *  arr (ss__api_append each), the page answered as {name: [...], next_after: last key}. */
typedef int (*ss__api_lister)(ss_svc *svc, const ss_svc_actor *act, int64_t after,
                              unsigned limit, json_t *arr, sc_err *err);
int ss__api_list_plain(ss_req *req, ss__api_lister list, const char *name, const char *key);

#endif
