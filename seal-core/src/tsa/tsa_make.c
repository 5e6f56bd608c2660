/* tsa_make.c: the time-stamping authority object (sealcore/tsa.h) and the tokens it issues:
 * TSTInfo v1 (RFC 3161 §2.4.2) written here, wrapped in RFC 5652 SignedData by pkcs7/'s
 * sc__p7_sign_spec, because OpenSSL 3.0's TS code cannot sign with SM2 (pki-profile.md §4).
 * Not here: reading requests and writing responses (tsa_respond.c), verifying (tsa_verify.c). */
#include "tsa_int.h"
#include "cert/cert_int.h"
#include "der/der_int.h"
#include "pkcs7/pkcs7_int.h"
#include "sealcore/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

/* Whole TLVs. id-ct-TSTInfo 1.2.840.113549.1.9.16.1.4; id-aa-signingCertificateV2
 * 1.2.840.113549.1.9.16.2.47 (RFC 5035) */
static const uint8_t OID_TSTINFO[] = { 0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
                                       0x09, 0x10, 0x01, 0x04 };
static const uint8_t OID_SIGNING_CERT_V2[] = { 0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
                                               0x01, 0x09, 0x10, 0x02, 0x2f };
/* Imprint algorithms for sc_tsa_stamp, as each world writes them: SM3 with NULL parameters
 * (GM producers, and pkcs7/), SHA-256 with none (RFC 5754) */
static const uint8_t ALG_SM3[] = { 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01,
                                   0x83, 0x11, 0x05, 0x00 };
static const uint8_t ALG_SHA256[] = { 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
                                      0x03, 0x04, 0x02, 0x01 };
static const uint8_t VERSION_1[] = { 0x02, 0x01, 0x01 };

/* INTEGER whose value is the unsigned big-endian magnitude mag: minimal, 0x00 before a set
 * top bit so that it stays positive. */
static void put_uint(sc_der_buf *b, uint8_t tag, const uint8_t *mag, size_t n)
{
    static const uint8_t zero = 0;
    size_t s = b->len;

    while (n > 1 && mag[0] == 0)
        mag++, n--;
    if (mag[0] & 0x80)
        sc__der_put(b, &zero, 1);
    sc__der_put(b, mag, n);
    sc__der_wrap(b, s, tag);
}

