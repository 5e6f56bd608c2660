/* svc_lic_types.c: licence types kept parsed between requests (service_int.h, svc__ltype_*).
 * A type's template and files never change once it is added (only its disabled flag does,
 * and that is read from its row on every request), so its template is parsed and its files
 * loaded once, not per request: the parse alone took ~0.3 ms, a third of issuing one licence,
 * on every POST /licenses, re-issue and licence stamping. Entries are shared read-only (a
 * batch's makers already share one) and counted: the cache holds one reference, each open
 * issuing context another, and an entry evicted while in use goes when its last user is done.
 * Not here: the issuing context (svc_license.c). */
#include "service_int.h"

#include <stdlib.h>
#include <string.h>

struct svc_ltype {
    int64_t type_id;              /* the row's id: a code added again is another type */
    size_t bytes;                 /* its template and files, roughly: the cache's budget */
    sc_lic_template *tmpl;
    sc_lic_file *files;           /* names and data owned here */
    size_t nfiles;
    unsigned refs;                /* under the cache's lock */
    uint64_t used;                /* the tick of its last use: the least recent goes first */
};

static void ltype_free(svc_ltype *e)
{
    if (e == NULL)
        return;
    for (size_t i = 0; e->files != NULL && i < e->nfiles; i++) {
        free((char *)e->files[i].name);
        free((uint8_t *)e->files[i].data);
    }
    free(e->files);
    sc_lic_template_free(e->tmpl);
    free(e);
}

static int copy_file(void *ctx, const ss_lic_type_file *f)
{
    svc_ltype *e = ctx;
    sc_lic_file *d;
    char *name = NULL;
    uint8_t *data = NULL;

    if (e->nfiles >= SS_LIC_TYPE_FILES_MAX)
        return SC_ELIMIT;
    if ((name = strdup(f->name)) == NULL || (data = malloc(f->len > 0 ? f->len : 1)) == NULL) {
        free(name);
        return SC_ENOMEM;
    }
    memcpy(data, f->data, f->len);
    e->bytes += f->len;
    d = &e->files[e->nfiles++];
    d->name = name;
    d->data = data;
    d->len = f->len;
    return 0;
}

/* A new entry for t: its template parsed, its files loaded (refs 0). */
static int ltype_load(ss_svc *svc, const ss_lic_type *t, svc_ltype **out, sc_err *err)
{
    svc_ltype *e = calloc(1, sizeof(*e));
    int rc;

    *out = NULL;
    if (e == NULL || (e->files = calloc(SS_LIC_TYPE_FILES_MAX, sizeof(*e->files))) == NULL) {
        free(e);
        return sc_err_set(err, SC_ENOMEM, "licence: out of memory");
    }
    e->type_id = t->id;
    e->bytes = 4 * t->tmpl_len;       /* the parsed template: a few times its XML */
    if ((rc = sc_lic_template_parse(&e->tmpl, t->tmpl, t->tmpl_len, err)) != 0)
        rc = sc_err_prefix(err, "licence type %s: stored template", t->code);
    else if ((rc = ss_store_lic_type_files(svc->st, t->code, copy_file, e, err)) != 0)
        rc = sc_err_set(err, rc, "licence type %s: cannot load its files", t->code);
    if (rc != 0) {
        ltype_free(e);
        return rc;
    }
    *out = e;
    return 0;
}

/* The cached entry of type_id, or NULL; under the lock. */
static svc_ltype *find(svc_ltypes *c, int64_t type_id)
{
    for (size_t i = 0; i < SVC_LTYPES_MAX; i++)
        if (c->e[i] != NULL && c->e[i]->type_id == type_id)
            return c->e[i];
    return NULL;
}

/* The least recently used entry out of the cache (under the lock); returned when that was
 * its last reference, to be freed once the lock is let go. */
