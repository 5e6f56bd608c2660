/* tsa_respond.c: answers an RFC 3161 TimeStampReq (§2.4.1) with a TimeStampResp (§2.4.2),
 * for the server's POST /tsa. The request is read with the DER cursor, so a rejection names
 * the field that is wrong; anything inside a well-formed envelope that we cannot accept is a
 * rejection the client can read, not a transport error.
 * Not here: the token itself (tsa_make.c), verifying tokens (tsa_verify.c). */
#include "tsa_int.h"
#include "der/der_int.h"
#include "pkcs7/pkcs7_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#define OIDLEN 96
#define GRANTED 0
#define REJECTION 2

/* Imprint hashes we stamp: those that still resist collisions (as tsa_verify.c accepts). */
static const struct md {
    const char *oid, *name;
    size_t len;
} MDS[] = {
    { SC_OID_SM3, "SM3", 32 },
    { "2.16.840.1.101.3.4.2.1", "SHA-256", 32 },
    { "2.16.840.1.101.3.4.2.2", "SHA-384", 48 },
    { "2.16.840.1.101.3.4.2.3", "SHA-512", 64 },
};
/* Named in the rejection so that the client's operator sees why. */
static const struct { const char *oid, *name; } WEAK[] = {
    { "1.2.840.113549.2.5", "MD5" }, { "1.3.14.3.2.26", "SHA-1" },
};

typedef struct req {
    int64_t version;
    char alg[OIDLEN];
    int alg_params_bad;     /* parameters neither absent nor NULL */
    sc_span hashed;         /* hashedMessage value */
    sc_span imprint;        /* MessageImprint, whole */
    sc_span policy;         /* reqPolicy, whole OID TLV; p NULL when absent */
    sc_span nonce;          /* whole INTEGER TLV; p NULL when absent */
    sc_span nonce_val;      /* its content octets */
    int cert_req;
    int has_cert_req;
    size_t cert_req_len;    /* octets of the certReq BOOLEAN: DER has 1 */
    size_t nexts;           /* extensions present */
    char ext[OIDLEN];       /* the first one's OID */
    int ext_critical;
} req;

/* Extensions ::= SEQUENCE OF Extension { extnID, critical BOOLEAN DEFAULT FALSE, extnValue } */
static int read_extensions(sc_der *b, req *q, sc_err *e)
{
    sc_der exts, ext;
    sc_tlv t;
    int rc;

    if ((rc = sc__der_enter(b, 0xa0, &exts, NULL, "TimeStampReq.extensions", e)) != 0)
        return rc;
    while (sc__der_more(&exts)) {
        int critical = 0;
        if ((rc = sc__der_enter(&exts, SC_TAG_SEQUENCE, &ext, NULL, "TimeStampReq.extensions[]",
                                e)) != 0 ||
            (rc = sc__der_get(&ext, SC_TAG_OID, &t, "Extension.extnID", e)) != 0)
            return rc;
        if (q->nexts == 0 && (rc = sc__der_oid(&t, q->ext, sizeof(q->ext), "Extension.extnID",
                                               e)) != 0)
            return rc;
        if (sc__der_peek_tag(&ext) == SC_TAG_BOOLEAN) {
            if ((rc = sc__der_get(&ext, SC_TAG_BOOLEAN, &t, "Extension.critical", e)) != 0)
                return rc;
            critical = t.val.len == 1 && t.val.p[0] != 0;
        }
        if ((rc = sc__der_get(&ext, SC_TAG_OCTET_STRING, &t, "Extension.extnValue", e)) != 0 ||
            (rc = sc__der_leave(&ext, "Extension", e)) != 0)
            return rc;
        if (q->nexts++ == 0)
            q->ext_critical = critical;
    }
    return 0;
}

