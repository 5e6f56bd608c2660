/* router.h: the table of endpoints and the match of (method, path) against it (ss_router_*).
 *
 * A route is a method, a path pattern whose segments are literal or "{name}" (one non-empty
 * segment), the roles that may call it, its largest accepted body and the Content-Type a body
 * must have. Matching is exact (no trailing-slash or case folding): an unknown path is 404, a
 * known path with another method is 405 with the methods that exist.
 *
 * A router is immutable once built except for ss_router_set_max_body(), which main calls
 * before the server starts; matching may then run in any number of threads. */
#ifndef SS_ROUTER_H
#define SS_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "sealcore/error.h"

#define SS_ROUTER_MAX_ROUTES 128
#define SS_ROUTER_MAX_PARAMS 4
#define SS_ROUTER_PARAM_MAX 256       /* bytes of one {param} segment, decoded */
#define SS_ROUTER_KEY_MAX 128         /* "METHOD /pattern" */

struct ss_req;                        /* request.h */
typedef int (*ss_handler_fn)(struct ss_req *req);

typedef struct ss_route {
    const char *method;               /* "GET", "POST", … */
    const char *pattern;              /* "/api/v1/seals/{esID}/status" */
    uint32_t roles;                   /* SS_ROLE_* bits (store.h) allowed; 0: no credential
                                         needed */
    size_t max_body;                  /* bytes; the config may override per route */
    const char *content_type;         /* media type a body must have ("application/json"),
                                         or several separated by ','; NULL: no body */
    ss_handler_fn handler;
} ss_route;

typedef struct ss_router ss_router;   /* opaque */

typedef struct ss_route_match {
    int status;                       /* 0 matched; 404; 405 */
    size_t index;                     /* the route's index when matched */
    const ss_route *route;            /* borrowed from the router; NULL unless matched */
    char allow[64];                   /* 405: "GET, POST" for the Allow header */
    size_t nparams;
    struct {
        const char *name;             /* borrowed from the router, without braces */
        size_t name_len;
        char value[SS_ROUTER_PARAM_MAX + 1];
    } params[SS_ROUTER_MAX_PARAMS];
} ss_route_match;

/** Build a router over routes (copied; the strings they point to must outlive the router).
 *  @return 0, SC_EINVAL (pattern not starting with '/', malformed {param}, more than
 *          SS_ROUTER_MAX_PARAMS, a duplicate METHOD+pattern, too many routes), SC_ENOMEM */
int ss_router_new(ss_router **out, const ss_route *routes, size_t n, sc_err *err);
void ss_router_free(ss_router *r);    /* NULL is a no-op */

size_t ss_router_count(const ss_router *r);
/** The i-th route (borrowed) and its effective body limit. */
const ss_route *ss_router_route(const ss_router *r, size_t i, size_t *max_body);

/** Set the body limit of the route named "METHOD /pattern" (exactly as in the table).
 *  @return 0, SC_ENOTFOUND (no such route; err names it), SC_EINVAL (a body-less route given a
 *          non-zero limit) */
int ss_router_set_max_body(ss_router *r, const char *key, size_t limit, sc_err *err);

/** Match a decoded path (no query string). Never fails: m->status says 0, 404 or 405; a
 *  {param} segment longer than SS_ROUTER_PARAM_MAX does not match (404). */
void ss_router_match(const ss_router *r, const char *method, const char *path,
                     ss_route_match *m);

/** The value of {name} in a match, or NULL. Borrowed from m. */
const char *ss_route_match_param(const ss_route_match *m, const char *name);

#endif
