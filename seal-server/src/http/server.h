/* server.h: the HTTPS server on CivetWeb (ss_server_*).
 *
 * Life cycle: ss_server_new (routes, metrics) and ss_server_load_tls (start-up errors are
 * reported by these, before a socket is opened) → ss_server_start (listen; workers run
 * handlers) → ss_server_drain (refuse new requests with 503, let the running ones finish) →
 * ss_server_free (stop CivetWeb and free). Drain before free: CivetWeb 1.15's mg_stop() makes
 * every mg_write of a running handler a no-op from the moment it is called (push_all checks
 * the stop flag), so a request in flight at mg_stop() loses its response (README.md).
 *
 * Per request, in this order: route (404, 405) → draining (503) → authentication (401, 403)
 * → Content-Type (415) → body size (413, decided from Content-Length before reading when
 * there is one) → handler. Every response carries X-Request-Id; every request gets one JSON
 * log line and is counted in the metrics. */
#ifndef SS_SERVER_H
#define SS_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "sealcore/error.h"
#include "store.h"

typedef struct ss_server ss_server;   /* opaque */

/** Prepare a server: routes (with the config's body limits) and metrics. cfg is borrowed and
 *  must outlive the server. @return 0; SC_EINVAL (a max_body_bytes key names no route: a
 *  configuration error), SC_ENOMEM */
int ss_server_new(ss_server **out, const ss_config *cfg, sc_err *err);

/** Read the TLS material (tls.h); nothing to do for plain HTTP.
 *  @return 0 or the ss_tls_load codes */
int ss_server_load_tls(ss_server *s, sc_err *err);

/** Open the listening socket and start the workers, which use store (borrowed: it must
 *  outlive the server).
 *  @return 0, SC_EIO (cannot bind, TLS setup refused; err has CivetWeb's reason) */
int ss_server_start(ss_server *s, ss_store *store, sc_err *err);

/** Stop taking new requests (they get 503 shutting_down) and wait up to timeout_ms for the
 *  running ones. @return how many were still running at the deadline (0: all finished) */
long ss_server_drain(ss_server *s, unsigned timeout_ms);

/** Stop CivetWeb (if started) and free everything. NULL is a no-op. */
void ss_server_free(ss_server *s);

/* For handlers (borrowed, valid while the server lives). */
const ss_config *ss_server_config(const ss_server *s);
ss_store *ss_server_store(const ss_server *s);
int ss_server_draining(const ss_server *s);
/** The service handlers call (api_svc.h), set by main before ss_server_start; borrowed, it
 *  must outlive the server. NULL (the default): the API answers 503. */
struct ss_api_svc;
void ss_server_set_api(ss_server *s, struct ss_api_svc *api);
struct ss_api_svc *ss_server_api(const ss_server *s);
/** Seconds since ss_server_start. */
int64_t ss_server_uptime(const ss_server *s);
/** TLS server certificate notAfter (0 for plain HTTP). */
int64_t ss_server_tls_not_after(const ss_server *s);
/** The Prometheus text of /metrics; *out is new, free() it. @return 0, SC_ENOMEM */
int ss_server_metrics_text(const ss_server *s, char **out, size_t *len, sc_err *err);

#endif
