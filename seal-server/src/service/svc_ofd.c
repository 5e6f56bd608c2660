/* svc_ofd.c: stamping OFD documents for an operator with a grant (sealcore/ofd_sign.h).
 *
 * sc_ofd_sign streams the signed package to a sink. Here that sink is a spool (memory up to
 * SPOOL_MEM_MAX, then an unlinked temporary file), because the package may leave only after
 * its grant use and audit record are committed: a failed commit must leave the client with
 * nothing (fail closed). The spool is hashed on the way in (the audit's out_sm3) and replayed
 * to the caller's sink after the commit. With an idempotency key the whole output is also the
 * stored response, so it is read into memory once (up to SS_IDEM_RESPONSE_MAX).
 * Not here: the grant and seal checks (svc_sign.c), the commit (svc_commit.c). */
#include "service_int.h"
#include "sealcore/hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#define SPOOL_MEM_MAX (4u * 1024 * 1024)   /* kept in memory; beyond, a temporary file */
#define SPOOL_CHUNK (256u * 1024)

typedef struct spool {
    uint8_t *mem;
    size_t len, cap;
    FILE *f;                 /* after the spill: everything is in the file */
    uint64_t total;
    EVP_MD_CTX *sm3;
} spool;

static int spool_sink(void *ctx, const uint8_t *p, size_t n, sc_err *err)
{
    spool *s = ctx;

    if (EVP_DigestUpdate(s->sm3, p, n) != 1)
        return sc_err_set(err, SC_ECRYPTO, "output spool: SM3 failed");
    s->total += n;
    if (s->f == NULL && s->len + n <= SPOOL_MEM_MAX) {
        if (s->len + n > s->cap) {
            size_t cap = s->cap != 0 ? s->cap : 64 * 1024;
            uint8_t *m;
            while (cap < s->len + n)
                cap *= 2;
            if ((m = realloc(s->mem, cap)) == NULL)
                return sc_err_set(err, SC_ENOMEM, "output spool: out of memory");
            s->mem = m;
            s->cap = cap;
        }
        memcpy(s->mem + s->len, p, n);
        s->len += n;
        return 0;
    }
    if (s->f == NULL) {     /* spill: a large document must not sit in memory */
        if ((s->f = tmpfile()) == NULL ||
            (s->len > 0 && fwrite(s->mem, 1, s->len, s->f) != s->len))
            return sc_err_set(err, SC_EIO, "output spool: cannot write a temporary file");
        free(s->mem);
        s->mem = NULL;
        s->len = s->cap = 0;
    }
    if (fwrite(p, 1, n, s->f) != n)
        return sc_err_set(err, SC_EIO, "output spool: cannot write the temporary file "
                          "(disk full?)");
    return 0;
}

static void spool_free(spool *s)
{
    free(s->mem);
    if (s->f != NULL)
        fclose(s->f);   /* unlinked since creation: gone with it */
    EVP_MD_CTX_free(s->sm3);
    memset(s, 0, sizeof(*s));
}

/* Send the spooled package to the caller's sink. */
static int spool_emit(spool *s, sc_ofd_sink sink, void *ctx, sc_err *err)
{
    uint8_t *buf;
    size_t n;
    int rc = 0;

    if (s->f == NULL) {
        for (size_t off = 0; off < s->len && rc == 0; off += n) {
            n = s->len - off < SPOOL_CHUNK ? s->len - off : SPOOL_CHUNK;
            rc = sink(ctx, s->mem + off, n, err);
        }
        return rc;
    }
    if (fflush(s->f) != 0 || fseek(s->f, 0, SEEK_SET) != 0)
        return sc_err_set(err, SC_EIO, "output spool: cannot read the temporary file back");
    if ((buf = malloc(SPOOL_CHUNK)) == NULL)
        return sc_err_set(err, SC_ENOMEM, "output spool: out of memory");
    while (rc == 0 && (n = fread(buf, 1, SPOOL_CHUNK, s->f)) > 0)
        rc = sink(ctx, buf, n, err);
    if (rc == 0 && ferror(s->f))
        rc = sc_err_set(err, SC_EIO, "output spool: cannot read the temporary file back");
    free(buf);
    return rc;
}

