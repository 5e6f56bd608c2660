/* api_license_batch.c: issuing licences in batches, and stamping existing licence files
 * (存量证照批量加盖) (api_int.h).
 *
 * POST /api/v1/licenses/batch takes up to SS_SVC_BATCH_MAX rows as CSV (text/csv: RFC 4180,
 * UTF-8, a header row of field names; type, es_id, batch_id and first_row in the query) or
 * JSON ({type, es_id, batch_id, first_row, rows: [{name: value}]}). Row i is the service's
 * (batch_id, first_row + i): a re-run answers rows already issued with their licence and
 * issues nothing twice, so a client resumes a cut batch by sending it again. Each row
 * succeeds or fails alone; the answer lists every row.
 * POST /api/v1/licenses/seal stamps the issuer's seal onto an unsealed licence OFD at its
 * type's seal position (a signing act: the signing grant for the seal, as sign/ofd).
 * Not here: issuing itself (service.h), one licence (api_license.c). */
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sealcore/license_file.h"
#include "server.h"

/* ---- CSV --------------------------------------------------------------------------------- */

/* A parsed CSV body: cells point into buf (unquoted in place, NUL-terminated). */
typedef struct csv {
    char *buf;
    char **cell;         /* rows * cols */
    size_t rows, cols;   /* data rows (the header not counted), header cells */
    char **head;         /* cols */
} csv;

static void csv_free(csv *c)
{
    free(c->buf);
    free(c->cell);
    free(c->head);
    memset(c, 0, sizeof(*c));
}

/* One record from *p: its cells appended to *cells (grown), in place. @return cells read,
 * 0 at the end of input, -1 malformed (why says where) */
static long csv_record(char **p, char *end, char ***cells, size_t *n, size_t *cap, size_t line,
                       char *why, size_t wn)
{
    char *s = *p;
    long got = 0;

    if (s >= end)
        return 0;
    for (;;) {
        char *w = s, *start = s;
        if (*n == *cap) {
            size_t nc = *cap != 0 ? *cap * 2 : 64;
            char **q = realloc(*cells, nc * sizeof(*q));
            if (q == NULL) {
                snprintf(why, wn, "out of memory");
                return -2;
            }
            *cells = q;
            *cap = nc;
        }
        if (s < end && *s == '"') {   /* quoted: "" is one quote; commas and newlines kept */
            for (s++;; s++) {
                if (s >= end) {
                    snprintf(why, wn, "line %zu: a quoted cell is not closed", line);
                    return -1;
                }
                if (*s == '"' && s + 1 < end && s[1] == '"')
                    *w++ = *s++;
                else if (*s == '"')
                    break;
                else
                    *w++ = *s;
            }
            s++;
            if (s < end && *s != ',' && *s != '\n' && *s != '\r') {
                snprintf(why, wn, "line %zu: text after a closing quote", line);
                return -1;
            }
        } else {
            while (s < end && *s != ',' && *s != '\n' && *s != '\r') {
                if (*s == '"') {
                    snprintf(why, wn, "line %zu: a quote inside an unquoted cell", line);
                    return -1;
                }
                s++;
            }
            w = s;
        }
        (*cells)[(*n)++] = start;
        got++;
        if (s < end && *s == ',') {
            *w = '\0';
            s++;
            continue;
        }
        if (s < end && *s == '\r' && s + 1 < end && s[1] == '\n')
            *s++ = '\0';
        if (s < end)
            s++;
        *w = '\0';
        *p = s;
        return got;
    }
}

/* Parse body (len bytes, a copy is kept in c): a header of unique non-empty names, then rows
 * of as many cells; blank lines are skipped. @return 0, SC_ENOMEM, SC_ELIMIT (rows), or
 * SC_EINVAL with why */
