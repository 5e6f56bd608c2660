/* store_client_cache.c: the API clients that authenticated lately, by credential, and the
 * unlimited grants signed with lately, so that a sign request reads nothing from the store
 * before it signs (ss_store_client_by_token_hash, ss_store_client_by_cert,
 * ss_store_grant_get_cached on a root handle).
 *
 * Why: on a busy server the signing commits land every few requests, and each makes the next
 * read start a new read transaction with its pages read again: the token's lookup and then
 * the grant's took ~2.5% of the server's CPU a sign/data request each (perf, bench_https).
 * Validity: a generation on the root handle moves after every committed change to a client
 * (add, disable or enable, token) or a grant (add, delete) made through the store, after the
 * commit, and a lookup keeps what it read only if the generation has not moved since it
 * began: a result read before a change cannot be kept after it. Entries of another generation
 * are misses. Counting a grant's use does not move it: only grants without a use limit are
 * kept, and the count is checked and taken at the commit (ss_store_grant_use).
 * Only what was found (and for clients, enabled) is kept: an unknown credential costs what it
 * did. An entry also lapses TTL_NS after it was read, so that a change made by another
 * process (which moves no generation here) is seen within that time.
 * Assumes this process is the only writer of clients while it runs: true for seal-server
 * (`sealctl init` writes the first client before any server runs; the CLI goes through the
 * API otherwise). A backend shared by several servers would need its own signal. */
#include "store_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#define SLOTS 128   /* direct-mapped: a province has a few hundred clients, most of them idle */
#define TTL_NS 1000000000LL   /* one read a credential a second at most, however busy */

typedef struct slot {
    int used, kind;
    uint64_t gen;
    int64_t read_ns;          /* CLOCK_MONOTONIC when the store was read */
    uint8_t key[32];
    union {
        ss_client c;
        ss_grant g;
    } v;
} slot;

struct ss__ccache {
    pthread_mutex_t mu;
    atomic_uint_fast64_t gen;
    slot slots[SLOTS];
};

static int64_t mono_ns(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int ss__ccache_new(ss__ccache **out)
{
    ss__ccache *c = calloc(1, sizeof(*c));

    *out = NULL;
    if (c == NULL)
        return SC_ENOMEM;
    pthread_mutex_init(&c->mu, NULL);
    atomic_init(&c->gen, 1);
    *out = c;
    return 0;
}

void ss__ccache_free(ss__ccache *c)
{
    if (c == NULL)
        return;
    pthread_mutex_destroy(&c->mu);
    OPENSSL_cleanse(c->slots, sizeof(c->slots));   /* token hashes: not secrets, not kept */
    free(c);
}

uint64_t ss__ccache_gen(ss__ccache *c, int64_t *read_ns)
{
    /* the clock before the store is read: an entry lapses a second after its data was read */
    if (read_ns != NULL)
        *read_ns = mono_ns();
    return c != NULL ? (uint64_t)atomic_load(&c->gen) : 0;
}

static slot *slot_for(ss__ccache *c, int kind, const uint8_t key[32])
{
    return &c->slots[(key[0] ^ (unsigned)kind * 31u) % SLOTS];
}

int ss__ccache_get(ss__ccache *c, int kind, const uint8_t key[32], void *out, size_t n)
{
    int64_t now;
    uint64_t gen = ss__ccache_gen(c, &now);
    int hit = 0;
    slot *s;

    if (c == NULL)
        return 0;
    s = slot_for(c, kind, key);
    pthread_mutex_lock(&c->mu);
    if (s->used && s->kind == kind && s->gen == gen && now - s->read_ns < TTL_NS &&
        CRYPTO_memcmp(s->key, key, 32) == 0) {
        memcpy(out, &s->v, n < sizeof(s->v) ? n : sizeof(s->v));
        hit = 1;
    }
    pthread_mutex_unlock(&c->mu);
    return hit;
}

void ss__ccache_put(ss__ccache *c, int kind, const uint8_t key[32], uint64_t gen,
                    int64_t read_ns, const void *in, size_t n)
{
    slot *s;

    if (c == NULL || n > sizeof(s->v))
        return;
    s = slot_for(c, kind, key);
    pthread_mutex_lock(&c->mu);
    /* under the lock: a change bumps after its commit, so a lookup that began before it sees
     * the bump here and keeps nothing */
    if ((uint64_t)atomic_load(&c->gen) == gen) {
        s->used = 1;
        s->kind = kind;
        s->gen = gen;
        s->read_ns = read_ns;
        memcpy(s->key, key, 32);
        memcpy(&s->v, in, n);
    }
    pthread_mutex_unlock(&c->mu);
}

void ss__ccache_grant_key(int64_t client_id, const char *es_id, uint8_t key[32])
{
    uint64_t h = 14695981039346656037ull;   /* FNV-1a: picks the slot; the hit is compared */

    memset(key, 0, 32);
    memcpy(key + 8, &client_id, 8);
    for (const char *p = es_id; *p != '\0'; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h ^= (uint64_t)client_id * 0x9e3779b97f4a7c15ull;
    memcpy(key, &h, 8);
}

void ss__ccache_changed(ss_store *st, int committed)
{
    if (!committed) {          /* inside a transaction: at its end */
        st->clients_dirty = 1;
        return;
    }
    if (st->ccache != NULL)
        atomic_fetch_add(&st->ccache->gen, 1);
}