/* The whole output in memory, for the idempotency record. */
static int spool_bytes(spool *s, const uint8_t **p, size_t *n, sc_err *err)
{
    if (s->total > SS_IDEM_RESPONSE_MAX)
        return sc_err_set(err, SC_ELIMIT, "signed OFD: %llu bytes, more than an idempotent "
                          "response may hold (%u); sign it without an idempotency key",
                          (unsigned long long)s->total, SS_IDEM_RESPONSE_MAX);
    if (s->f != NULL) {
        uint8_t *m = malloc(s->total > 0 ? (size_t)s->total : 1);
        if (m == NULL)
            return sc_err_set(err, SC_ENOMEM, "output spool: out of memory");
        if (fflush(s->f) != 0 || fseek(s->f, 0, SEEK_SET) != 0 ||
            fread(m, 1, (size_t)s->total, s->f) != (size_t)s->total) {
            free(m);
            return sc_err_set(err, SC_EIO, "output spool: cannot read the temporary file back");
        }
        fclose(s->f);
        s->f = NULL;
        free(s->mem);
        s->mem = m;
        s->len = s->cap = (size_t)s->total;
    }
    *p = s->mem;
    *n = s->len;
    return 0;
}

static int emit_bytes(const uint8_t *p, size_t len, sc_ofd_sink sink, void *ctx, sc_err *err)
{
    int rc = 0;

    for (size_t off = 0, n; off < len && rc == 0; off += n) {
        n = len - off < SPOOL_CHUNK ? len - off : SPOOL_CHUNK;
        rc = sink(ctx, p + off, n, err);
    }
    return rc;
}

/* ---- request identity and audit details ------------------------------------------------ */

static uint64_t dbits(double d)
{
    uint64_t v;

    memcpy(&v, &d, sizeof(v));
    return v;
}

static int ofd_hash(const ss_svc_ofd_req *req, uint8_t out[32], sc_err *err)
{
    const sc_ofd_sign_params *p = req->pos;
    svc_hash h;
    int rc;

    if ((rc = svc__hash_begin(&h, "sign.ofd.v1", err)) != 0)
        return rc;
    svc__hash_str(&h, req->es_id);
    svc__hash_bytes(&h, req->doc_sm3, 32);
    svc__hash_u64(&h, (uint64_t)p->place);
    svc__hash_u64(&h, p->page);
    svc__hash_u64(&h, dbits(p->x_mm));
    svc__hash_u64(&h, dbits(p->y_mm));
    svc__hash_str(&h, p->keyword);
    svc__hash_u64(&h, (uint64_t)(int64_t)p->occurrence);
    svc__hash_u64(&h, p->riding);
    svc__hash_u64(&h, p->first_page);
    svc__hash_u64(&h, p->last_page);
    svc__hash_u64(&h, dbits(p->width_mm));
    svc__hash_u64(&h, dbits(p->height_mm));
    svc__hash_u64(&h, (uint64_t)p->lock);
    return svc__hash_end(&h, out, err);
}

/* Where the seal went, for the audit record. */
static json_t *position(const sc_ofd_sign_params *p)
{
    static const char *const sides[] = { "?", "right", "left", "both" };

    switch (p->place) {
    case SC_OFD_PLACE_PAGE_XY:
        return json_pack("{s:s, s:I, s:f, s:f}", "place", "page", "page", (json_int_t)p->page,
                         "x_mm", p->x_mm, "y_mm", p->y_mm);
    case SC_OFD_PLACE_KEYWORD:
        return json_pack("{s:s, s:s?, s:i}", "place", "keyword", "keyword", p->keyword,
                         "occurrence", p->occurrence);
    case SC_OFD_PLACE_RIDING:
        return json_pack("{s:s, s:s, s:I, s:I}", "place", "riding", "sides",
                         sides[p->riding <= 3 ? p->riding : 0], "first_page",
                         (json_int_t)p->first_page, "last_page", (json_int_t)p->last_page);
    }
    return json_pack("{s:i}", "place", (int)p->place);
}

static json_t *ofd_details(const sc_ofd_sign_params *p, const sc_ofd_sign_info *info,
                           const uint8_t out_sm3[32])
{
    char hex[65];
    json_t *d;

    if (info == NULL)       /* refused before stamping */
        return json_pack("{s:o}", "position", position(p));
    svc__hex(out_sm3, 32, hex);
    d = json_pack("{s:o, s:s, s:s, s:I, s:b, s:s}", "position", position(p),
                  "signature_id", info->id, "signature_xml", info->signature_xml,
                  "stamps", (json_int_t)info->stamps, "lock", p->lock != 0, "out_sm3", hex);
    return d;
}