static int csv_parse(csv *c, const uint8_t *body, size_t len, char *why, size_t wn)
{
    char **cells = NULL, *p, *end;
    size_t n = 0, cap = 0, line = 1;
    long got;

    memset(c, 0, sizeof(*c));
    if ((c->buf = malloc(len + 1)) == NULL)
        return SC_ENOMEM;
    memcpy(c->buf, body, len);
    c->buf[len] = '\0';
    p = c->buf;
    end = c->buf + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)   /* a UTF-8 BOM (Excel writes one) */
        p += 3;
    if (memchr(p, '\0', (size_t)(end - p)) != NULL) {
        snprintf(why, wn, "a NUL byte in the CSV");
        return SC_EINVAL;
    }
    for (char *rs = p; (got = csv_record(&p, end, &cells, &n, &cap, line, why, wn)) > 0;
         rs = p) {
        size_t at = line, o0 = (size_t)(rs - c->buf), o1 = (size_t)(p - c->buf), o;
        /* cells are unquoted in place, but records keep their offsets: count the body's */
        for (o = o0; o < o1; o++)
            line += body[o] == '\n';
        /* a blank line: nothing but its line end in the body (a quoted "" is a cell, and a
         * row: sealctl numbers rows alike); the copy was unquoted in place, so look at body */
        for (o = o0; o < o1 && (body[o] == '\r' || body[o] == '\n'); o++)
            ;
        if (got == 1 && o == o1) {
            n--;
            continue;
        }
        if (c->cols == 0) {
            c->cols = (size_t)got;
            for (size_t i = 0; i < c->cols; i++) {
                if (cells[i][0] == '\0') {
                    snprintf(why, wn, "line %zu: header cell %zu is empty", at, i + 1);
                    goto bad;
                }
                for (size_t k = 0; k < i; k++)
                    if (strcmp(cells[k], cells[i]) == 0) {
                        snprintf(why, wn, "line %zu: field \"%.64s\" named twice", at,
                                 cells[i]);
                        goto bad;
                    }
            }
        } else if ((size_t)got != c->cols) {
            snprintf(why, wn, "line %zu: %ld cells, the header has %zu", at, got, c->cols);
            goto bad;
        } else if (++c->rows > SS_SVC_BATCH_MAX) {
            free(cells);
            snprintf(why, wn, "more than %d rows in one call: send the rest with first_row",
                     SS_SVC_BATCH_MAX);
            return SC_ELIMIT;
        }
    }
    if (got < 0) {
        free(cells);
        return got == -2 ? SC_ENOMEM : SC_EINVAL;
    }
    if (c->rows == 0) {
        snprintf(why, wn, "no data rows (a header row of field names, then one row per "
                 "licence)");
        goto bad;
    }
    c->head = malloc(c->cols * sizeof(*c->head));
    c->cell = malloc(c->rows * c->cols * sizeof(*c->cell));
    if (c->head == NULL || c->cell == NULL) {
        free(cells);
        return SC_ENOMEM;
    }
    memcpy(c->head, cells, c->cols * sizeof(*cells));
    memcpy(c->cell, cells + c->cols, c->rows * c->cols * sizeof(*cells));
    free(cells);
    return 0;
bad:
    free(cells);
    return SC_EINVAL;
}

/* ---- the batch --------------------------------------------------------------------------- */

typedef struct batch_in {
    const char *type, *es_id, *batch_id, *area;
    int64_t first_row;
    ss_svc_lic_row *rows;
    sc_lic_kv *kv;        /* every row's pairs, one allocation */
    size_t n;
} batch_in;

/* Rows from the CSV: empty cells are absent values, left out of the row. */
static int rows_from_csv(const csv *c, batch_in *in)
{
    size_t k = 0;

    in->n = c->rows;
    in->rows = calloc(c->rows, sizeof(*in->rows));
    in->kv = calloc(c->rows * c->cols, sizeof(*in->kv));
    if (in->rows == NULL || in->kv == NULL)
        return SC_ENOMEM;
    for (size_t r = 0; r < c->rows; r++) {
        in->rows[r].kv = in->kv + k;
        for (size_t i = 0; i < c->cols; i++) {
            const char *v = c->cell[r * c->cols + i];
            if (v[0] == '\0')
                continue;
            in->kv[k].name = c->head[i];
            in->kv[k++].value = v;
            in->rows[r].n++;
        }
    }
    return 0;
}

