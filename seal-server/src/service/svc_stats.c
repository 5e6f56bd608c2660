/* svc_stats.c: signatures and refusals counted per seal since the start, for /metrics
 * ("signatures per seal", issue 5). Only the committer thread adds, after its transaction
 * committed, so a count never includes a signature that was rolled back; /metrics reads under
 * the same mutex. A province has ~15,000 seals: the table is bounded (SVC_SEAL_STATS_MAX) and
 * seals past the bound are counted together, so a flood of made-up esIDs cannot grow it. */
#include "service_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct svc_seal_count {
    struct svc_seal_count *next;
    size_t hash;                  /* of es_id: kept, so growing the table rehashes nothing */
    uint64_t sigs, refusals;
    char es_id[SS_ES_ID_MAX + 1];
};

void svc__stats_init(svc_stats *s)
{
    memset(s, 0, sizeof(*s));
    pthread_mutex_init(&s->mu, NULL);
}

void svc__stats_destroy(svc_stats *s)
{
    for (size_t b = 0; b < s->nbuckets; b++)
        for (struct svc_seal_count *c = s->buckets[b], *next; c != NULL; c = next) {
            next = c->next;
            free(c);
        }
    free(s->buckets);
    pthread_mutex_destroy(&s->mu);
}

static size_t hash(const char *s)
{
    size_t h = 14695981039346656037u;   /* FNV-1a */

    while (*s != '\0')
        h = (h ^ (unsigned char)*s++) * 1099511628211u;
    return h;
}

/* Doubles the table; on failure the old one stays (counting goes on, slower). */
static void grow(svc_stats *s)
{
    size_t n = s->nbuckets != 0 ? s->nbuckets * 2 : 256;
    struct svc_seal_count **b = calloc(n, sizeof(*b));

    if (b == NULL)
        return;
    for (size_t i = 0; i < s->nbuckets; i++)
        for (struct svc_seal_count *c = s->buckets[i], *next; c != NULL; c = next) {
            next = c->next;
            c->next = b[c->hash & (n - 1)];
            b[c->hash & (n - 1)] = c;
        }
    free(s->buckets);
    s->buckets = b;
    s->nbuckets = n;
}

static struct svc_seal_count *find_or_add(svc_stats *s, const char *es_id)
{
    size_t h = hash(es_id);
    struct svc_seal_count *c, **head;

    if (s->count >= s->nbuckets && s->count < SVC_SEAL_STATS_MAX)
        grow(s);
    if (s->nbuckets == 0)
        return NULL;
    head = &s->buckets[h & (s->nbuckets - 1)];
    for (c = *head; c != NULL; c = c->next)
        if (c->hash == h && strcmp(c->es_id, es_id) == 0)
            return c;
    if (s->count >= SVC_SEAL_STATS_MAX || (c = calloc(1, sizeof(*c))) == NULL)
        return NULL;
    snprintf(c->es_id, sizeof(c->es_id), "%s", es_id);
    c->hash = h;
    c->next = *head;
    *head = c;
    s->count++;
    return c;
}

void svc__stats_add(svc_stats *s, const char *es_id, int signed_ok)
{
    struct svc_seal_count *c;
    uint64_t *n;

    pthread_mutex_lock(&s->mu);
    c = find_or_add(s, es_id);
    if (c != NULL)
        n = signed_ok ? &c->sigs : &c->refusals;
    else
        n = signed_ok ? &s->other_sigs : &s->other_refusals;
    (*n)++;
    pthread_mutex_unlock(&s->mu);
}

void ss_svc_seal_counts(ss_svc *svc, ss_svc_seal_count_cb cb, void *ctx)
{
    svc_stats *s = &svc->seal_stats;

    pthread_mutex_lock(&s->mu);
    for (size_t b = 0; b < s->nbuckets; b++)
        for (const struct svc_seal_count *c = s->buckets[b]; c != NULL; c = c->next)
            cb(ctx, c->es_id, c->sigs, c->refusals);
    if (s->other_sigs != 0 || s->other_refusals != 0)
        cb(ctx, NULL, s->other_sigs, s->other_refusals);
    pthread_mutex_unlock(&s->mu);
}
