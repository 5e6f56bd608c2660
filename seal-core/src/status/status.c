/* status.c: reads StatusResponse (spec/status.asn1) into sc_status_resp, and the status rule
 * both the builder and the verifier use (sc_status_entry_at).
 *
 * Our own format, so the reader is strict where laxness would change a verdict (tags, time
 * form, order of entries and history, status consistent with history) and liberal only where
 * nothing depends on it (NULL or absent algorithm parameters, padded INTEGERs). Field paths
 * in errors are built only on failure: a province list has ~15,000 entries and the verifier
 * reads it once per run. Values point into our copy of the input; subjects are copied into
 * one NUL-terminated arena, histories into one array.
 * Not here: writing (status_make.c), signatures, chains and verdicts (status_verify.c). */
#include "status_int.h"
#include "der/der_int.h"
#include "sealcore/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define P_RESP "StatusResponse"
#define P_TBS "StatusResponse.tbsStatus"

const uint8_t sc__status_alg[SC_STATUS_ALG_LEN] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x81, 0x1c,
                                                    0xcf, 0x55, 0x01, 0x83, 0x75 };

const char *sc_status_name(sc_status_code s)
{
    static const char *const names[] = { "good", "suspended", "revoked", "expired", "unknown",
                                         "voided" };
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

const char *sc_status_reason_name(int reason)
{
    static const char *const names[] = { "unspecified", "keyCompromise", NULL,
                                         "affiliationChanged", "superseded",
                                         "cessationOfOperation", "certificateHold" };
    if (reason < 0 || (size_t)reason >= sizeof(names) / sizeof(names[0]) || !names[reason])
        return "?";
    return names[reason];
}

sc_status_code sc_status_entry_at(const sc_status_entry *e, int64_t t,
                                  const sc_status_change **decided)
{
    sc_status_code s = SC_STATUS_GOOD;
    const sc_status_change *by = NULL;

    if (decided != NULL)
        *decided = NULL;
    if (e->status == SC_STATUS_UNKNOWN)
        return SC_STATUS_UNKNOWN;
    /* histories are in time order (parser and builder insist), so the first later one ends it */
    for (size_t i = 0; i < e->history_len && e->history[i].at <= t; i++) {
        if (s == SC_STATUS_REVOKED || s == SC_STATUS_VOIDED)
            break;
        s = e->history[i].status;
        by = &e->history[i];
    }
    if (s != SC_STATUS_REVOKED && s != SC_STATUS_VOIDED && e->has_valid_end && t > e->valid_end) {
        s = SC_STATUS_EXPIRED;
        by = NULL;
    }
    if (decided != NULL)
        *decided = by;
    return s;
}

int sc__status_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);

    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen;
}

size_t sc__status_subject_der(sc_status_subject kind, const char *subject, size_t len,
                              uint8_t out[8 + SC_STATUS_MAX_SUBJECT])
{
    uint8_t inner[6];
    size_t ih, oh;

    if (len == 0 || len > SC_STATUS_MAX_SUBJECT)
        return 0;
    ih = sc__der_header(inner, kind == SC_STATUS_ESID ? SC_TAG_IA5 : SC_TAG_UTF8, len);
    oh = sc__der_header(out, kind == SC_STATUS_ESID ? 0xa0 : 0xa1, ih + len);
    memcpy(out + oh, inner, ih);
    memcpy(out + oh + ih, subject, len);
    return oh + ih + len;
}

/* in failed with a message that starts with a field name relative to path: record
 * "path.<message>", or "path: …" for a message about path itself (field ""). Out of memory
 * passes through unchanged. */
static int fail_under(sc_err *err, const char *path, const sc_err *in)
{
    if (in->code == SC_ENOMEM)
        return sc_err_set(err, SC_ENOMEM, "%s", in->msg);
    return sc_err_set(err, in->code ? in->code : SC_EFORMAT, "%s%s%s", path,
                      in->msg[0] == ':' ? "" : ".", in->msg);
}

