/* time.c: ISO 8601 parsing and formatting for the CLIs and reports (sealcore/time.h).
 * Not here: ASN.1 time decoding (der/der_value.c), which shares sc_time_from_civil. */
#include "sc_int.h"
#include "sealcore/time.h"

#include <stdio.h>
#include <string.h>

static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

int sc_time_from_civil(int y, int mo, int d, int h, int mi, int s, int64_t *out)
{
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 ||
        mi > 59 || s < 0 || s > 60)
        return -1;
    if (d > mdays[mo - 1] + (mo == 2 && leap(y)))
        return -1;
    if (s == 60)   /* leap second: the next second is as good an answer as any */
        s = 59;
    *out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s;
    return 0;
}

char *sc_time_format(int64_t t, char *buf, unsigned long buflen)
{
    int64_t z = (t >= 0 ? t : t - 86399) / 86400, secs = t - z * 86400;
    /* civil_from_days, the inverse of days_from_civil */
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    const int64_t y = (int64_t)yoe + era * 400 + (m <= 2);

    snprintf(buf, buflen, "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)y, m, d,
             (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    return buf;
}

static int num(const char **p, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9')
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int sc_time_parse(const char *text, int64_t *out, sc_err *err)
{
    const char *p = text;
    int y, mo, d, h = 0, mi = 0, s = 0, off = 0;
    int compact;

    if (text == NULL)
        return sc_err_set(err, SC_EINVAL, "time: none given");
    compact = strlen(text) >= 14 && strchr(text, '-') == NULL;   /* 20260131080000Z */
    if (num(&p, 4, &y) != 0)
        goto bad;
    if (!compact && *p++ != '-')
        goto bad;
    if (num(&p, 2, &mo) != 0 || (!compact && *p++ != '-') || num(&p, 2, &d) != 0)
        goto bad;
    if (*p == 'T' || *p == 't' || *p == ' ' || compact) {
        if (!compact)
            p++;
        if (num(&p, 2, &h) != 0 || (!compact && *p++ != ':') || num(&p, 2, &mi) != 0)
            goto bad;
        if (*p == ':' || (compact && *p >= '0' && *p <= '9')) {
            if (!compact)
                p++;
            if (num(&p, 2, &s) != 0)
                goto bad;
        }
        if (*p == '.')
            for (p++; *p >= '0' && *p <= '9'; p++)
                ;
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '+' ? 1 : -1, oh, om;
            if (num(&p, 2, &oh) != 0)
                goto bad;
            if (*p == ':')
                p++;
            if (num(&p, 2, &om) != 0 || oh > 14 || om > 59)
                goto bad;
            off = sign * (oh * 3600 + om * 60);
        }
    }
    if (*p != '\0' || sc_time_from_civil(y, mo, d, h, mi, s, out) != 0)
        goto bad;
    *out -= off;
    return 0;
bad:
    return sc_err_set(err, SC_EFORMAT,
                      "time \"%.40s\": not ISO 8601 (use 2026-01-31, 2026-01-31T08:00:00Z "
                      "or 2026-01-31T08:00:00+08:00)", text);
}