/* Rows from a JSON array of objects; row kv arrays are allocated one per row into kvs. */
static int rows_from_json(ss_req *req, const json_t *arr, batch_in *in, sc_lic_kv ***kvs)
{
    char why[160];
    int rc;

    in->n = json_is_array(arr) ? json_array_size(arr) : 0;
    if (in->n == 0 || in->n > SS_SVC_BATCH_MAX) {
        ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "\"rows\": an array of 1..%d row "
                           "objects", SS_SVC_BATCH_MAX);
        return -1;
    }
    in->rows = calloc(in->n, sizeof(*in->rows));
    *kvs = calloc(in->n, sizeof(**kvs));
    if (in->rows == NULL || *kvs == NULL)
        return SC_ENOMEM;
    for (size_t r = 0; r < in->n; r++) {
        if ((rc = ss__api_lic_row(json_array_get(arr, r), &(*kvs)[r], &in->rows[r].n, why,
                                  sizeof(why))) != 0) {
            if (rc == SC_EINVAL)
                ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "\"rows\"[%zu]: %s", r, why);
            return rc == SC_EINVAL ? -1 : rc;
        }
        in->rows[r].kv = (*kvs)[r];
    }
    return 0;
}

static int reply_batch(ss_req *req, const batch_in *in, const ss_svc_lic_result *res,
                       const ss_svc_lic_summary *sum)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr != NULL && i < in->n; i++) {
        json_int_t row = (json_int_t)(in->first_row + (int64_t)i);
        json_t *o = res[i].code == 0
                        ? json_pack("{s:I,s:s,s:b}", "row", row, "id", res[i].zzbs, "already",
                                    res[i].already)
                        : json_pack("{s:I,s:s,s:s}", "row", row, "error",
                                    ss_svc_err_name(res[i].code), "message", res[i].msg);
        if (o == NULL || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return SC_ENOMEM;
        }
    }
    if (arr == NULL)
        return SC_ENOMEM;
    return ss__api_reply_doc(req, 200, json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:o}", "batch_id",
                                                 in->batch_id, "first_row",
                                                 (json_int_t)in->first_row, "rows",
                                                 (json_int_t)in->n, "issued",
                                                 (json_int_t)sum->issued, "already",
                                                 (json_int_t)sum->already, "failed",
                                                 (json_int_t)sum->failed, "results", arr));
}

/* A batch id in the Idempotency-Keys' space is refused (answered 400: -1) before the rows
 * are read: POST /api/v1/licenses keeps its keys as batch ids with that prefix. */
static int batch_id_ok(ss_req *req, const char *batch_id)
{
    if (strncmp(batch_id, SS__API_IDEM_PREFIX, strlen(SS__API_IDEM_PREFIX)) != 0)
        return 0;
    ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "batch_id: \"%s...\" is kept for "
                       "Idempotency-Keys of POST /api/v1/licenses; name the batch otherwise",
                       SS__API_IDEM_PREFIX);
    return -1;
}

static int run_batch(ss_req *req, ss_svc *svc, batch_in *in)
{
    ss_svc_actor act = ss__api_actor(req);
    ss_svc_lic_req lr;
    ss_svc_lic_summary sum = { 0, 0, 0 };
    ss_svc_lic_result *res;
    sc_err err = SC_ERR_INIT;
    int rc;

    memset(&lr, 0, sizeof(lr));
    lr.type_code = in->type;
    lr.es_id = in->es_id;
    lr.batch_id = in->batch_id;
    if (ss__api_lic_req(req, in->area, &lr) != 0)
        return 0;
    if ((res = calloc(in->n, sizeof(*res))) == NULL)
        return SC_ENOMEM;
    rc = ss_svc_lic_batch(svc, &act, &lr, in->first_row, in->rows, in->n, res, &sum, &err);
    rc = rc != 0 ? ss__api_reply_svc(req, rc, &err) : reply_batch(req, in, res, &sum);
    free(res);
    return rc;
}