/* ---- stamping -------------------------------------------------------------------------- */

int ss_svc_sign_ofd(ss_svc *svc, const ss_svc_actor *actor, const ss_svc_ofd_req *req,
                    const ss_svc_sign_opts *opts, sc_ofd_sink sink, void *sink_ctx,
                    sc_ofd_sign_info *info, int *replayed, sc_err *err)
{
    const char *key = opts != NULL ? opts->idem_key : NULL;
    sc_ofd_sign_info si;
    sc_ofd_sign_params p;
    svc_entry *e = NULL;
    uint8_t *resp = NULL, out_sm3[32];
    size_t resp_len = 0;
    unsigned int md_len = 0;
    spool sp = { 0 };
    svc_rec rec = { 0 };
    svc_job job = { 0 };
    int64_t now;
    int rc;

    memset(&si, 0, sizeof(si));
    if (info != NULL)
        memset(info, 0, sizeof(*info));
    if (replayed != NULL)
        *replayed = 0;
    if ((rc = svc__check_sign(actor, opts, err)) != 0)
        return rc;
    if (req == NULL || req->pkg == NULL || req->doc_sm3 == NULL || req->pos == NULL ||
        sink == NULL)
        return sc_err_set(err, SC_EINVAL, "sign OFD: the package, its SM3, the position and "
                          "a sink are required");
    if ((rc = svc__check_token("esID", req->es_id, SS_ES_ID_MAX, err)) != 0)
        return rc;
    if (key != NULL) {
        if ((rc = ofd_hash(req, job.req_hash, err)) != 0)
            return rc;
        if ((rc = svc__idem_lookup(svc, actor->client_id, key, job.req_hash, &resp, &resp_len,
                                   err)) != 0) {
            if (rc == 1) {
                atomic_fetch_add(&svc->n_replays, 1);
                if (replayed != NULL)
                    *replayed = 1;
                rc = emit_bytes(resp, resp_len, sink, sink_ctx, err);
            }
            free(resp);
            return rc;
        }
    }
    now = svc__now(svc);
    if ((rc = svc__sign_prepare(svc, actor->client_id, "sign.ofd", req->es_id, req->doc_sm3,
                                now, &rec, &e, err)) != 0)
        return rc;
    if (e != NULL) {
        p = *req->pos;     /* the position is the caller's; what signs is ours */
        p.seal = e->seal;
        p.key = e->key;
        p.cert = e->cert;
        p.cert_len = e->cert_len;
        p.sign_time = now;
        p.provider = NULL;
        p.version = NULL;
        p.company = NULL;
        p.tsa = svc->tsa;
        p.tsa_ctx = svc->tsa_ctx;
        if ((sp.sm3 = EVP_MD_CTX_new()) == NULL ||
            EVP_DigestInit_ex(sp.sm3, sc_sm3_md(), NULL) != 1) {
            rc = sc_err_set(err, SC_ECRYPTO, "sign OFD: SM3 unavailable");
            goto out;
        }
        rc = sc_ofd_sign(req->pkg, &p, spool_sink, &sp, &si, err);
        svc__cache_put(svc, e);
        e = NULL;
        if (rc != 0)
            goto out;
        if (EVP_DigestFinal_ex(sp.sm3, out_sm3, &md_len) != 1) {
            rc = sc_err_set(err, SC_ECRYPTO, "sign OFD: SM3 failed");
            goto out;
        }
        if (key != NULL && (rc = spool_bytes(&sp, &job.resp, &job.resp_len, err)) != 0)
            goto out;
    }
    if ((rec.extra = ofd_details(req->pos, rec.kind == SVC_REC_REFUSAL ? NULL : &si,
                                 out_sm3)) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "sign OFD: cannot describe the position");
        goto out;
    }
    if ((rc = svc__commit_one(svc, &job, &rec, actor, opts, SVC_RESP_BYTES, err)) == 0 &&
        job.replayed) {
        if (replayed != NULL)
            *replayed = 1;
        rc = emit_bytes(job.replay, job.replay_len, sink, sink_ctx, err);
    } else if (rc == 0) {
        /* committed: now, and only now, the package leaves */
        rc = spool_emit(&sp, sink, sink_ctx, err);
        if (info != NULL)
            *info = si;
    }
out:
    svc__cache_put(svc, e);
    json_decref(rec.extra);
    free(job.replay);
    spool_free(&sp);
    return rc;
}
