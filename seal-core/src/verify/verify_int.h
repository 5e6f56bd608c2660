/* verify_int.h: the report's insides, shared by report.c, report_render.c and the checks. */
#ifndef SC_VERIFY_INT_H
#define SC_VERIFY_INT_H

#include <jansson.h>

#include "sc_int.h"
#include "sealcore/verify.h"

#define SC_REPORT_MAX_ITEMS 10000
#define SC_REPORT_MAX_ERRORS 100

typedef struct sc_item {
    char kind[16];               /* "seal" or "signature" */
    int64_t version;
    char *seal_id, *seal_name, *signer;
    int has_time;
    int64_t sign_time;
    sc_result res[SC_CHECK_COUNT];
    char *reason[SC_CHECK_COUNT];
    unsigned blocking;           /* bit per check whose skip makes the item not valid */
    json_t *extra;               /* further fields other modules add (OFD: id, page, …) */
} sc_item;

struct sc_report {
    char *file, *format;
    sc_item *items;
    size_t n, cap;
    char **errors;
    size_t nerr;
};

/* A new empty item; NULL on ENOMEM or past SC_REPORT_MAX_ITEMS (err says which). */
sc_item *sc__report_add_item(sc_report *rep, const char *kind, sc_err *err);
/* Set a check's result and reason (printf-style; NULL for none). Reasons are best effort:
 * under memory pressure the result stays and the reason is dropped. */
void sc__item_set(sc_item *it, sc_check c, sc_result r, const char *fmt, ...) SC_PRINTF(4, 5);
/* Mark a check skipped because no trust anchors were given. */
void sc__item_skip_no_trust(sc_item *it, sc_check c);
/* Mark a check skipped for a reason that must still keep the item from being valid (the
 * check could not be done, so nothing it guards may be taken as shown). */
void sc__item_skip_blocking(sc_item *it, sc_check c, const char *reason);
/* sc_verify_sig's checks into an item the caller made (OFD signatures add their own fields
 * and checks to the same item). @return 0 or SC_ENOMEM. */
int sc__verify_sig_item(sc_item *it, const sc_ses_sig *g, const sc_verify_opts *o, sc_err *err);
/* Copy s into *field (replacing); best effort like reasons. */
void sc__item_text(char **field, const char *s);

#endif