static int batch_csv(ss_req *req, ss_svc *svc, const uint8_t *body, size_t len)
{
    char qt[SS_LIC_CODE_MAX + 2], qe[SS_ES_ID_MAX + 2], qb[SS_LIC_BATCH_ID_MAX + 2], qa[8];
    char why[160];
    batch_in in;
    csv c;
    int rc;

    memset(&in, 0, sizeof(in));
    if (ss__api_q_str(req, "type", qt, sizeof(qt), 1, &in.type) != 0 ||
        ss__api_q_str(req, "es_id", qe, sizeof(qe), 1, &in.es_id) != 0 ||
        ss__api_q_str(req, "batch_id", qb, sizeof(qb), 1, &in.batch_id) != 0 ||
        ss__api_q_str(req, "area_code", qa, sizeof(qa), 0, &in.area) != 0 ||
        ss__api_q_int(req, "first_row", 0, INT64_MAX / 2, 0, &in.first_row) != 0 ||
        batch_id_ok(req, in.batch_id) != 0)
        return 0;
    if ((rc = csv_parse(&c, body, len, why, sizeof(why))) == 0 &&
        (rc = rows_from_csv(&c, &in)) == 0)
        rc = run_batch(req, svc, &in);
    else if (rc == SC_EINVAL || rc == SC_ELIMIT)
        rc = ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "CSV: %s", why);
    csv_free(&c);
    free(in.rows);
    free(in.kv);
    return rc;
}

static int batch_json(ss_req *req, ss_svc *svc)
{
    batch_in in;
    sc_lic_kv **kvs = NULL;
    json_t *b = NULL;
    int rc = 0;

    memset(&in, 0, sizeof(in));
    if (ss__api_body(req, SS__API_BODY_REQUIRED, &b) != 0)
        return 0;
    if (ss__api_need_str(req, b, "type", &in.type) != 0 ||
        ss__api_need_str(req, b, "es_id", &in.es_id) != 0 ||
        ss__api_need_str(req, b, "batch_id", &in.batch_id) != 0 ||
        ss__api_opt_str(req, b, "area_code", &in.area) != 0 ||
        ss__api_opt_int(req, b, "first_row", &in.first_row, 0) != 0 ||
        batch_id_ok(req, in.batch_id) != 0)
        goto out;
    if (in.first_row < 0) {
        rc = ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "\"first_row\": 0 or more");
        goto out;
    }
    if ((rc = rows_from_json(req, json_object_get(b, "rows"), &in, &kvs)) == 0)
        rc = run_batch(req, svc, &in);
    else if (rc == -1)
        rc = 0;
out:
    for (size_t i = 0; kvs != NULL && i < in.n; i++)
        free(kvs[i]);
    free(kvs);
    free(in.rows);
    json_decref(b);
    return rc;
}

int ss__api_lic_batch(ss_req *req)
{
    ss_svc *svc = ss__api_svc(req);
    const char *ct = ss_req_header(req, "Content-Type");
    size_t len;
    const uint8_t *body = ss_req_body(req, &len);

    if (svc == NULL)
        return ss__api_no_service(req);
    /* the router admitted text/csv or application/json (api.c) */
    if (ct != NULL && strncasecmp(ct + strspn(ct, " \t"), "text/csv", 8) == 0) {
        if (len == 0)
            return ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "the CSV is the body");
        return batch_csv(req, svc, body, len);
    }
    return batch_json(req, svc);
}

/* ---- stamping an existing licence file --------------------------------------------------- */

/* When the file carries licence metadata (ours, sc_lic_read), it must be consistent (rules
 * 2-6 of spec/license-file.md §6), of this type and issued by the seal's own unit (issuer
 * code ZZBFJGDM), or the seal would vouch for a wrong licence or another body's. A file
 * without it is sealed as it is. @return 0, or -1 after answering 400 */
