/* api_keys.c: the service keys' part of /healthz (api_svc.h). Each configured pair proves its
 * private half works (sc_key_selftest: a probe signed and verified, not only a public-key
 * comparison) and says how long its certificate has left: a seal CA or status signer that
 * cannot sign stops seal making and status publication, which a monitor must see before the
 * first refused request does. */
#include "api_svc.h"

#include <limits.h>
#include <stdio.h>

#include <jansson.h>
#include <openssl/asn1.h>
#include <openssl/x509.h>

/* Whole days from now to the certificate's notAfter (negative once expired). */
static int days_left(const uint8_t *der, size_t len, int64_t now, long *days)
{
    const uint8_t *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    ASN1_TIME *t = ASN1_TIME_new();
    int d = 0, s = 0, ok = x != NULL && t != NULL && ASN1_TIME_set(t, (time_t)now) != NULL &&
                           ASN1_TIME_diff(&d, &s, t, X509_get0_notAfter(x)) == 1;

    ASN1_TIME_free(t);
    X509_free(x);
    /* d and s share a sign: expired by hours is d == 0, s < 0, which must not read as 0 */
    *days = d == 0 && s < 0 ? -1 : d;
    return ok;
}

static void fail(char *why, size_t n, const char *name, const char *what)
{
    if (why[0] == '\0')
        snprintf(why, n, "%s key: %s", name, what);
}

int ss_api_svc_check_keys(const ss_api_svc *a, int64_t now, json_t *out, char *why, size_t n)
{
    int all = 1;

    for (int i = 0; a != NULL && i < SS_CONFIG_PAIR_COUNT; i++) {
        const char *name = ss_config_pair_name(i);
        json_t *o;
        sc_err err = SC_ERR_INIT;
        long days = 0;
        int ok = 1;

        if (a->key[i] == NULL)
            continue;
        if ((o = json_object()) == NULL)
            return -1;
        if (sc_key_selftest(a->key[i], &err) != 0) {
            ok = 0;
            json_object_set_new(o, "error", json_string(err.msg));
            fail(why, n, name, err.msg);
        }
        if (!days_left(a->cert[i], a->cert_len[i], now, &days)) {
            ok = 0;
            fail(why, n, name, "its certificate cannot be read");
        } else {
            json_object_set_new(o, "cert_days_left", json_integer(days));
            if (days < 0) {
                ok = 0;
                fail(why, n, name, "its certificate has expired");
            }
        }
        json_object_set_new(o, "ok", json_boolean(ok));
        json_object_set_new(out, name, o);
        all &= ok;
    }
    return all;
}