/* GeneralizedTime "YYYYMMDDhhmmssZ", the only form the spec allows: a stricter reading than
 * sc__der_time alone, which also takes UTCTime, fractions and offsets. */
static int read_time(sc_der *r, const char *field, int64_t *out, sc_err *err)
{
    sc_tlv t;
    int rc;

    if (!sc__der_more(r))
        return sc_err_set(err, SC_EFORMAT, "%s: missing", field);
    if (sc__der_peek_tag(r) != SC_TAG_GENTIME)
        return sc_err_set(err, SC_EFORMAT, "%s: not a GeneralizedTime (tag 0x%02x)", field,
                          sc__der_peek_tag(r));
    if ((rc = sc__der_any(r, &t, field, err)) != 0)
        return rc;
    if (t.val.len != 15 || t.val.p[14] != 'Z')
        return sc_err_set(err, SC_EFORMAT, "%s: not a GeneralizedTime of the form "
                          "YYYYMMDDhhmmssZ (\"%.*s\")", field,
                          (int)(t.val.len > 32 ? 32 : t.val.len), (const char *)t.val.p);
    return sc__der_time(&t, out, field, err);
}

/* ENUMERATED with a small non-negative value (padding tolerated). */
static int read_enum(sc_der *r, const char *field, int *out, sc_err *err)
{
    sc_tlv t;
    size_t i = 0;
    int rc, v = 0;

    if (!sc__der_more(r))
        return sc_err_set(err, SC_EFORMAT, "%s: missing", field);
    if (sc__der_peek_tag(r) != 0x0a)
        return sc_err_set(err, SC_EFORMAT, "%s: not an ENUMERATED (tag 0x%02x)", field,
                          sc__der_peek_tag(r));
    if ((rc = sc__der_any(r, &t, field, err)) != 0)
        return rc;
    if (t.val.len == 0 || (t.val.p[0] & 0x80))
        return sc_err_set(err, SC_EFORMAT, "%s: ENUMERATED is empty or negative", field);
    while (i + 1 < t.val.len && t.val.p[i] == 0)
        i++;
    if (t.val.len - i > 1)
        return sc_err_set(err, SC_EFORMAT, "%s: value too large", field);
    v = t.val.p[i];
    *out = v;
    return 0;
}

static int read_status(sc_der *r, const char *field, int history, sc_status_code *out,
                       sc_err *err)
{
    int v, rc;

    if ((rc = read_enum(r, field, &v, err)) != 0)
        return rc;
    if (v > SC_STATUS_VOIDED)
        return sc_err_set(err, SC_EFORMAT, "%s: %d is not a Status (0..5)", field, v);
    if (history && (v == SC_STATUS_EXPIRED || v == SC_STATUS_UNKNOWN))
        return sc_err_set(err, SC_EFORMAT, "%s: %s cannot be a change (only good, suspended, "
                          "revoked, voided)", field, sc_status_name((sc_status_code)v));
    *out = (sc_status_code)v;
    return 0;
}

/* [tag] EXPLICIT GeneralizedTime */
static int read_tagged_time(sc_der *r, uint8_t tag, const char *field, int64_t *out,
                            sc_err *err)
{
    sc_der box;
    int rc;

    if ((rc = sc__der_enter(r, tag, &box, NULL, field, err)) != 0 ||
        (rc = read_time(&box, field, out, err)) != 0)
        return rc;
    return sc__der_leave(&box, field, err);
}

typedef struct hist_buf {
    sc_status_change *p;
    size_t n, cap;
} hist_buf;

