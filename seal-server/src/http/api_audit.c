/* api_audit.c: the audit log over the API, for the auditor role (api_int.h): GET
 * /api/v1/audit pages through the records as stored, GET /api/v1/audit/verify checks the whole
 * hash chain (ss_audit_verify) and names the first broken record. What `sealctl audit
 * verify|show --store` does on the file, without a copy of the store.
 * Not here: the chain's rules and canonical form (store/audit.c). A broken chain is a
 * verdict, answered 200 with intact false; only a check that could not run is an error. */
#include "api_int.h"

#include <stdlib.h>

#include "audit.h"
#include "server.h"

static json_t *hex_json(const uint8_t h[32])
{
    char out[65];

    ss__api_hex(h, 32, out);
    return json_string(out);
}

/* One record as JSON: details as the JSON they are, as text if a damaged row no longer
 * parses (the auditor sees what is stored either way). */
static int add_record(void *ctx, const ss_audit_record *r)
{
    json_t *arr = ctx, *o = json_object(), *d = NULL;

    if (o == NULL)
        return SC_ENOMEM;
    if (r->details != NULL && (d = json_loadb(r->details, r->details_len, 0, NULL)) == NULL)
        d = json_stringn(r->details, r->details_len);
    json_object_set_new(o, "seq", json_integer(r->seq));
    json_object_set_new(o, "at", json_integer(r->at));
    json_object_set_new(o, "actor", json_integer(r->actor));
    json_object_set_new(o, "action", json_string(r->action != NULL ? r->action : ""));
    json_object_set_new(o, "object", json_string(r->object != NULL ? r->object : ""));
    json_object_set_new(o, "details", d != NULL ? d : json_null());
    json_object_set_new(o, "prev_hash", hex_json(r->prev_hash));
    json_object_set_new(o, "hash", hex_json(r->hash));
    if (r->malformed)
        json_object_set_new(o, "malformed", json_true());
    return ss__api_append(arr, o);
}

int ss__api_audit_list(ss_req *req)
{
    ss_store *st = ss_server_store(ss_req_server(req));
    int64_t after, limit;
    sc_err err = SC_ERR_INIT;
    json_t *arr;
    int rc;

    if (ss__api_paging(req, &after, &limit) != 0)
        return 0;
    if ((arr = json_array()) == NULL)
        return SC_ENOMEM;
    rc = ss_audit_list(st, after, (unsigned)limit, add_record, arr, &err);
    return ss__api_page_done(req, rc, &err, arr, "records", "seq", limit);
}

int ss__api_audit_verify(ss_req *req)
{
    ss_store *st = ss_server_store(ss_req_server(req));
    int64_t bad = 0, count = 0, head_seq = 0;
    uint8_t head[32] = { 0 };
    char why[SS_AUDIT_WHY_MIN * 2] = "";
    sc_err err = SC_ERR_INIT;
    int rc = ss_audit_verify_count(st, &bad, why, sizeof(why), &count, &err);

    if (rc == SS_ETAMPERED) {
        ss_req_log_detail(req, "audit chain broken at record %lld", (long long)bad);
        return ss__api_reply_doc(req, 200, json_pack("{s:b,s:I,s:s,s:I}", "intact", 0,
                                                     "first_bad_seq", (json_int_t)bad,
                                                     "reason", why, "records_checked",
                                                     (json_int_t)count));
    }
    if (rc == 0)
        rc = ss_audit_head(st, &head_seq, head, &err);
    if (rc != 0)
        return rc == SC_ENOMEM ? rc : ss__api_reply_svc(req, rc, &err);
    return ss__api_reply_doc(req, 200, json_pack("{s:b,s:I,s:I,s:o}", "intact", 1, "records",
                                                 (json_int_t)count, "head_seq",
                                                 (json_int_t)head_seq, "head",
                                                 hex_json(head)));
}
