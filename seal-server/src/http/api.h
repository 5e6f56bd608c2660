/* api.h: the seal API endpoints (ss_api_*): lifecycle, grants, signing, status and /tsa, a
 * route table next to ops.c's. The table is in api.c, the handlers in api_seal.c, api_sign.c
 * and api_status.c (api_int.h). Handlers are thin: parse, call the service (api_svc.h) as the
 * authenticated client, render. Service codes map to HTTP as seal-server/README.md "API
 * errors" says. */
#ifndef SS_API_H
#define SS_API_H

#include <stddef.h>

#include "router.h"

#define SS_API_JSON_MAX_BODY (4u * 1024 * 1024)   /* applications carry the seal image */
#define SS_API_SIGN_MAX_BODY (16u * 1024 * 1024)  /* sign/data: base64 of the document */
#define SS_API_OFD_MAX_BODY (64u * 1024 * 1024)   /* sign/ofd: the package (config may raise) */
#define SS_API_OFD_TYPE "application/ofd"
#define SS_API_LIC_TYPE_MAX_BODY (96u * 1024 * 1024)  /* a licence type: template, fonts */
#define SS_API_LIC_MAX_BODY (1024u * 1024)            /* one licence's data row */
#define SS_API_LIC_BATCH_MAX_BODY (32u * 1024 * 1024) /* 1000 rows, CSV or JSON */
#define SS_API_STATUS_TYPE "application/vnd.sealpki.status+der"

const ss_route *ss_api_routes(size_t *n);

#endif
