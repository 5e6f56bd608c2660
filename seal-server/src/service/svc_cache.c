/* svc_cache.c: the unlocked unit keys, per esID, in a bounded LRU cache.
 *
 * Why: a unit key is stored as PBES2-encrypted PKCS#8; opening it costs a PBKDF2 run and a
 * seal parse, several SM2 signatures' worth. Signers share one entry per seal (reference
 * counted), so a signature costs one SM2 signature plus a hash lookup.
 * Bounds: at most max entries; the least recently used leaves first. An entry that leaves (LRU
 * eviction, a suspension or revocation, ss_svc_free) is freed, and its key wiped by
 * sc_key_free, as soon as the last signer using it puts it back.
 * A miss puts a loading entry in the table before the store is read, so the signers asking
 * meanwhile wait for that one load (one PBKDF2 per seal, however many ask at once), and a
 * suspension committed meanwhile drops that entry: the loader's result then serves only the
 * calls that were already waiting for it (their signatures are rechecked at commit). */
#include "service_int.h"

#include <stdlib.h>
#include <string.h>

static size_t hash(const char *s)
{
    size_t h = 14695981039346656037ull;   /* FNV-1a */

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void entry_free(svc_entry *e)
{
    if (e == NULL)
        return;
    sc_key_free(e->key);   /* wipes the private scalar */
    sc_ses_seal_free(e->seal);
    free(e->cert);
    free(e);
}

static void free_list(svc_entry *e)
{
    while (e != NULL) {
        svc_entry *next = e->hnext;
        entry_free(e);
        e = next;
    }
}

int svc__cache_init(svc_cache *c, unsigned max, sc_err *err)
{
    memset(c, 0, sizeof(*c));
    c->max = max;
    for (c->nbuckets = 16; c->nbuckets < 2 * (size_t)max; c->nbuckets *= 2)
        ;
    if ((c->buckets = calloc(c->nbuckets, sizeof(*c->buckets))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "key cache: out of memory");
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->loaded, NULL);
    return 0;
}

void svc__cache_destroy(svc_cache *c)
{
    svc_entry *e, *next;

    if (c->buckets == NULL)
        return;
    for (e = c->head; e != NULL; e = next) {
        next = e->next;
        entry_free(e);
    }
    free(c->buckets);
    c->buckets = NULL;
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->loaded);
}

static svc_entry *find(svc_cache *c, const char *es_id)
{
    svc_entry *e = c->buckets[hash(es_id) & (c->nbuckets - 1)];

    while (e != NULL && strcmp(e->es_id, es_id) != 0)
        e = e->hnext;
    return e;
}

static void lru_unlink(svc_cache *c, svc_entry *e)
{
    if (e->prev != NULL)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next != NULL)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_front(svc_cache *c, svc_entry *e)
{
    e->next = c->head;
    e->prev = NULL;
    if (c->head != NULL)
        c->head->prev = e;
    c->head = e;
    if (c->tail == NULL)
        c->tail = e;
}

/* Take e out of the table; chain it onto *dead when nobody uses it (freed after unlock). */
static void unlink_entry(svc_cache *c, svc_entry *e, svc_entry **dead)
{
    svc_entry **pp = &c->buckets[hash(e->es_id) & (c->nbuckets - 1)];

    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    lru_unlink(c, e);
    e->linked = 0;
    e->hnext = NULL;
    c->size--;
    if (e->refs == 0) {
        e->hnext = *dead;
        *dead = e;
    }
}

static void link_entry(svc_cache *c, svc_entry *e)
{
    svc_entry **b = &c->buckets[hash(e->es_id) & (c->nbuckets - 1)];

    e->hnext = *b;
    *b = e;
    e->linked = 1;
    lru_front(c, e);
    c->size++;
}

/* Back within max, least recently used first, keeping e (just made ready). Only a key that
 * opened makes room: a request for a seal that turns out suspended evicts nothing. */
static void evict(svc_cache *c, svc_entry *e, svc_entry **dead)
{
    while (c->size > c->max && c->tail != NULL && c->tail != e) {
        c->evictions++;
        unlink_entry(c, c->tail, dead);
    }
}

/* Read the seal into e, and only for a good one decrypt its key. On failure, or for a seal
 * that is not good, e holds nothing. */
static int load(ss_svc *svc, svc_entry *e, int *status, sc_err *err)
{
    ss_seal s;
    ss_seal_key k;
    int rc;

    memset(&s, 0, sizeof(s));
    memset(&k, 0, sizeof(k));
    if ((rc = ss_store_seal_get(svc->st, e->es_id, &s, err)) != 0)
        goto out;
    *status = s.status;
    if (s.status != SS_SEAL_GOOD)
        goto out;
    if (s.key_id == 0) {
        rc = sc_err_set(err, SC_EUNSUPPORTED, "seal %s: its key is not held by this server",
                        e->es_id);
        goto out;
    }
    e->seal_id = s.id;
    e->valid_start = s.valid_start;
    e->valid_end = s.valid_end;
    if ((rc = ss_store_key_get(svc->st, s.key_id, &k, err)) != 0 ||
        (rc = sc_key_soft_load(&e->key, k.pkcs8_pem, k.pkcs8_pem_len, svc->pass,
                               svc->pass_len, err)) != 0 ||
        (rc = sc_key_matches_cert(e->key, s.signer_cert, s.signer_cert_len, err)) != 0) {
        sc_err_prefix(err, "seal %s: unit key", e->es_id);
        goto out;
    }
    if ((rc = sc_ses_seal_parse(&e->seal, s.der, s.der_len, err)) != 0) {
        sc_err_prefix(err, "seal %s: stored seal", e->es_id);
        goto out;
    }
    e->cert = s.signer_cert;       /* taken over from the record */
    e->cert_len = s.signer_cert_len;
    s.signer_cert = NULL;
out:
    if (rc != 0) {
        sc_key_free(e->key);       /* wipes it */
        e->key = NULL;
    }
    ss_seal_key_clear(&k);   /* wipes the encrypted PEM too */
    ss_seal_clear(&s);
    return rc;
}

