/* router.c: endpoint table and path matching (router.h).
 * Not here: what happens after a match (server.c: auth, body limits, the handler).
 * Patterns are split into segments once, at build time; a match walks the path once per
 * route. With tens of routes a linear scan costs less than the TLS record it arrived in. */
#include "router.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SEGS 16

struct seg {
    const char *p;        /* into the route's pattern */
    size_t len;
    int is_param;         /* "{name}": p/len are the name without braces */
};

struct entry {
    ss_route route;
    size_t max_body;
    size_t nseg;
    struct seg seg[MAX_SEGS];
};

struct ss_router {
    size_t n;
    struct entry e[];
};

/* Split "/a/{b}/c" into segments; "/" has none. Empty segments ("//", trailing "/") are not
 * part of any pattern we write, so they are refused rather than given a meaning. */
static int split(const char *pattern, struct entry *e, sc_err *err)
{
    const char *p = pattern;
    size_t nparam = 0;

    if (p == NULL || p[0] != '/')
        return sc_err_set(err, SC_EINVAL, "route %s: pattern must start with '/'",
                          p != NULL ? p : "(null)");
    e->nseg = 0;
    if (strcmp(p, "/") == 0)
        return 0;
    while (*p == '/') {
        const char *s = p + 1, *end = strchr(s, '/');
        size_t len = end != NULL ? (size_t)(end - s) : strlen(s);
        struct seg *g;

        if (len == 0)
            return sc_err_set(err, SC_EINVAL, "route %s: empty path segment", pattern);
        if (e->nseg == MAX_SEGS)
            return sc_err_set(err, SC_EINVAL, "route %s: more than %d segments", pattern,
                              MAX_SEGS);
        g = &e->seg[e->nseg++];
        g->p = s;
        g->len = len;
        g->is_param = s[0] == '{';
        if (g->is_param) {
            if (len < 3 || s[len - 1] != '}' || memchr(s + 1, '{', len - 2) != NULL ||
                memchr(s + 1, '}', len - 2) != NULL)
                return sc_err_set(err, SC_EINVAL, "route %s: malformed {param}", pattern);
            if (++nparam > SS_ROUTER_MAX_PARAMS)
                return sc_err_set(err, SC_EINVAL, "route %s: more than %d parameters",
                                  pattern, SS_ROUTER_MAX_PARAMS);
            g->p = s + 1;
            g->len = len - 2;
        } else if (memchr(s, '{', len) != NULL || memchr(s, '}', len) != NULL) {
            return sc_err_set(err, SC_EINVAL, "route %s: '{' or '}' inside a literal segment",
                              pattern);
        }
        p = s + len;
    }
    return 0;
}

int ss_router_new(ss_router **out, const ss_route *routes, size_t n, sc_err *err)
{
    ss_router *r = NULL;
    int rc = 0;

    *out = NULL;
    if (n == 0 || n > SS_ROUTER_MAX_ROUTES) {
        rc = sc_err_set(err, SC_EINVAL, "router: %zu routes, allowed 1..%d", n,
                        SS_ROUTER_MAX_ROUTES);
        goto out;
    }
    if ((r = calloc(1, sizeof(*r) + n * sizeof(r->e[0]))) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "router: out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        struct entry *e = &r->e[i];

        if (routes[i].method == NULL || routes[i].handler == NULL) {
            rc = sc_err_set(err, SC_EINVAL, "route %zu: method and handler are required", i);
            goto out;
        }
        if (strlen(routes[i].method) + 1 + strlen(routes[i].pattern) > SS_ROUTER_KEY_MAX) {
            rc = sc_err_set(err, SC_EINVAL, "route %s: longer than %d characters",
                            routes[i].pattern, SS_ROUTER_KEY_MAX);
            goto out;
        }
        e->route = routes[i];
        e->max_body = routes[i].content_type != NULL ? routes[i].max_body : 0;
        if ((rc = split(routes[i].pattern, e, err)) != 0)
            goto out;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(r->e[j].route.method, e->route.method) == 0 &&
                strcmp(r->e[j].route.pattern, e->route.pattern) == 0) {
                rc = sc_err_set(err, SC_EINVAL, "route %s %s: defined twice",
                                e->route.method, e->route.pattern);
                goto out;
            }
        }
        r->n++;
    }
    *out = r;
    r = NULL;