/* TimeStampReq's fields, in order, as syntax only; what they say is judged by judge(). */
static int read_fields(sc_der *b, req *q, sc_err *e)
{
    sc_der mi, alg;
    sc_tlv t;
    int rc;

    if ((rc = sc__der_get_uint(b, &q->version, "TimeStampReq.version", e)) != 0 ||
        (rc = sc__der_enter(b, SC_TAG_SEQUENCE, &mi, &t, "TimeStampReq.messageImprint",
                            e)) != 0)
        return rc;
    q->imprint = t.all;
    if ((rc = sc__der_enter(&mi, SC_TAG_SEQUENCE, &alg, NULL, "messageImprint.hashAlgorithm",
                            e)) != 0 ||
        (rc = sc__der_get(&alg, SC_TAG_OID, &t, "messageImprint.hashAlgorithm", e)) != 0 ||
        (rc = sc__der_oid(&t, q->alg, sizeof(q->alg), "messageImprint.hashAlgorithm", e)) != 0)
        return rc;
    if (sc__der_more(&alg)) {
        if ((rc = sc__der_any(&alg, &t, "messageImprint.hashAlgorithm.parameters", e)) != 0)
            return rc;
        q->alg_params_bad = t.tag != SC_TAG_NULL || t.val.len != 0;
    }
    if ((rc = sc__der_leave(&alg, "messageImprint.hashAlgorithm", e)) != 0 ||
        (rc = sc__der_get(&mi, SC_TAG_OCTET_STRING, &t, "messageImprint.hashedMessage",
                          e)) != 0 ||
        (rc = sc__der_leave(&mi, "TimeStampReq.messageImprint", e)) != 0)
        return rc;
    q->hashed = t.val;
    if (sc__der_peek_tag(b) == SC_TAG_OID) {
        if ((rc = sc__der_get(b, SC_TAG_OID, &t, "TimeStampReq.reqPolicy", e)) != 0)
            return rc;
        q->policy = t.all;
    }
    if (sc__der_peek_tag(b) == SC_TAG_INTEGER) {
        if ((rc = sc__der_get(b, SC_TAG_INTEGER, &t, "TimeStampReq.nonce", e)) != 0)
            return rc;
        q->nonce = t.all;
        q->nonce_val = t.val;
    }
    if (sc__der_peek_tag(b) == SC_TAG_BOOLEAN) {
        if ((rc = sc__der_get(b, SC_TAG_BOOLEAN, &t, "TimeStampReq.certReq", e)) != 0)
            return rc;
        q->cert_req = t.val.len == 1 && t.val.p[0] != 0;
        q->cert_req_len = t.val.len;
        q->has_cert_req = 1;
    }
    if (sc__der_peek_tag(b) == 0xa0 && (rc = read_extensions(b, q, e)) != 0)
        return rc;
    return sc__der_leave(b, "TimeStampReq (fields out of order or unknown)", e);
}

/* The failInfo bit a request earns (why says why), or -1 when it can be granted. */
static int judge(const sc_tsa *tsa, const req *q, char *why, size_t n)
{
    const struct md *md = NULL;
    const uint8_t *v = q->nonce_val.p;
    size_t vlen = q->nonce_val.len;
    char ours[OIDLEN] = "", theirs[OIDLEN] = "";
    sc_tlv t;

    if (q->version != 1) {
        snprintf(why, n, "TimeStampReq.version: %lld, but RFC 3161 defines only v1 (1)",
                 (long long)q->version);
        return SC_TSA_FAIL_BAD_DATA_FORMAT;
    }
    if (q->has_cert_req && q->cert_req_len != 1) {
        snprintf(why, n, "TimeStampReq.certReq: a BOOLEAN of %zu bytes", q->cert_req_len);
        return SC_TSA_FAIL_BAD_DATA_FORMAT;
    }
    if (q->nonce.p != NULL) {   /* echoed into the token, so it must be DER itself */
        if (vlen == 0 || vlen > SC_TSA_MAX_NONCE ||
            (vlen > 1 && ((v[0] == 0 && !(v[1] & 0x80)) || (v[0] == 0xff && (v[1] & 0x80))))) {
            snprintf(why, n, "TimeStampReq.nonce: %zu octets%s; a minimally encoded INTEGER of "
                     "1..%d octets is needed", vlen, vlen > 1 ? " or padded" : "",
                     SC_TSA_MAX_NONCE);
            return SC_TSA_FAIL_BAD_DATA_FORMAT;
        }
    }
    for (size_t i = 0; i < sizeof(MDS) / sizeof(MDS[0]); i++)
        if (strcmp(q->alg, MDS[i].oid) == 0)
            md = &MDS[i];
    if (md == NULL) {
        const char *name = "an unknown hash";
        for (size_t i = 0; i < sizeof(WEAK) / sizeof(WEAK[0]); i++)
            if (strcmp(q->alg, WEAK[i].oid) == 0)
                name = WEAK[i].name;
        snprintf(why, n, "messageImprint: %s (%s) is not accepted; hash with SM3 "
                 "(1.2.156.10197.1.401) or SHA-256/384/512", name, q->alg);
        return SC_TSA_FAIL_BAD_ALG;
    }
    if (q->alg_params_bad) {
        snprintf(why, n, "messageImprint.hashAlgorithm: %s parameters must be absent or NULL",
                 md->name);
        return SC_TSA_FAIL_BAD_ALG;
    }
    if (q->hashed.len != md->len) {
        snprintf(why, n, "messageImprint.hashedMessage: %zu bytes, but %s gives %zu",
                 q->hashed.len, md->name, md->len);
        return SC_TSA_FAIL_BAD_DATA_FORMAT;
    }
    if (q->policy.p != NULL &&
        (q->policy.len != tsa->policy_len || memcmp(q->policy.p, tsa->policy, q->policy.len))) {
        sc_der r;
        sc__der_init(&r, q->policy.p, q->policy.len);
        if (sc__der_get(&r, SC_TAG_OID, &t, "", NULL) == 0)
            sc__der_oid(&t, theirs, sizeof(theirs), "", NULL);
        sc__der_init(&r, tsa->policy, tsa->policy_len);
        if (sc__der_get(&r, SC_TAG_OID, &t, "", NULL) == 0)
            sc__der_oid(&t, ours, sizeof(ours), "", NULL);
        snprintf(why, n, "TimeStampReq.reqPolicy: %s is not this TSA's policy %s; ask for %s "
                 "or for none", theirs[0] ? theirs : "(unreadable)", ours, ours);
        return SC_TSA_FAIL_UNACCEPTED_POLICY;
    }
    if (q->nexts != 0) {
        snprintf(why, n, "TimeStampReq.extensions: %s%s%s is not supported; RFC 3161 §2.4.1 "
                 "refuses unrecognised extensions, critical or not", q->ext,
                 q->ext_critical ? " (critical)" : "",
                 q->nexts > 1 ? " (and more)" : "");
        return SC_TSA_FAIL_UNACCEPTED_EXTENSION;
    }
    return -1;
}

