/* mid.c: digest states kept after a long prefix, so that messages which share one hash only
 * their own tail. A TBS_Sign is the whole seal (3-16 KB) followed by ~60 bytes that change
 * with each signature; SM3 at ~280 MB/s makes the seal ~11 us of every signature, twice
 * (the signature, then the SM3 of the SES_Signature that the server records).
 * A prefix is a head and a body. The head is always compared byte for byte; so is the body,
 * unless the owner declared it fixed (its own bytes, unchanged for the cache's life: a seal's
 * DER), when only its length is. Never a pointer or a hash: a kept state is only ever used
 * for exactly the bytes it absorbed.
 * Not here: what the prefixes are (ses/), the signing itself (sm2_signer.c). */
#include "crypto_int.h"

#include <stdlib.h>
#include <string.h>

void sc__mid_init(sc_mid *m, int body_fixed)
{
    memset(m, 0, sizeof(*m));
    pthread_mutex_init(&m->mu, NULL);
    m->body_fixed = body_fixed;
    m->nslots = body_fixed ? SC_MID_SLOTS_FIXED : SC_MID_SLOTS;
}

void sc__mid_free(sc_mid *m)
{
    if (m == NULL)
        return;
    for (int i = 0; i < m->nslots; i++) {
        EVP_MD_CTX_free(m->slot[i].ctx);
        free(m->slot[i].key);
    }
    pthread_mutex_destroy(&m->mu);
    memset(m, 0, sizeof(*m));
}

/* What a slot compares: the head, then the body unless it is fixed. */
static size_t key_len(const sc_mid *m, size_t hl, size_t bl)
{
    return m->body_fixed ? hl : hl + bl;
}

/* The slot holding exactly this prefix, or -1. Called under m->mu. */
static int find(const sc_mid *m, const uint8_t *head, size_t hl, const uint8_t *body,
                size_t bl)
{
    for (int i = 0; i < m->nslots; i++) {
        const sc_mid_slot *s = &m->slot[i];
        if (s->ctx == NULL || s->head_len != hl || s->body_len != bl ||
            memcmp(s->key, head, hl) != 0)
            continue;
        if (m->body_fixed || bl == 0 || memcmp(s->key + hl, body, bl) == 0)
            return i;
    }
    return -1;
}

/* A copy of the kept state for the prefix into out: 1 if there was one (a failed copy
 * counts as none: the caller hashes the prefix itself). */
static int from_kept(sc_mid *m, const uint8_t *head, size_t hl, const uint8_t *body,
                     size_t bl, EVP_MD_CTX *out)
{
    int i, got = 0;

    pthread_mutex_lock(&m->mu);   /* held while copying: a state is freed only under it */
    if ((i = find(m, head, hl, body, bl)) >= 0) {
        got = EVP_MD_CTX_copy_ex(out, m->slot[i].ctx) == 1;
        if (got) {
            m->slot[i].used = ++m->clock;
            m->hits++;
        }
    }
    pthread_mutex_unlock(&m->mu);
    return got;
}

/* The slot to fill: an empty one, else the least recently used. Called under m->mu. */
static int victim(const sc_mid *m)
{
    int v = 0;

    for (int i = 0; i < m->nslots; i++) {
        if (m->slot[i].ctx == NULL)
            return i;
        if (m->slot[i].used < m->slot[v].used)
            v = i;
    }
    return v;
}

/* Keep st (ours from here on) as the state after the prefix. */
static void keep(sc_mid *m, const uint8_t *head, size_t hl, const uint8_t *body, size_t bl,
                 EVP_MD_CTX *st)
{
    size_t kl = key_len(m, hl, bl);
    uint8_t *key = malloc(kl + 1);
    sc_mid_slot old = { NULL, 0, 0, NULL, 0 };
    int v;

    if (key == NULL) {
        EVP_MD_CTX_free(st);
        return;   /* nothing kept: the next message with this prefix hashes it again */
    }
    memcpy(key, head, hl);
    if (kl > hl)
        memcpy(key + hl, body, bl);
    pthread_mutex_lock(&m->mu);
    if (find(m, head, hl, body, bl) < 0) {   /* another thread may have kept it meanwhile */
        v = victim(m);
        old = m->slot[v];
        m->slot[v] = (sc_mid_slot){ key, hl, bl, st, ++m->clock };
        key = NULL;
        st = NULL;
    }
    pthread_mutex_unlock(&m->mu);
    free(key);
    EVP_MD_CTX_free(st);
    free(old.key);
    EVP_MD_CTX_free(old.ctx);
}

/* out: base (or a fresh SM3) after head and body. */
static int absorb(EVP_MD_CTX *out, const EVP_MD_CTX *base, const uint8_t *head, size_t hl,
                  const uint8_t *body, size_t bl)
{
    return (base != NULL ? EVP_MD_CTX_copy_ex(out, base)
                         : EVP_DigestInit_ex(out, sc_sm3_md(), NULL)) == 1 &&
           EVP_DigestUpdate(out, head, hl) == 1 &&
           (bl == 0 || EVP_DigestUpdate(out, body, bl) == 1);
}

EVP_MD_CTX *sc__mid_start(sc_mid *m, const EVP_MD_CTX *base, const uint8_t *head, size_t hl,
                          const uint8_t *body, size_t bl, int *why)
{
    EVP_MD_CTX *out = EVP_MD_CTX_new(), *st;
    int small = key_len(m, hl, bl) <= SC_MID_MAX_KEPT;

    if (out == NULL) {
        *why = SC_ENOMEM;
        return NULL;
    }
    if (small && from_kept(m, head, hl, body, bl, out))
        return out;
    if (!absorb(out, base, head, hl, body, bl)) {
        EVP_MD_CTX_free(out);
        *why = SC_ECRYPTO;
        return NULL;
    }
    /* kept as a copy: out goes on to absorb the caller's tail */
    if (small && (st = EVP_MD_CTX_new()) != NULL) {
        if (EVP_MD_CTX_copy_ex(st, out) == 1)
            keep(m, head, hl, body, bl, st);
        else
            EVP_MD_CTX_free(st);
    }
    return out;
}