static svc_ltype *evict_one(svc_ltypes *c)
{
    size_t at = SVC_LTYPES_MAX;
    svc_ltype *e;

    for (size_t i = 0; i < SVC_LTYPES_MAX; i++)
        if (c->e[i] != NULL && (at == SVC_LTYPES_MAX || c->e[i]->used < c->e[at]->used))
            at = i;
    if (at == SVC_LTYPES_MAX)
        return NULL;
    e = c->e[at];
    c->e[at] = NULL;
    c->bytes -= e->bytes;
    return --e->refs == 0 ? e : NULL;
}

/* e into the cache, which takes a reference, making room by count and by bytes (under the
 * lock); a type larger than the whole budget is not kept (its caller's reference is its
 * only one): a CJK font file can be 20 MB, and a type that carries one is the one most
 * worth keeping. Entries to free once the lock is let go go to out[0..SVC_LTYPES_MAX). */
static void insert(svc_ltypes *c, svc_ltype *e, svc_ltype **out)
{
    size_t n = 0, free_at = SVC_LTYPES_MAX;

    if (e->bytes > SVC_LTYPES_BYTES)
        return;
    for (;;) {
        free_at = SVC_LTYPES_MAX;
        for (size_t i = 0; i < SVC_LTYPES_MAX && free_at == SVC_LTYPES_MAX; i++)
            if (c->e[i] == NULL)
                free_at = i;
        if (free_at != SVC_LTYPES_MAX && c->bytes + e->bytes <= SVC_LTYPES_BYTES)
            break;
        if ((out[n] = evict_one(c)) != NULL)
            n++;
    }
    c->e[free_at] = e;
    c->bytes += e->bytes;
    e->refs++;
}

int svc__ltype_get(ss_svc *svc, const ss_lic_type *t, svc_ltype **out,
                   const sc_lic_template **tmpl, const sc_lic_file **files, size_t *nfiles,
                   sc_err *err)
{
    svc_ltypes *c = &svc->ltypes;
    svc_ltype *e, *made = NULL;
    int rc;

    *out = NULL;
    pthread_mutex_lock(&c->mu);
    if ((e = find(c, t->id)) != NULL) {
        e->refs++;
        e->used = ++c->tick;
        c->hits++;
    }
    pthread_mutex_unlock(&c->mu);
    if (e == NULL) {
        /* parsed without the lock; a request that loaded the same type meanwhile wins */
        if ((rc = ltype_load(svc, t, &made, err)) != 0)
            return rc;
        svc_ltype *gone[SVC_LTYPES_MAX] = { NULL };
        pthread_mutex_lock(&c->mu);
        if ((e = find(c, t->id)) == NULL) {
            e = made;
            made = NULL;
            insert(c, e, gone);
        }
        e->refs++;
        e->used = ++c->tick;
        c->misses++;
        pthread_mutex_unlock(&c->mu);
        ltype_free(made);
        for (size_t i = 0; i < SVC_LTYPES_MAX; i++)
            ltype_free(gone[i]);
    }
    *out = e;
    *tmpl = e->tmpl;
    *files = e->files;
    *nfiles = e->nfiles;
    return 0;
}

void svc__ltype_put(ss_svc *svc, svc_ltype *e)
{
    svc_ltypes *c = &svc->ltypes;
    int last;

    if (e == NULL)
        return;
    pthread_mutex_lock(&c->mu);
    last = --e->refs == 0;
    pthread_mutex_unlock(&c->mu);
    if (last)
        ltype_free(e);
}

void svc__ltypes_init(svc_ltypes *c)
{
    memset(c, 0, sizeof(*c));
    pthread_mutex_init(&c->mu, NULL);
}

/* At ss_svc_free, after every request has ended: no context holds an entry any more. */
void svc__ltypes_free(svc_ltypes *c)
{
    for (size_t i = 0; i < SVC_LTYPES_MAX; i++)
        if (c->e[i] != NULL && --c->e[i]->refs == 0)
            ltype_free(c->e[i]);
    pthread_mutex_destroy(&c->mu);
    memset(c, 0, sizeof(*c));
}