/* PKIStatusInfo { status, statusString SEQUENCE { UTF8String }?, failInfo BIT STRING? };
 * failInfo a named bit list: DER drops trailing zero bits (X.690 §11.2.2). */
static void put_status(sc_der_buf *b, int status, int bit, const char *text)
{
    size_t s = b->len, t;
    uint8_t v[3] = { SC_TAG_INTEGER, 1, (uint8_t)status }, bits[1 + 4] = { 0 };

    sc__der_put(b, v, sizeof(v));
    if (text != NULL && text[0] != '\0') {
        t = b->len;
        sc__der_put(b, text, strlen(text));
        sc__der_wrap(b, t, SC_TAG_UTF8);
        sc__der_wrap(b, t, SC_TAG_SEQUENCE);
    }
    if (bit >= 0) {
        size_t octets = (size_t)bit / 8 + 1;
        bits[0] = (uint8_t)(7 - bit % 8);                    /* unused bits */
        bits[octets] = (uint8_t)(0x80 >> (bit % 8));
        t = b->len;
        sc__der_put(b, bits, 1 + octets);
        sc__der_wrap(b, t, SC_TAG_BIT_STRING);
    }
    sc__der_wrap(b, s, SC_TAG_SEQUENCE);
}

int sc_tsa_respond(sc_tsa *tsa, const uint8_t *in, size_t in_len, int64_t now_ms,
                   uint8_t **resp, size_t *resp_len, sc_tsa_outcome *outcome, sc_err *err)
{
    sc_der_buf b = SC_DER_BUF_INIT(SC_P7_MAX_OUT);
    sc_err e = SC_ERR_INIT;
    sc_der r, body;
    req q;
    sc_tsa_outcome o = { .status = GRANTED, .fail_info = -1 };
    uint8_t *token = NULL;
    size_t token_len = 0;
    int64_t now = 0;
    int fail, rc = 0;

    if (resp != NULL)
        *resp = NULL;
    if (resp_len != NULL)
        *resp_len = 0;
    if (tsa == NULL || resp == NULL || resp_len == NULL || (in == NULL && in_len != 0))
        return sc_err_set(err, SC_EINVAL, "time-stamp request: TSA, request and output are "
                          "required");
    if (in_len > SC_TSA_MAX_REQUEST)
        return sc_err_set(err, SC_ELIMIT, "time-stamp request: %zu bytes (at most %d)", in_len,
                          SC_TSA_MAX_REQUEST);
    if ((rc = sc__tsa_now(now_ms, &now, err)) != 0)
        return rc;
    ERR_clear_error();
    memset(&q, 0, sizeof(q));
    sc__der_init(&r, in, in_len);
    if (in_len == 0 ||
        sc__der_enter(&r, SC_TAG_SEQUENCE, &body, NULL, "TimeStampReq", &e) != 0 ||
        sc__der_leave(&r, "TimeStampReq (after its end)", &e) != 0)
        return sc_err_set(err, SC_EFORMAT, "not a time-stamp request (one DER TimeStampReq): %s",
                          in_len == 0 ? "empty" : e.msg);
    if (read_fields(&body, &q, &e) != 0) {
        fail = SC_TSA_FAIL_BAD_DATA_FORMAT;
        snprintf(o.reason, sizeof(o.reason), "%s", e.msg);
    } else {
        fail = judge(tsa, &q, o.reason, sizeof(o.reason));
    }
    if (fail < 0 && sc__tsa_time_ok(tsa, now, &e) != 0) {
        fail = SC_TSA_FAIL_SYSTEM_FAILURE;
        snprintf(o.reason, sizeof(o.reason), "%s", e.msg);
    }
    if (fail < 0) {
        sc__tsa_job job = { q.imprint, q.nonce, q.cert_req, now };
        if ((rc = sc__tsa_token(tsa, &job, &token, &token_len, o.serial, err)) != 0)
            goto out;
        o.gen_time_ms = now;
    } else {
        o.status = REJECTION;
        o.fail_info = fail;
    }
    put_status(&b, o.status, o.fail_info, o.reason);
    sc__der_put(&b, token, token_len);
    sc__der_wrap(&b, 0, SC_TAG_SEQUENCE);                      /* TimeStampResp */
    if (b.failed) {
        rc = sc_err_set(err, SC_ENOMEM, "time-stamp response: out of memory");
        goto out;
    }
    *resp = b.p;
    *resp_len = b.len;
    b.p = NULL;
    if (outcome != NULL)
        *outcome = o;
out:
    free(b.p);
    free(token);
    return rc;
}