static int read_change(sc_der *seq, hist_buf *h, sc_err *err)
{
    sc_status_change c = { SC_STATUS_GOOD, 0, SC_STATUS_NO_REASON };
    sc_der ch;
    int rc;

    if ((rc = sc__der_enter(seq, SC_TAG_SEQUENCE, &ch, NULL, "", err)) != 0 ||
        (rc = read_status(&ch, "status", 1, &c.status, err)) != 0 ||
        (rc = read_time(&ch, "at", &c.at, err)) != 0)
        return rc;
    if (sc__der_more(&ch)) {
        if ((rc = read_enum(&ch, "reason", &c.reason, err)) != 0)
            return rc;
        if (strcmp(sc_status_reason_name(c.reason), "?") == 0)
            return sc_err_set(err, SC_EFORMAT, "reason: %d is not a Reason (0, 1, 3, 4, 5, 6)",
                              c.reason);
    }
    if ((rc = sc__der_leave(&ch, "", err)) != 0)
        return rc;
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        sc_status_change *q = realloc(h->p, cap * sizeof(*q));
        if (q == NULL)
            return sc_err_set(err, SC_ENOMEM, "out of memory");
        h->p = q;
        h->cap = cap;
    }
    h->p[h->n++] = c;
    return 0;
}

/* [2] EXPLICIT SEQUENCE OF StatusChange, appended to h; *count is how many. */
static int read_history(sc_der *es, hist_buf *h, size_t *count, sc_err *err)
{
    sc_der box, seq;
    sc_err e = SC_ERR_INIT;
    char path[32];
    size_t i;
    int rc;

    if ((rc = sc__der_enter(es, 0xa2, &box, NULL, "history", err)) != 0 ||
        (rc = sc__der_enter(&box, SC_TAG_SEQUENCE, &seq, NULL, "history", err)) != 0 ||
        (rc = sc__der_leave(&box, "history", err)) != 0)
        return rc;
    for (i = 0; sc__der_more(&seq); i++) {
        if (i == SC_STATUS_MAX_HISTORY)
            return sc_err_set(err, SC_ELIMIT, "history: more than %d changes",
                              SC_STATUS_MAX_HISTORY);
        if (read_change(&seq, h, &e) != 0) {
            snprintf(path, sizeof(path), "history[%zu]", i);
            return fail_under(err, path, &e);
        }
        if (i > 0 && h->p[h->n - 1].at < h->p[h->n - 2].at)
            return sc_err_set(err, SC_EFORMAT, "history[%zu].at: earlier than history[%zu].at "
                              "(changes must be oldest first)", i, i - 1);
    }
    *count = i;
    return 0;
}

/* The Subject CHOICE: [0] EXPLICIT IA5String or [1] EXPLICIT UTF8String. */
static int read_subject(sc_der *es, sc_status_entry *x, sc_span *whole, char **arena,
                        sc_err *err)
{
    sc_der box;
    sc_tlv t, s;
    int rc, tag = sc__der_peek_tag(es);

    if (tag < 0)
        return sc_err_set(err, SC_EFORMAT, "subject: missing");
    if (tag != 0xa0 && tag != 0xa1)
        return sc_err_set(err, SC_EFORMAT, "subject: expected [0] esID or [1] licenseId, found "
                          "tag 0x%02x", tag);
    x->kind = tag == 0xa0 ? SC_STATUS_ESID : SC_STATUS_LICENSE_ID;
    if ((rc = sc__der_enter(es, (uint8_t)tag, &box, &t, "subject", err)) != 0 ||
        (rc = sc__der_get(&box, tag == 0xa0 ? SC_TAG_IA5 : SC_TAG_UTF8, &s,
                          tag == 0xa0 ? "subject.esID" : "subject.licenseId", err)) != 0 ||
        (rc = sc__der_leave(&box, "subject", err)) != 0)
        return rc;
    if (s.val.len == 0 || s.val.len > SC_STATUS_MAX_SUBJECT)
        return sc_err_set(err, SC_EFORMAT, "subject: %zu bytes, 1..%d allowed", s.val.len,
                          SC_STATUS_MAX_SUBJECT);
    for (size_t i = 0; x->kind == SC_STATUS_ESID && i < s.val.len; i++)
        if (s.val.p[i] < 0x20 || s.val.p[i] > 0x7e)
            return sc_err_set(err, SC_EFORMAT, "subject.esID: byte %zu (0x%02x) is not "
                              "printable ASCII", i, s.val.p[i]);
    if (x->kind == SC_STATUS_LICENSE_ID && !sc__utf8_ok(s.val.p, s.val.len))
        return sc_err_set(err, SC_EFORMAT, "subject.licenseId: not valid UTF-8");
    memcpy(*arena, s.val.p, s.val.len);
    (*arena)[s.val.len] = '\0';
    x->subject = *arena;
    *arena += s.val.len + 1;
    *whole = t.all;
    return 0;
}