static void put_small(sc_der_buf *b, uint8_t tag, unsigned v)
{
    uint8_t m[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

    put_uint(b, tag, m, sizeof(m));
}

/* genTime: GeneralizedTime in UTC, milliseconds as a fraction without trailing zeros and
 * without one at all on a whole second (X.690 §11.7). */
static int put_gentime(sc_der_buf *b, int64_t ms, sc_err *err)
{
    time_t t = (time_t)(ms / 1000);
    unsigned frac = (unsigned)(ms % 1000);
    struct tm tm;
    char s[32];
    int n;

    if ((int64_t)t != ms / 1000 || gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999)
        return sc_err_set(err, SC_EINVAL, "genTime: %lld ms is after the year 9999",
                          (long long)ms);
    n = snprintf(s, sizeof(s), "%04d%02d%02d%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (frac != 0) {
        n += snprintf(s + n, sizeof(s) - (size_t)n, ".%03u", frac);
        while (s[n - 1] == '0')
            n--;
    }
    s[n++] = 'Z';
    size_t start = b->len;
    sc__der_put(b, s, (size_t)n);
    sc__der_wrap(b, start, SC_TAG_GENTIME);
    return 0;
}

/* SigningCertificateV2 { certs { ESSCertIDv2 { SM3, SM3(cert), IssuerSerial { GeneralNames {
 * [4] directoryName issuer }, serial } } } }: RFC 3161 §2.4.1 requires the signer's
 * certificate to be identified this way, so a token cannot be passed off under another
 * certificate with the same key. */
static int make_signing_cert(sc_tsa *tsa, sc_err *err)
{
    sc_der_buf b = SC_DER_BUF_INIT(SC_P7_MAX_OUT);
    uint8_t hash[32];
    sc_span issuer, serial;
    size_t id, is, gn;
    int rc;

    if ((rc = sc__sm3(tsa->cert, tsa->cert_len, hash, err)) != 0 ||
        (rc = sc__p7_issuer_serial(tsa->cert, tsa->cert_len, &issuer, &serial, err)) != 0)
        return rc;
    id = b.len;
    sc__der_put(&b, ALG_SM3, sizeof(ALG_SM3));
    size_t h = b.len;
    sc__der_put(&b, hash, sizeof(hash));
    sc__der_wrap(&b, h, SC_TAG_OCTET_STRING);
    is = b.len;
    gn = b.len;
    sc__der_put(&b, issuer.p, issuer.len);
    sc__der_wrap(&b, gn, 0xa4);                  /* [4] EXPLICIT Name */
    sc__der_wrap(&b, gn, SC_TAG_SEQUENCE);       /* GeneralNames */
    sc__der_put(&b, serial.p, serial.len);
    sc__der_wrap(&b, is, SC_TAG_SEQUENCE);       /* IssuerSerial */
    sc__der_wrap(&b, id, SC_TAG_SEQUENCE);       /* ESSCertIDv2 */
    sc__der_wrap(&b, 0, SC_TAG_SEQUENCE);        /* certs */
    sc__der_wrap(&b, 0, SC_TAG_SEQUENCE);        /* SigningCertificateV2 */
    if (b.failed) {
        free(b.p);
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    }
    tsa->signing_cert = b.p;
    tsa->signing_cert_len = b.len;
    return 0;
}

/* RFC 3161 §2.3: the TSA certificate has exactly one extended key usage, timeStamping, and
 * marks it critical; clients (OpenSSL's among them) refuse tokens signed otherwise. */
static int check_tsa_cert(X509 *x, sc_err *err)
{
    int i = X509_get_ext_by_NID(x, NID_ext_key_usage, -1);

    if (i < 0 || !(X509_get_extension_flags(x) & EXFLAG_XKUSAGE) ||
        X509_get_extended_key_usage(x) != XKU_TIMESTAMP)
        return sc_err_set(err, SC_EINVAL, "TSA certificate: its extended key usage must be "
                          "timeStamping (1.3.6.1.5.5.7.3.8) and nothing else (RFC 3161 §2.3)");
    if (!X509_EXTENSION_get_critical(X509_get_ext(x, i)))
        return sc_err_set(err, SC_EINVAL, "TSA certificate: the extended key usage extension "
                          "must be marked critical (RFC 3161 §2.3)");
    return 0;
}

static int copy_policy(sc_tsa *tsa, const char *dotted, sc_err *err)
{
    ASN1_OBJECT *o = NULL;
    unsigned char *p;
    int n, rc = 0;

    if (dotted == NULL)
        return sc_err_set(err, SC_EINVAL, "TSA policy: none given; every token names the "
                          "policy it was issued under (a dotted OID)");
    if ((o = OBJ_txt2obj(dotted, 1)) == NULL || (n = i2d_ASN1_OBJECT(o, NULL)) <= 2) {
        ERR_clear_error();
        rc = sc_err_set(err, SC_EINVAL, "TSA policy: \"%s\" is not a dotted OID such as "
                        "1.2.3.4.1", dotted);
        goto out;
    }
    if ((tsa->policy = sc__malloc((size_t)n, err)) == NULL) {
        rc = SC_ENOMEM;
        goto out;
    }
    p = tsa->policy;
    tsa->policy_len = (size_t)i2d_ASN1_OBJECT(o, &p);
out:
    ASN1_OBJECT_free(o);
    return rc;
}

static int copy_chain(sc_tsa *tsa, const sc_tsa_params *p, sc_err *err)
{
    size_t total = tsa->cert_len;
    sc_err e = SC_ERR_INIT;
    char field[48];
    X509 *x;

    if (p->chain_count > SC_TSA_MAX_CHAIN)
        return sc_err_set(err, SC_ELIMIT, "TSA chain: %zu certificates (at most %d)",
                          p->chain_count, SC_TSA_MAX_CHAIN);
    if (p->chain_count != 0 && (p->chain == NULL || p->chain_lens == NULL))
        return sc_err_set(err, SC_EINVAL, "TSA chain: certificates or lengths missing");
    for (size_t i = 0; i < p->chain_count; i++)
        total += p->chain_lens[i] < SC_TSA_MAX_TOKEN ? p->chain_lens[i] : SC_TSA_MAX_TOKEN;
    /* what a token carries must stay readable by verifiers, ours included */
    if (total > SC_TSA_MAX_TOKEN - 4096)
        return sc_err_set(err, SC_ELIMIT, "TSA certificates: %zu bytes or more, more than a "
                          "token of %d bytes can carry", total, SC_TSA_MAX_TOKEN);
    for (size_t i = 0; i < p->chain_count; i++) {
        snprintf(field, sizeof(field), "TSA chain certificate %zu", i);
        if ((x = sc__cert_parse(p->chain[i], p->chain_lens[i], field, &e)) == NULL)
            return e.code == SC_ENOMEM ? sc_err_set(err, SC_ENOMEM, "out of memory")
                                       : sc_err_set(err, SC_EINVAL, "%s", e.msg);
        X509_free(x);
        if ((tsa->chain[i].p = sc__memdup(p->chain[i], p->chain_lens[i], err)) == NULL)
            return SC_ENOMEM;
        tsa->chain[i].len = p->chain_lens[i];
        tsa->nchain = i + 1;
    }
    return 0;
}

/* The TSA certificate: parsed and checked (time-stamping only, key's), its validity kept,
 * its DER copied. */
static int read_cert(sc_tsa *tsa, const sc_key *key, const uint8_t *cert, size_t len,
                     sc_err *err)
{
    sc_err e = SC_ERR_INIT;
    X509 *x = sc__cert_parse(cert, len, "TSA certificate", &e);
    int rc;

    if (x == NULL)
        return e.code == SC_ENOMEM ? sc_err_set(err, SC_ENOMEM, "out of memory")
                                   : sc_err_set(err, SC_EINVAL, "%s", e.msg);
    if ((rc = check_tsa_cert(x, err)) == 0 &&
        (rc = sc_key_matches_cert(key, cert, len, err)) == 0 &&
        (sc__asn1_time(X509_get0_notBefore(x), &tsa->not_before) != 0 ||
         sc__asn1_time(X509_get0_notAfter(x), &tsa->not_after) != 0))
        rc = sc_err_set(err, SC_EINVAL, "TSA certificate: unreadable validity");
    X509_free(x);
    if (rc == 0 && (tsa->cert = sc__memdup(cert, len, err)) == NULL)
        rc = SC_ENOMEM;
    tsa->cert_len = rc == 0 ? len : 0;
    return rc;
}

void sc_tsa_free(sc_tsa *tsa)
{
    if (tsa == NULL)
        return;
    for (size_t i = 0; i < tsa->nchain; i++)
        free((void *)tsa->chain[i].p);
    free(tsa->cert);
    free(tsa->policy);
    free(tsa->signing_cert);
    free(tsa);
}

int sc_tsa_new(sc_tsa **out, const sc_key *key, const uint8_t *cert, size_t cert_len,
               const sc_tsa_params *p, sc_err *err)
{
    sc_tsa *tsa;
    int rc = 0;

    if (out != NULL)
        *out = NULL;
    if (out == NULL || key == NULL || cert == NULL || p == NULL)
        return sc_err_set(err, SC_EINVAL, "TSA: output, key, certificate and parameters are "
                          "required");
    if (p->accuracy_ms > 999 || p->accuracy_us > 999)
        return sc_err_set(err, SC_EINVAL, "TSA accuracy: millis %u and micros %u must be 0..999",
                          p->accuracy_ms, p->accuracy_us);
    ERR_clear_error();
    if ((tsa = calloc(1, sizeof(*tsa))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    tsa->key = key;
    tsa->accuracy[0] = p->accuracy_s;
    tsa->accuracy[1] = p->accuracy_ms;
    tsa->accuracy[2] = p->accuracy_us;
    tsa->serial = p->serial;
    tsa->serial_ctx = p->serial_ctx;
    tsa->flags = p->flags;
    atomic_init(&tsa->counter, 0);
    /* a fresh prefix per process: a restart never reuses the serials of the run before,
     * unless 64 random bits repeat */
    if (p->serial == NULL && RAND_bytes(tsa->prefix, sizeof(tsa->prefix)) != 1)
        rc = sc__err_openssl(err, SC_ECRYPTO, "TSA: no random serial-number prefix");
    if (rc != 0 || (rc = read_cert(tsa, key, cert, cert_len, err)) != 0 ||
        (rc = copy_policy(tsa, p->policy, err)) != 0 || (rc = copy_chain(tsa, p, err)) != 0 ||
        (rc = make_signing_cert(tsa, err)) != 0) {
        sc_tsa_free(tsa);
        return rc;
    }
    *out = tsa;
    return 0;
}

int sc__tsa_now(int64_t now_ms, int64_t *out, sc_err *err)
{
    struct timespec ts;

    if (now_ms < 0)
        return sc_err_set(err, SC_EINVAL, "time-stamp time: %lld ms is before 1970",
                          (long long)now_ms);
    if (now_ms == 0) {
        if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
            return sc_err_set(err, SC_ECRYPTO, "time-stamp time: the system clock is unreadable");
        now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    }
    *out = now_ms;
    return 0;
}

int sc__tsa_time_ok(const sc_tsa *tsa, int64_t now_ms, sc_err *err)
{
    char a[32], b[32], t[32];
    int64_t s = now_ms / 1000;

    if ((tsa->flags & SC_TSA_UNCHECKED_TIME) || (s >= tsa->not_before && s <= tsa->not_after))
        return 0;
    return sc_err_set(err, SC_EINVAL, "the TSA certificate is valid from %s to %s, not at %s: "
                      "renew it (or correct the clock)",
                      sc_time_format(tsa->not_before, a, sizeof(a)),
                      sc_time_format(tsa->not_after, b, sizeof(b)),
                      sc_time_format(s, t, sizeof(t)));
}

/* The next serial's magnitude: the callback's, or prefix ‖ counter. */
static int next_serial(sc_tsa *tsa, uint8_t mag[SC_TSA_SERIAL_MAX], size_t *len, sc_err *err)
{
    uint64_t c;
    int rc;

    if (tsa->serial != NULL) {
        *len = 0;
        if ((rc = tsa->serial(tsa->serial_ctx, mag, len, err)) != 0) {
            if (err != NULL && err->code == 0)
                return sc_err_set(err, rc, "TSA serial number: the callback failed (%d)", rc);
            sc_err_prefix(err, "TSA serial number");
            return rc;
        }
        if (*len == 0 || *len > SC_TSA_SERIAL_MAX)
            return sc_err_set(err, SC_EINVAL, "TSA serial number: the callback gave %zu octets "
                              "(1..%d)", *len, SC_TSA_SERIAL_MAX);
        return 0;
    }
    c = atomic_fetch_add(&tsa->counter, 1) + 1;
    memcpy(mag, tsa->prefix, sizeof(tsa->prefix));
    for (int i = 0; i < 8; i++)
        mag[8 + i] = (uint8_t)(c >> (56 - 8 * i));
    *len = 16;
    return 0;
}

/* TSTInfo { v1, policy, messageImprint, serialNumber, genTime, accuracy?, nonce? }; ordering
 * FALSE is the DEFAULT, so DER leaves it out; tsa and extensions are not written. */
static int put_tstinfo(sc_der_buf *b, const sc_tsa *tsa, const sc__tsa_job *job,
                       const uint8_t *serial, size_t serial_len, sc_err *err)
{
    int rc;

    sc__der_put(b, VERSION_1, sizeof(VERSION_1));
    sc__der_put(b, tsa->policy, tsa->policy_len);
    sc__der_put(b, job->imprint.p, job->imprint.len);
    put_uint(b, SC_TAG_INTEGER, serial, serial_len);
    if ((rc = put_gentime(b, job->now_ms, err)) != 0)
        return rc;
    if (tsa->accuracy[0] || tsa->accuracy[1] || tsa->accuracy[2]) {
        size_t s = b->len;
        if (tsa->accuracy[0])
            put_small(b, SC_TAG_INTEGER, tsa->accuracy[0]);
        if (tsa->accuracy[1])
            put_small(b, 0x80, tsa->accuracy[1]);            /* [0] IMPLICIT millis */
        if (tsa->accuracy[2])
            put_small(b, 0x81, tsa->accuracy[2]);            /* [1] IMPLICIT micros */
        sc__der_wrap(b, s, SC_TAG_SEQUENCE);
    }
    if (job->nonce.p != NULL)
        sc__der_put(b, job->nonce.p, job->nonce.len);
    sc__der_wrap(b, 0, SC_TAG_SEQUENCE);
    return b->failed ? sc_err_set(err, SC_ENOMEM, "TSTInfo: out of memory") : 0;
}

int sc__tsa_token(sc_tsa *tsa, const sc__tsa_job *job, uint8_t **token, size_t *token_len,
                  char serial_hex[2 * SC_TSA_SERIAL_MAX + 1], sc_err *err)
{
    sc_der_buf tst = SC_DER_BUF_INIT(SC_P7_MAX_OUT);
    uint8_t serial[SC_TSA_SERIAL_MAX];
    size_t serial_len = 0;
    const sc__p7_attr ess = { { OID_SIGNING_CERT_V2, sizeof(OID_SIGNING_CERT_V2) },
                              { tsa->signing_cert, tsa->signing_cert_len } };
    const sc__p7_spec spec = {
        .pkcs7 = 1, .content_type = { OID_TSTINFO, sizeof(OID_TSTINFO) }, .embed = 1,
        .attrs = &ess, .nattrs = 1, .no_certs = !job->cert_req, .chain = tsa->chain,
        .nchain = tsa->nchain, .cert_checked = 1 };   /* read_cert() checked it once */
    int rc;

    *token = NULL;
    *token_len = 0;
    if ((rc = sc__tsa_time_ok(tsa, job->now_ms, err)) != 0 ||
        (rc = next_serial(tsa, serial, &serial_len, err)) != 0 ||
        (rc = put_tstinfo(&tst, tsa, job, serial, serial_len, err)) != 0)
        goto out;
    rc = sc__p7_sign_spec(tsa->key, tsa->cert, tsa->cert_len, tst.p, tst.len, &spec, token,
                          token_len, err);
    if (rc == 0 && serial_hex != NULL) {   /* the value, as clients print it: no leading 00 */
        size_t i = 0, o = 0;
        while (i + 1 < serial_len && serial[i] == 0)
            i++;
        for (; i < serial_len; i++, o += 2)
            snprintf(serial_hex + o, 3, "%02x", serial[i]);
        serial_hex[o] = '\0';
    }
out:
    free(tst.p);
    return rc;
}

int sc_tsa_stamp(sc_tsa *tsa, const uint8_t *imprint, size_t imprint_len, sc_tsa_md md,
                 int64_t now_ms, uint8_t **token, size_t *token_len, sc_err *err)
{
    uint8_t mi[64];
    const uint8_t *alg = md == SC_TSA_SM3 ? ALG_SM3 : ALG_SHA256;
    size_t alg_len = md == SC_TSA_SM3 ? sizeof(ALG_SM3) : sizeof(ALG_SHA256);
    sc__tsa_job job = { .cert_req = 1 };
    int rc;

    if (token != NULL)
        *token = NULL;
    if (token_len != NULL)
        *token_len = 0;
    if (tsa == NULL || imprint == NULL || token == NULL || token_len == NULL)
        return sc_err_set(err, SC_EINVAL, "time-stamp: TSA, imprint and output are required");
    if (md != SC_TSA_SM3 && md != SC_TSA_SHA256)
        return sc_err_set(err, SC_EINVAL, "time-stamp: hash %d is not SC_TSA_SM3 or "
                          "SC_TSA_SHA256", (int)md);
    if (imprint_len != 32)
        return sc_err_set(err, SC_EINVAL, "time-stamp: an imprint of %zu bytes, but %s gives 32",
                          imprint_len, md == SC_TSA_SM3 ? "SM3" : "SHA-256");
    /* MessageImprint { alg, OCTET STRING } fits 64 bytes: 2 + 14 + 2 + 32 */
    mi[0] = SC_TAG_SEQUENCE;
    mi[1] = (uint8_t)(alg_len + 2 + imprint_len);
    memcpy(mi + 2, alg, alg_len);
    mi[2 + alg_len] = SC_TAG_OCTET_STRING;
    mi[3 + alg_len] = (uint8_t)imprint_len;
    memcpy(mi + 4 + alg_len, imprint, imprint_len);
    job.imprint = (sc_span){ mi, 4 + alg_len + imprint_len };
    if ((rc = sc__tsa_now(now_ms, &job.now_ms, err)) != 0)
        return rc;
    ERR_clear_error();
    return sc__tsa_token(tsa, &job, token, token_len, NULL, err);
}

int sc_tsa_ses_stamp(void *tsa, const uint8_t *value, size_t value_len, uint8_t **token,
                     size_t *token_len, sc_err *err)
{
    uint8_t h[32];
    int rc;

    if (value == NULL && value_len != 0)
        return sc_err_set(err, SC_EINVAL, "time-stamp: no signature value");
    if ((rc = sc__sm3(value ? value : (const uint8_t *)"", value_len, h, err)) != 0)
        return rc;
    return sc_tsa_stamp(tsa, h, sizeof(h), SC_TSA_SM3, 0, token, token_len, err);
}