static int check_metadata(ss_req *req, const uint8_t *body, size_t len, const char *type,
                          const char *es_id, const char *issuer_code)
{
    sc_ofd_pkg *pkg = NULL;
    sc_lic_info *info = NULL;
    const char *lt;
    char why[256];
    sc_err err = SC_ERR_INIT;
    int ok = 0, rc;

    if ((rc = sc_ofd_pkg_open_mem(&pkg, body, len, &err)) != 0) {
        ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "not an OFD package: %s", err.msg);
        return -1;
    }
    rc = sc_lic_read(&info, pkg, &err);
    sc_ofd_pkg_free(pkg);
    if (rc == SC_ENOTFOUND)
        return 0;
    if (rc == 0 && (rc = sc_lic_info_check(info, &ok, why, sizeof(why), &err)) == 0 && !ok)
        rc = sc_err_set(&err, SC_EFORMAT, "%s", why);
    if (rc == 0 && ((lt = sc_lic_info_get(info, "ZZLXDM")) == NULL || strcmp(lt, type) != 0))
        rc = sc_err_set(&err, SC_EFORMAT, "its type ZZLXDM is %s, not %s", lt ? lt : "absent",
                        type);
    if (rc == 0 && ((lt = sc_lic_info_get(info, "ZZBFJGDM")) == NULL ||
                    strcmp(lt, issuer_code) != 0))
        rc = sc_err_set(&err, SC_EFORMAT, "its issuer ZZBFJGDM is %s, but seal %s belongs to "
                        "unit %s", lt ? lt : "absent", es_id, issuer_code);
    sc_lic_info_free(info);
    if (rc == 0)
        return 0;
    ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "the licence's metadata: %s", err.msg);
    return -1;
}

/* The code of the unit the seal belongs to (read from the store: an operator may not read
 * units through the service, but the issuer of what it seals is not a secret). */
static int issuer_of(ss_req *req, const char *es_id, char code[SS_USCC_LEN + 1], sc_err *err)
{
    ss_store *st = ss_server_store(ss_req_server(req));
    ss_seal s;
    ss_unit u;
    int rc;

    memset(&s, 0, sizeof(s));
    if ((rc = ss_store_seal_get(st, es_id, &s, err)) == 0 &&
        (rc = ss_store_unit_get(st, s.unit_id, &u, err)) == 0)
        memcpy(code, u.code, SS_USCC_LEN + 1);
    ss_seal_clear(&s);
    return rc;
}

int ss__api_lic_seal(ss_req *req)
{
    ss_svc *svc = ss__api_svc(req);
    ss_svc_actor act = ss__api_actor(req);
    char qt[SS_LIC_CODE_MAX + 2], qe[SS_ES_ID_MAX + 2];
    const char *type, *es_id;
    char issuer[SS_USCC_LEN + 1];
    sc_ofd_sign_params pos;
    size_t len;
    const uint8_t *body = ss_req_body(req, &len);
    sc_err err = SC_ERR_INIT;
    int rc;

    if (svc == NULL)
        return ss__api_no_service(req);
    if (ss__api_q_str(req, "type", qt, sizeof(qt), 1, &type) != 0 ||
        ss__api_q_str(req, "es_id", qe, sizeof(qe), 1, &es_id) != 0)
        return 0;
    if (len == 0)
        return ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "the licence OFD is the body");
    memset(&pos, 0, sizeof(pos));
    pos.place = SC_OFD_PLACE_PAGE_XY;
    pos.page = 1;
    if ((rc = ss_svc_lic_type_seal_pos(svc, &act, type, &pos.x_mm, &pos.y_mm, &err)) != 0)
        return ss__api_reply_svc(req, rc, &err);
    if ((rc = issuer_of(req, es_id, issuer, &err)) != 0)
        return ss__api_reply_svc(req, rc, &err);
    if (check_metadata(req, body, len, type, es_id, issuer) != 0)
        return 0;
    return ss__api_stamp_ofd(req, svc, es_id, &pos, body, len);
}