/* The entry's status must be what its history and validEnd give at thisUpdate: otherwise a
 * reader of `status` and the verifier rule would disagree about the same seal. */
static int check_consistent(const sc_status_entry *x, sc_err *err)
{
    char t[32];
    sc_status_code d;

    if (x->status == SC_STATUS_UNKNOWN) {
        if (x->digest != NULL || x->has_valid_end || x->history_len > 0)
            return sc_err_set(err, SC_EFORMAT, "status: unknown, yet the entry carries %s",
                              x->digest ? "a subjectDigest" : x->has_valid_end ? "a validEnd"
                                                                              : "a history");
        return 0;
    }
    if ((d = sc_status_entry_at(x, x->this_update, NULL)) != x->status)
        return sc_err_set(err, SC_EFORMAT, "status: %s, but its history and validEnd give %s "
                          "at thisUpdate %s", sc_status_name(x->status), sc_status_name(d),
                          sc_time_format(x->this_update, t, sizeof(t)));
    return 0;
}

static int read_entry(sc_der *es, sc_status_entry *x, sc_span *subj, char **arena, hist_buf *h,
                      sc_err *err)
{
    sc_tlv t;
    size_t start = h->n;
    int rc;

    if ((rc = read_subject(es, x, subj, arena, err)) != 0)
        return rc;
    if (sc__der_peek_tag(es) == SC_TAG_OCTET_STRING) {
        if ((rc = sc__der_get(es, SC_TAG_OCTET_STRING, &t, "subjectDigest", err)) != 0)
            return rc;
        if (t.val.len != 32)
            return sc_err_set(err, SC_EFORMAT, "subjectDigest: %zu bytes, an SM3 hash has 32",
                              t.val.len);
        x->digest = t.val.p;
    }
    if ((rc = read_status(es, "status", 0, &x->status, err)) != 0 ||
        (rc = read_time(es, "thisUpdate", &x->this_update, err)) != 0)
        return rc;
    if (sc__der_peek_tag(es) == 0xa0) {
        if ((rc = read_tagged_time(es, 0xa0, "nextUpdate", &x->next_update, err)) != 0)
            return rc;
        x->has_next_update = 1;
    }
    if (sc__der_peek_tag(es) == 0xa1) {
        if ((rc = read_tagged_time(es, 0xa1, "validEnd", &x->valid_end, err)) != 0)
            return rc;
        x->has_valid_end = 1;
    }
    if (sc__der_peek_tag(es) == 0xa2 && (rc = read_history(es, h, &x->history_len, err)) != 0)
        return rc;
    if (sc__der_more(es))
        return sc_err_set(err, SC_EFORMAT, ": unexpected element (tag 0x%02x) after the last "
                          "field", sc__der_peek_tag(es));
    /* h->p may still move: the final pointer is set once every entry is read */
    x->history = x->history_len ? h->p + start : NULL;
    return check_consistent(x, err);
}

