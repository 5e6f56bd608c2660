/* svc_cache.c: the unlocked unit keys, per esID, in a bounded LRU cache.
 *
 * Why: a unit key is stored as PBES2-encrypted PKCS#8; opening it costs a PBKDF2 run and a
 * seal parse, several SM2 signatures' worth. Signers share one entry per seal (reference
 * counted), so a signature costs one SM2 signature plus a hash lookup.
 * Bounds: at most max entries; the least recently used leaves first. An entry that leaves (LRU
 * eviction, a suspension or revocation, ss_svc_free) is freed, and its key wiped by
 * sc_key_free, as soon as the last signer using it puts it back.
 * A drop counter closes the race between a loader that read "good" and a suspension that
 * dropped the seal meanwhile: such a loader's entry serves its own call only. */
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

static void insert(svc_cache *c, svc_entry *e, svc_entry **dead)
{
    svc_entry **b = &c->buckets[hash(e->es_id) & (c->nbuckets - 1)];

    e->hnext = *b;
    *b = e;
    e->linked = 1;
    lru_front(c, e);
    c->size++;
    while (c->size > c->max && c->tail != NULL && c->tail != e) {
        c->evictions++;
        unlink_entry(c, c->tail, dead);
    }
}

/* Read the seal, and only for a good one decrypt its key. */
static int load(ss_svc *svc, const char *es_id, svc_entry **out, int *status, sc_err *err)
{
    ss_seal s;
    ss_seal_key k;
    svc_entry *e = NULL;
    int rc;

    memset(&s, 0, sizeof(s));
    memset(&k, 0, sizeof(k));
    *out = NULL;
    if ((rc = ss_store_seal_get(svc->st, es_id, &s, err)) != 0)
        goto out;
    *status = s.status;
    if (s.status != SS_SEAL_GOOD)
        goto out;
    if (s.key_id == 0) {
        rc = sc_err_set(err, SC_EUNSUPPORTED, "seal %s: its key is not held by this server",
                        es_id);
        goto out;
    }
    if ((e = calloc(1, sizeof(*e))) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "key cache: out of memory");
        goto out;
    }
    snprintf(e->es_id, sizeof(e->es_id), "%s", es_id);
    e->seal_id = s.id;
    e->valid_start = s.valid_start;
    e->valid_end = s.valid_end;
    if ((rc = ss_store_key_get(svc->st, s.key_id, &k, err)) != 0 ||
        (rc = sc_key_soft_load(&e->key, k.pkcs8_pem, k.pkcs8_pem_len, svc->pass,
                               svc->pass_len, err)) != 0 ||
        (rc = sc_key_matches_cert(e->key, s.signer_cert, s.signer_cert_len, err)) != 0) {
        sc_err_prefix(err, "seal %s: unit key", es_id);
        goto out;
    }
    if ((rc = sc_ses_seal_parse(&e->seal, s.der, s.der_len, err)) != 0) {
        sc_err_prefix(err, "seal %s: stored seal", es_id);
        goto out;
    }
    e->cert = s.signer_cert;       /* taken over from the record */
    e->cert_len = s.signer_cert_len;
    s.signer_cert = NULL;
    *out = e;
    e = NULL;
out:
    entry_free(e);
    ss_seal_key_clear(&k);   /* wipes the encrypted PEM too */
    ss_seal_clear(&s);
    return rc;
}

int svc__cache_get(ss_svc *svc, const char *es_id, svc_entry **out, int *status,
                   sc_err *err)
{
    svc_cache *c = &svc->cache;
    svc_entry *e, *mine = NULL, *dead = NULL;
    uint64_t drops;
    int rc;

    *out = NULL;
    *status = SS_SEAL_GOOD;
    pthread_mutex_lock(&c->mu);
    if ((e = find(c, es_id)) != NULL) {
        e->refs++;
        lru_unlink(c, e);
        lru_front(c, e);
        c->hits++;
        pthread_mutex_unlock(&c->mu);
        *out = e;
        return 0;
    }
    c->misses++;
    drops = c->drops;
    pthread_mutex_unlock(&c->mu);

    /* outside the lock: a PBKDF2 run must not stall signers of other seals */
    if ((rc = load(svc, es_id, &mine, status, err)) != 0 || mine == NULL)
        return rc;
    pthread_mutex_lock(&c->mu);
    if ((e = find(c, es_id)) != NULL) {          /* another thread loaded it meanwhile */
        e->refs++;
        mine->hnext = dead;
        dead = mine;
    } else {
        e = mine;
        e->refs = 1;
        if (c->drops == drops)                   /* no suspension raced with our read */
            insert(c, e, &dead);
    }
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
    pthread_mutex_lock(&c->mu);
    if ((old = find(c, es_id)) != NULL)
        unlink_entry(c, old, &dead);
    insert(c, e, &dead);
    pthread_mutex_unlock(&c->mu);
    free_list(dead);
}

void svc__cache_drop(ss_svc *svc, const char *es_id)
{
    svc_cache *c = &svc->cache;
    svc_entry *e, *dead = NULL;

    pthread_mutex_lock(&c->mu);
    c->drops++;
    if ((e = find(c, es_id)) != NULL)
        unlink_entry(c, e, &dead);
    pthread_mutex_unlock(&c->mu);
    free_list(dead);
}
