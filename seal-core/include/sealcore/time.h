/* sealcore/time.h: the times seals carry, as seconds since 1970-01-01T00:00:00Z (int64). */
#ifndef SEALCORE_TIME_H
#define SEALCORE_TIME_H

#include <stdint.h>

#include "sealcore/error.h"

/** Parse ISO 8601 as administrators type it: "2026-01-31", "2026-01-31T08:00:00Z",
 *  "2026-01-31T08:00:00+08:00", "2026-01-31 08:00:00Z", or ASN.1 "20260131080000Z".
 *  A date alone is midnight UTC; a time without a zone is UTC.
 *  @return 0 or SC_EFORMAT (err says which part is wrong). */
SC_API int sc_time_parse(const char *text, int64_t *out, sc_err *err);

/** Format as "2026-01-31T08:00:00Z" into buf (at least 21 bytes). @return buf. */
SC_API char *sc_time_format(int64_t t, char *buf, unsigned long buflen);

/** Calendar fields (UTC) to seconds; checks ranges (month length, leap years).
 *  @return 0, or -1 when a field is out of range. */
SC_API int sc_time_from_civil(int y, int mo, int d, int h, int mi, int s, int64_t *out);

#endif
