/* ops.h: the operational endpoints and the test-only ones (ss_ops_*).
 *
 *   GET  /healthz          any role: store reachable, store writable, TLS certificate valid
 *   GET  /metrics          admin, auditor: Prometheus text
 *   GET  /api/v1/whoami    any role (verifier may be anonymous): who the server thinks you are
 * Test-only, present only with "test_routes": true in the config (never in production):
 *   GET  /test/slow?ms=N   any role: answers after N ms (graceful-shutdown test)
 *   POST /test/echo        any role: answers the JSON body it was sent (body limit, 415 tests)
 * The tables are static; their strings live as long as the program. */
#ifndef SS_OPS_H
#define SS_OPS_H

#include <stddef.h>

#include "router.h"

#define SS_OPS_SLOW_MAX_MS 60000
#define SS_OPS_ECHO_MAX_BODY (64 * 1024)

const ss_route *ss_ops_routes(size_t *n);
const ss_route *ss_ops_test_routes(size_t *n);

#endif