out:
    ss_router_free(r);
    return rc;
}

void ss_router_free(ss_router *r)
{
    free(r);
}

size_t ss_router_count(const ss_router *r)
{
    return r->n;
}

const ss_route *ss_router_route(const ss_router *r, size_t i, size_t *max_body)
{
    if (i >= r->n)
        return NULL;
    if (max_body != NULL)
        *max_body = r->e[i].max_body;
    return &r->e[i].route;
}

int ss_router_set_max_body(ss_router *r, const char *key, size_t limit, sc_err *err)
{
    for (size_t i = 0; i < r->n; i++) {
        struct entry *e = &r->e[i];
        size_t ml = strlen(e->route.method);

        if (strncmp(key, e->route.method, ml) != 0 || key[ml] != ' ' ||
            strcmp(key + ml + 1, e->route.pattern) != 0)
            continue;
        if (e->route.content_type == NULL && limit != 0)
            return sc_err_set(err, SC_EINVAL, "\"%s\" takes no request body; its limit can "
                              "only be 0", key);
        e->max_body = limit;
        return 0;
    }
    return sc_err_set(err, SC_ENOTFOUND, "\"%s\" is not a route of this server (see "
                      "seal-server/README.md)", key);
}

/* Does path match e? Fills m's params when it does. */
static int match_entry(const struct entry *e, const char *path, ss_route_match *m)
{
    const char *p = path;
    size_t i = 0;

    m->nparams = 0;
    if (strcmp(path, "/") == 0)
        return e->nseg == 0;
    while (*p == '/') {
        const char *s = p + 1, *end = strchr(s, '/');
        size_t len = end != NULL ? (size_t)(end - s) : strlen(s);
        const struct seg *g;

        if (i == e->nseg || len == 0)
            return 0;
        g = &e->seg[i++];
        if (g->is_param) {
            if (len > SS_ROUTER_PARAM_MAX)
                return 0;
            m->params[m->nparams].name = g->p;
            m->params[m->nparams].name_len = g->len;
            memcpy(m->params[m->nparams].value, s, len);
            m->params[m->nparams].value[len] = '\0';
            m->nparams++;
        } else if (len != g->len || memcmp(s, g->p, len) != 0) {
            return 0;
        }
        p = s + len;
    }
    return *p == '\0' && i == e->nseg;
}

void ss_router_match(const ss_router *r, const char *method, const char *path,
                     ss_route_match *m)
{
    char allow[sizeof(m->allow)] = "";
    size_t used = 0;
    int path_known = 0;

    memset(m, 0, sizeof(*m));
    m->status = 404;
    if (path == NULL || path[0] != '/' || method == NULL)
        return;
    for (size_t i = 0; i < r->n; i++) {
        const struct entry *e = &r->e[i];
        size_t ml = strlen(e->route.method);

        if (!match_entry(e, path, m))     /* params land in m; ignored unless it matches */
            continue;
        if (strcmp(e->route.method, method) == 0) {
            m->status = 0;
            m->index = i;
            m->route = &e->route;
            return;
        }
        /* Same path, other method: remember it for the Allow header of a 405. */
        path_known = 1;
        if (used + 2 + ml < sizeof(allow)) {
            if (used > 0) {
                memcpy(allow + used, ", ", 2);
                used += 2;
            }
            memcpy(allow + used, e->route.method, ml);
            used += ml;
            allow[used] = '\0';
        }
    }
    m->nparams = 0;
    if (path_known) {
        m->status = 405;
        memcpy(m->allow, allow, used + 1);
    }
}

const char *ss_route_match_param(const ss_route_match *m, const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; i < m->nparams; i++)
        if (m->params[i].name_len == n && memcmp(m->params[i].name, name, n) == 0)
            return m->params[i].value;
    return NULL;
}