/* Give back the reference on an entry that cannot sign, with its load's answer. */
static int not_ready(svc_cache *c, svc_entry *e, int *status, sc_err *err)
{
    int rc = e->load_rc, last;

    *status = e->load_status;
    if (rc != 0)
        sc_err_set(err, rc, "%s", e->load_err.msg);
    last = --e->refs == 0 && !e->linked;
    pthread_mutex_unlock(&c->mu);
    if (last)
        entry_free(e);
    return rc;
}

int svc__cache_get(ss_svc *svc, const char *es_id, svc_entry **out, int *status,
                   sc_err *err)
{
    svc_cache *c = &svc->cache;
    svc_entry *e, *dead = NULL;
    sc_err le = SC_ERR_INIT;
    int rc;

    *out = NULL;
    *status = SS_SEAL_GOOD;
    pthread_mutex_lock(&c->mu);
    if ((e = find(c, es_id)) != NULL) {
        e->refs++;
        lru_unlink(c, e);
        lru_front(c, e);
        c->hits++;
        while (e->loading)   /* another signer is opening this key: its load serves us too */
            pthread_cond_wait(&c->loaded, &c->mu);
        if (!e->ready)
            return not_ready(c, e, status, err);
        pthread_mutex_unlock(&c->mu);
        *out = e;
        return 0;
    }
    if ((e = calloc(1, sizeof(*e))) == NULL) {
        pthread_mutex_unlock(&c->mu);
        return sc_err_set(err, SC_ENOMEM, "key cache: out of memory");
    }
    c->misses++;
    snprintf(e->es_id, sizeof(e->es_id), "%s", es_id);
    e->refs = 1;
    e->loading = 1;
    link_entry(c, e);
    pthread_mutex_unlock(&c->mu);

    /* outside the lock: a PBKDF2 run must not stall signers of other seals */
    rc = load(svc, e, status, &le);
    pthread_mutex_lock(&c->mu);
    e->loading = 0;
    e->ready = rc == 0 && *status == SS_SEAL_GOOD;
    e->load_rc = rc;
    e->load_status = *status;
    e->load_err = le;
    pthread_cond_broadcast(&c->loaded);
    if (!e->ready) {
        if (e->linked)           /* nothing to keep: the next request reads the store again */
            unlink_entry(c, e, &dead);   /* we hold e: never chained onto dead */
        return not_ready(c, e, status, err);
    }
    if (e->linked)
        evict(c, e, &dead);
    pthread_mutex_unlock(&c->mu);
    free_list(dead);
    *out = e;
    return 0;
}

void svc__cache_put(ss_svc *svc, svc_entry *e)
{
    svc_cache *c = &svc->cache;
    int last;

    if (e == NULL)
        return;
    pthread_mutex_lock(&c->mu);
    last = --e->refs == 0 && !e->linked;
    pthread_mutex_unlock(&c->mu);
    if (last)
        entry_free(e);
}

void svc__cache_add(ss_svc *svc, const char *es_id, int64_t seal_id, int64_t valid_start,
                    int64_t valid_end, sc_ses_seal *seal, sc_key *key, uint8_t *cert,
                    size_t cert_len)
{
    svc_cache *c = &svc->cache;
    svc_entry *e = calloc(1, sizeof(*e)), *old, *dead = NULL;

    if (e == NULL) {             /* only a missed shortcut: the first signer loads it */
        sc_ses_seal_free(seal);
        sc_key_free(key);
        free(cert);
        return;
    }
    snprintf(e->es_id, sizeof(e->es_id), "%s", es_id);
    e->seal_id = seal_id;
    e->valid_start = valid_start;
    e->valid_end = valid_end;
    e->seal = seal;
    e->key = key;
    e->cert = cert;
    e->cert_len = cert_len;
    e->ready = 1;
    pthread_mutex_lock(&c->mu);
    if ((old = find(c, es_id)) != NULL)
        unlink_entry(c, old, &dead);
    link_entry(c, e);
    evict(c, e, &dead);
    pthread_mutex_unlock(&c->mu);
    free_list(dead);
}

void svc__cache_drop(ss_svc *svc, const char *es_id)
{
    svc_cache *c = &svc->cache;
    svc_entry *e, *dead = NULL;

    pthread_mutex_lock(&c->mu);
    if ((e = find(c, es_id)) != NULL)
        unlink_entry(c, e, &dead);
    pthread_mutex_unlock(&c->mu);
    free_list(dead);
}