static int read_entries(sc_status_resp *r, sc_der *tbs, sc_err *err)
{
    sc_der seq, c, es;
    sc_tlv t;
    sc_err e = SC_ERR_INIT;
    hist_buf h = { NULL, 0, 0 };
    char path[64], *arena;
    size_t n = 0, off = 0, i;
    int rc;

    if ((rc = sc__der_enter(tbs, SC_TAG_SEQUENCE, &seq, NULL, P_TBS ".entries", err)) != 0)
        return rc;
    /* count first, and stop at the limit: the arrays are sized once */
    for (c = seq; sc__der_more(&c); n++) {
        if (n == SC_STATUS_MAX_ENTRIES)
            return sc_err_set(err, SC_ELIMIT, P_TBS ".entries: more than %d entries",
                              SC_STATUS_MAX_ENTRIES);
        if (sc__der_any(&c, &t, "", &e) != 0) {
            snprintf(path, sizeof(path), P_TBS ".entries[%zu]", n);
            return fail_under(err, path, &e);
        }
    }
    r->info.entry_count = n;
    /* subjects lie inside the entries' bytes, disjoint: their total is below seq's length */
    if ((r->entries = calloc(n ? n : 1, sizeof(*r->entries))) == NULL ||
        (r->subjects = calloc(n ? n : 1, sizeof(*r->subjects))) == NULL ||
        (r->names = sc__malloc(seq.left + n + 1, err)) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    arena = r->names;
    for (i = 0; i < n; i++) {
        sc_status_entry *x = &r->entries[i];
        if (sc__der_enter(&seq, SC_TAG_SEQUENCE, &es, NULL, "", &e) != 0 ||
            read_entry(&es, x, &r->subjects[i], &arena, &h, &e) != 0) {
            snprintf(path, sizeof(path), P_TBS ".entries[%zu]", i);
            rc = fail_under(err, path, &e);
            goto out;
        }
        if (i > 0 && sc__status_cmp(r->subjects[i - 1].p, r->subjects[i - 1].len,
                                    r->subjects[i].p, r->subjects[i].len) >= 0) {
            snprintf(path, sizeof(path), P_TBS ".entries[%zu]", i);
            rc = sc_err_set(err, SC_EFORMAT, "%s.subject: not after entries[%zu].subject "
                            "(entries must be sorted by the DER of their subject, each subject "
                            "once)", path, i - 1);
            goto out;
        }
        if (x->has_next_update && (!r->has_min_next || x->next_update < r->min_next)) {
            r->has_min_next = 1;
            r->min_next = x->next_update;
        }
    }
    for (i = 0; i < n; i++) {
        sc_status_entry *x = &r->entries[i];
        x->history = x->history_len ? h.p + off : NULL;
        off += x->history_len;
    }
    r->changes = h.p;
    h.p = NULL;
    rc = 0;
out:
    free(h.p);
    return rc;
}

static int read_alg(sc_der *resp, sc_err *err)
{
    sc_der alg;
    sc_tlv t;
    char oid[96];
    int rc;

    if ((rc = sc__der_enter(resp, SC_TAG_SEQUENCE, &alg, NULL, P_RESP ".signatureAlgorithm",
                            err)) != 0 ||
        (rc = sc__der_get(&alg, SC_TAG_OID, &t, P_RESP ".signatureAlgorithm.algorithm",
                          err)) != 0 ||
        (rc = sc__der_oid(&t, oid, sizeof(oid), P_RESP ".signatureAlgorithm.algorithm",
                          err)) != 0)
        return rc;
    if (strcmp(oid, SC_OID_SM2_SM3) != 0)
        return sc_err_set(err, SC_EUNSUPPORTED, P_RESP ".signatureAlgorithm: %s is not "
                          "SM2-with-SM3 (" SC_OID_SM2_SM3 ")", oid);
    if (sc__der_more(&alg)) {
        if ((rc = sc__der_get(&alg, SC_TAG_NULL, &t, P_RESP ".signatureAlgorithm.parameters",
                              err)) != 0)
            return rc;
        if (t.val.len != 0)
            return sc_err_set(err, SC_EFORMAT, P_RESP ".signatureAlgorithm.parameters: NULL "
                              "with content");
    }
    return sc__der_leave(&alg, P_RESP ".signatureAlgorithm", err);
}

static int read_certs(sc_status_resp *r, sc_der *resp, sc_err *err)
{
    sc_der box, seq;
    sc_tlv t;
    char path[48];
    size_t i;
    int rc;

    if ((rc = sc__der_enter(resp, 0xa0, &box, NULL, P_RESP ".certs", err)) != 0 ||
        (rc = sc__der_enter(&box, SC_TAG_SEQUENCE, &seq, NULL, P_RESP ".certs", err)) != 0 ||
        (rc = sc__der_leave(&box, P_RESP ".certs", err)) != 0)
        return rc;
    for (i = 0; sc__der_more(&seq); i++) {
        if (i == SC_STATUS_MAX_CERTS)
            return sc_err_set(err, SC_ELIMIT, P_RESP ".certs: more than %d certificates",
                              SC_STATUS_MAX_CERTS);
        snprintf(path, sizeof(path), P_RESP ".certs[%zu]", i);
        if ((rc = sc__der_get(&seq, SC_TAG_SEQUENCE, &t, path, err)) != 0)
            return rc;
        r->certs[i] = t.all;
    }
    if (i == 0)   /* DER: an OPTIONAL field with nothing in it is absent, not empty */
        return sc_err_set(err, SC_EFORMAT, P_RESP ".certs: empty (omit the field instead)");
    r->info.cert_count = i;
    return 0;
}

static int read_tbs(sc_status_resp *r, sc_der *tbs, sc_err *err)
{
    sc_der box;
    sc_tlv t;
    int64_t v;
    int rc;

    if ((rc = sc__der_get_uint(tbs, &v, P_TBS ".version", err)) != 0)
        return rc;
    if (v != 1)
        return sc_err_set(err, SC_EUNSUPPORTED, P_TBS ".version: %lld, only v1 (1) is defined",
                          (long long)v);
    if ((rc = sc__der_get(tbs, SC_TAG_OCTET_STRING, &t, P_TBS ".responderKeyHash", err)) != 0)
        return rc;
    if (t.val.len != 32)
        return sc_err_set(err, SC_EFORMAT, P_TBS ".responderKeyHash: %zu bytes, an SM3 hash "
                          "has 32", t.val.len);
    r->info.key_hash = t.val.p;
    if ((rc = read_time(tbs, P_TBS ".producedAt", &r->info.produced_at, err)) != 0)
        return rc;
    if (sc__der_peek_tag(tbs) == 0xa0) {
        if ((rc = sc__der_enter(tbs, 0xa0, &box, NULL, P_TBS ".listSequence", err)) != 0 ||
            (rc = sc__der_get_uint(&box, &r->info.list_sequence, P_TBS ".listSequence",
                                   err)) != 0 ||
            (rc = sc__der_leave(&box, P_TBS ".listSequence", err)) != 0)
            return rc;
        r->info.has_list_sequence = 1;
    }
    if (sc__der_peek_tag(tbs) == 0xa1) {
        if ((rc = sc__der_enter(tbs, 0xa1, &box, NULL, P_TBS ".nonce", err)) != 0 ||
            (rc = sc__der_get(&box, SC_TAG_OCTET_STRING, &t, P_TBS ".nonce", err)) != 0 ||
            (rc = sc__der_leave(&box, P_TBS ".nonce", err)) != 0)
            return rc;
        if (t.val.len == 0 || t.val.len > SC_STATUS_MAX_NONCE)
            return sc_err_set(err, SC_EFORMAT, P_TBS ".nonce: %zu bytes, 1..%d allowed",
                              t.val.len, SC_STATUS_MAX_NONCE);
        r->info.nonce = t.val.p;
        r->info.nonce_len = t.val.len;
    }
    if ((rc = read_entries(r, tbs, err)) != 0)
        return rc;
    return sc__der_leave(tbs, P_TBS, err);
}

int sc_status_resp_parse(sc_status_resp **out, const uint8_t *der, size_t len, sc_err *err)
{
    sc_status_resp *r = NULL;
    sc_der top, resp, tbs;
    sc_tlv t;
    int rc;

    if (out == NULL)
        return sc_err_set(err, SC_EINVAL, "status response: no place for the result");
    *out = NULL;
    if (len == 0 || der == NULL)
        return sc_err_set(err, SC_EFORMAT, P_RESP ": empty input");
    if (len > SC_STATUS_MAX_DER)
        return sc_err_set(err, SC_ELIMIT, P_RESP ": %zu bytes, at most %u", len,
                          SC_STATUS_MAX_DER);
    if ((r = calloc(1, sizeof(*r))) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
        goto out;
    }
    atomic_init(&r->self_checked, 0);
    if ((r->der = sc__memdup(der, len, err)) == NULL) {
        rc = SC_ENOMEM;
        goto out;
    }
    r->der_len = len;
    sc__der_init(&top, r->der, len);
    if ((rc = sc__der_enter(&top, SC_TAG_SEQUENCE, &resp, NULL, P_RESP, err)) != 0 ||
        (rc = sc__der_leave(&top, P_RESP, err)) != 0 ||
        (rc = sc__der_enter(&resp, SC_TAG_SEQUENCE, &tbs, &t, P_TBS, err)) != 0)
        goto out;
    r->tbs = t.all;
    if ((rc = read_alg(&resp, err)) != 0 ||
        (rc = sc__der_get(&resp, SC_TAG_BIT_STRING, &t, P_RESP ".signature", err)) != 0)
        goto out;
    /* 0 unused bits, as the spec says: sc__der_bits also reads vendors' named-bit-list form,
     * which would leave that octet unchecked here */
    if (t.val.len > 0 && t.val.p[0] != 0) {
        rc = sc_err_set(err, SC_EFORMAT, P_RESP ".signature: BIT STRING has %u unused bits, 0 "
                        "expected", t.val.p[0]);
        goto out;
    }
    if ((rc = sc__der_bits(&t, &r->sig, P_RESP ".signature", err)) != 0)
        goto out;
    if (sc__der_peek_tag(&resp) == 0xa0 && (rc = read_certs(r, &resp, err)) != 0)
        goto out;
    if ((rc = sc__der_leave(&resp, P_RESP, err)) != 0 || (rc = read_tbs(r, &tbs, err)) != 0)
        goto out;
    *out = r;
    r = NULL;
out:
    sc_status_resp_free(r);
    return rc;
}

void sc_status_resp_free(sc_status_resp *r)
{
    if (r == NULL)
        return;
    free(r->der);
    free(r->entries);
    free(r->subjects);
    free(r->changes);
    free(r->names);
    free(r);
}

const sc_status_resp_info *sc_status_resp_get_info(const sc_status_resp *r)
{
    return &r->info;
}

const sc_status_entry *sc_status_resp_get_entry(const sc_status_resp *r, size_t i)
{
    return i < r->info.entry_count ? &r->entries[i] : NULL;
}

const sc_status_entry *sc_status_resp_find(const sc_status_resp *r, sc_status_subject kind,
                                           const char *subject)
{
    uint8_t key[8 + SC_STATUS_MAX_SUBJECT];
    size_t klen, lo = 0, hi;

    if (r == NULL || subject == NULL || (kind != SC_STATUS_ESID && kind != SC_STATUS_LICENSE_ID))
        return NULL;
    klen = sc__status_subject_der(kind, subject, strnlen(subject, SC_STATUS_MAX_SUBJECT + 1),
                                  key);
    if (klen == 0)
        return NULL;
    /* entries are in ascending order of their Subject DER (checked when read) */
    for (hi = r->info.entry_count; lo < hi;) {
        size_t mid = lo + (hi - lo) / 2;
        int c = sc__status_cmp(r->subjects[mid].p, r->subjects[mid].len, key, klen);
        if (c == 0)
            return &r->entries[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const uint8_t *sc_status_resp_get_cert(const sc_status_resp *r, size_t i, size_t *len)
{
    if (i >= r->info.cert_count)
        return NULL;
    if (len != NULL)
        *len = r->certs[i].len;
    return r->certs[i].p;
}

const uint8_t *sc_status_resp_get_der(const sc_status_resp *r, size_t *len)
{
    if (len != NULL)
        *len = r->der_len;
    return r->der;
}

const uint8_t *sc_status_resp_get_tbs(const sc_status_resp *r, size_t *len)
{
    if (len != NULL)
        *len = r->tbs.len;
    return r->tbs.p;
}

const uint8_t *sc_status_resp_get_signature(const sc_status_resp *r, size_t *len)
{
    if (len != NULL)
        *len = r->sig.len;
    return r->sig.p;
}
