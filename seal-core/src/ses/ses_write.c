/* ses_write.c: makes V4 seals and seal signatures (GB/T 38540) in canonical DER: seals with
 * OpenSSL ASN.1 templates, signatures by hand (below). Already-encoded parts that a
 * signature covers (SES_SealInfo inside SESeal, the seal inside TBS_Sign, TBS_Sign inside
 * SES_Signature) go in byte for byte, so what was signed is exactly what is embedded — also
 * for a vendor's non-canonical seal.
 * Not here: reading (ses_parse.c, ses_sig_parse.c). */
#include "ses_int.h"
#include "key/key_int.h"
#include "sealcore/time.h"

#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/asn1t.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

typedef struct { ASN1_IA5STRING *id; ASN1_INTEGER *version; ASN1_IA5STRING *vid; } SES_HEADER;
ASN1_SEQUENCE(SES_HEADER) = {
    ASN1_SIMPLE(SES_HEADER, id, ASN1_IA5STRING),
    ASN1_SIMPLE(SES_HEADER, version, ASN1_INTEGER),
    ASN1_SIMPLE(SES_HEADER, vid, ASN1_IA5STRING)
} static_ASN1_SEQUENCE_END(SES_HEADER)

typedef struct { ASN1_PRINTABLESTRING *type; ASN1_OCTET_STRING *value; } SES_CERTDIGEST;
DEFINE_STACK_OF(SES_CERTDIGEST)
DEFINE_STACK_OF(ASN1_OCTET_STRING)
ASN1_SEQUENCE(SES_CERTDIGEST) = {
    ASN1_SIMPLE(SES_CERTDIGEST, type, ASN1_PRINTABLESTRING),
    ASN1_SIMPLE(SES_CERTDIGEST, value, ASN1_OCTET_STRING)
} static_ASN1_SEQUENCE_END(SES_CERTDIGEST)

/* SES_CertList is an untagged CHOICE of two SEQUENCE OFs: fine to write, ambiguous to read,
 * which is why reading is done by hand (ses_parse.c). */
typedef struct {
    int type;
    union { STACK_OF(ASN1_OCTET_STRING) *certs; STACK_OF(SES_CERTDIGEST) *digests; } d;
} SES_CERTLIST;
ASN1_CHOICE(SES_CERTLIST) = {
    ASN1_SEQUENCE_OF(SES_CERTLIST, d.certs, ASN1_OCTET_STRING),
    ASN1_SEQUENCE_OF(SES_CERTLIST, d.digests, SES_CERTDIGEST)
} static_ASN1_CHOICE_END(SES_CERTLIST)

typedef struct {
    ASN1_INTEGER *type; ASN1_UTF8STRING *name; ASN1_INTEGER *cert_list_type;
    SES_CERTLIST *cert_list; ASN1_GENERALIZEDTIME *created, *valid_start, *valid_end;
} SES_PROPERTY;
ASN1_SEQUENCE(SES_PROPERTY) = {
    ASN1_SIMPLE(SES_PROPERTY, type, ASN1_INTEGER),
    ASN1_SIMPLE(SES_PROPERTY, name, ASN1_UTF8STRING),
    ASN1_SIMPLE(SES_PROPERTY, cert_list_type, ASN1_INTEGER),
    ASN1_SIMPLE(SES_PROPERTY, cert_list, SES_CERTLIST),
    ASN1_SIMPLE(SES_PROPERTY, created, ASN1_GENERALIZEDTIME),
    ASN1_SIMPLE(SES_PROPERTY, valid_start, ASN1_GENERALIZEDTIME),
    ASN1_SIMPLE(SES_PROPERTY, valid_end, ASN1_GENERALIZEDTIME)
} static_ASN1_SEQUENCE_END(SES_PROPERTY)

typedef struct {
    ASN1_IA5STRING *type; ASN1_OCTET_STRING *data; ASN1_INTEGER *width, *height;
} SES_PICTURE;
ASN1_SEQUENCE(SES_PICTURE) = {
    ASN1_SIMPLE(SES_PICTURE, type, ASN1_IA5STRING),
    ASN1_SIMPLE(SES_PICTURE, data, ASN1_OCTET_STRING),
    ASN1_SIMPLE(SES_PICTURE, width, ASN1_INTEGER),
    ASN1_SIMPLE(SES_PICTURE, height, ASN1_INTEGER)
} static_ASN1_SEQUENCE_END(SES_PICTURE)

typedef struct { ASN1_OBJECT *id; ASN1_BOOLEAN critical; ASN1_OCTET_STRING *value; } SES_EXTDATA;
DEFINE_STACK_OF(SES_EXTDATA)
ASN1_SEQUENCE(SES_EXTDATA) = {
    ASN1_SIMPLE(SES_EXTDATA, id, ASN1_OBJECT),
    /* DEFAULT FALSE: omitted when false, which OpenSSL only allows for an OPT field */
    ASN1_OPT(SES_EXTDATA, critical, ASN1_FBOOLEAN),
    ASN1_SIMPLE(SES_EXTDATA, value, ASN1_OCTET_STRING)
} static_ASN1_SEQUENCE_END(SES_EXTDATA)

typedef struct {
    SES_HEADER *header; ASN1_IA5STRING *es_id; SES_PROPERTY *property; SES_PICTURE *picture;
    STACK_OF(SES_EXTDATA) *exts;
} SES_SEALINFO;
ASN1_SEQUENCE(SES_SEALINFO) = {
    ASN1_SIMPLE(SES_SEALINFO, header, SES_HEADER),
    ASN1_SIMPLE(SES_SEALINFO, es_id, ASN1_IA5STRING),
    ASN1_SIMPLE(SES_SEALINFO, property, SES_PROPERTY),
    ASN1_SIMPLE(SES_SEALINFO, picture, SES_PICTURE),
    ASN1_SEQUENCE_OF_OPT(SES_SEALINFO, exts, SES_EXTDATA)
} static_ASN1_SEQUENCE_END(SES_SEALINFO)

typedef struct {
    ASN1_TYPE *info; ASN1_OCTET_STRING *cert; ASN1_OBJECT *alg; ASN1_BIT_STRING *value;
} SES_SEAL;
ASN1_SEQUENCE(SES_SEAL) = {
    ASN1_SIMPLE(SES_SEAL, info, ASN1_ANY),
    ASN1_SIMPLE(SES_SEAL, cert, ASN1_OCTET_STRING),
    ASN1_SIMPLE(SES_SEAL, alg, ASN1_OBJECT),
    ASN1_SIMPLE(SES_SEAL, value, ASN1_BIT_STRING)
} static_ASN1_SEQUENCE_END(SES_SEAL)

/* Item-level calls instead of IMPLEMENT_ASN1_FUNCTIONS: the templates stay file-local. */
#define NEW(T) ((T *)ASN1_item_new(ASN1_ITEM_rptr(T)))
#define FREE(T, p) ASN1_item_free((ASN1_VALUE *)(p), ASN1_ITEM_rptr(T))
#define I2D(T, p, out) ASN1_item_i2d((ASN1_VALUE *)(p), (out), ASN1_ITEM_rptr(T))

/* BIT STRING with 0 unused bits, as GB/T 38540 needs. Without BITS_LEFT OpenSSL would derive
 * the unused-bit count from trailing zero bits and drop trailing zero bytes. */
static int set_bits(ASN1_BIT_STRING *bs, const uint8_t *p, size_t n)
{
    if (n > INT_MAX || !ASN1_STRING_set(bs, p, (int)n))
        return 0;
    bs->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
    bs->flags |= ASN1_STRING_FLAG_BITS_LEFT;
    return 1;
}

static int set_str(ASN1_STRING *s, const void *p, size_t n)
{
    return n <= INT_MAX && ASN1_STRING_set(s, p, (int)n);
}

/* ANY holding an already-encoded SEQUENCE: OpenSSL keeps the whole TLV and writes it as is. */
static ASN1_TYPE *any_seq(const uint8_t *der, size_t len)
{
    ASN1_TYPE *t = ASN1_TYPE_new();
    ASN1_STRING *s = ASN1_STRING_new();

    if (t == NULL || s == NULL || !set_str(s, der, len)) {
        ASN1_TYPE_free(t);
        ASN1_STRING_free(s);
        return NULL;
    }
    ASN1_TYPE_set(t, V_ASN1_SEQUENCE, s);   /* set: t owns s */
    return t;
}

static int printable_ascii(const char *s, size_t max)
{
    size_t n = strlen(s);

    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return 0;
    return 1;
}

static int check_seal_params(const sc_ses_seal_params *p, sc_err *err)
{
    static const char *pics[] = { "PNG", "JPG", "JPEG", "GIF", "BMP", "SVG", "OFD" };
    size_t i;

    if (p->es_id == NULL || !printable_ascii(p->es_id, 64))
        return sc_err_set(err, SC_EINVAL, "seal id: 1..64 printable ASCII characters required");
    if (p->name == NULL || p->name[0] == '\0' || strlen(p->name) > 256 ||
        ASN1_mbstring_copy(NULL, (const unsigned char *)p->name, (int)strlen(p->name),
                           MBSTRING_UTF8, B_ASN1_UTF8STRING) < 0) {
        ERR_clear_error();
        return sc_err_set(err, SC_EINVAL, "seal name: 1..256 bytes of UTF-8 required");
    }
    if (p->vid != NULL && !printable_ascii(p->vid, 64))
        return sc_err_set(err, SC_EINVAL, "vendor id: 1..64 printable ASCII characters required");
    if (p->type < 0 || p->type > 0x7fffffff)
        return sc_err_set(err, SC_EINVAL, "seal type: %lld is not a code >= 0",
                          (long long)p->type);
    if (p->cert_list_type != 1 && p->cert_list_type != 2)
        return sc_err_set(err, SC_EINVAL, "certListType: %d, must be 1 (certificates) or 2 "
                          "(digests)", p->cert_list_type);
    if (p->cert_count == 0 || p->cert_count > SC_SES_MAX_CERTS)
        return sc_err_set(err, SC_EINVAL, "signer certificates: %zu given, 1..%d allowed",
                          p->cert_count, SC_SES_MAX_CERTS);
    if (p->valid_end <= p->valid_start)
        return sc_err_set(err, SC_EINVAL, "validity: valid-to must be after valid-from");
    if (p->width_mm < 1 || p->width_mm > 1000 || p->height_mm < 1 || p->height_mm > 1000)
        return sc_err_set(err, SC_EINVAL, "picture size: %lldx%lld mm, each side 1..1000 mm",
                          (long long)p->width_mm, (long long)p->height_mm);
    if (p->picture == NULL || p->picture_len == 0 || p->picture_len > SC_SES_MAX_SEAL / 2)
        return sc_err_set(err, SC_EINVAL, "picture: 1..%u bytes required", SC_SES_MAX_SEAL / 2);
    for (i = 0; p->picture_type != NULL && i < sizeof(pics) / sizeof(pics[0]); i++)
        if (strcasecmp(p->picture_type, pics[i]) == 0)
            break;
    if (p->picture_type == NULL || i == sizeof(pics) / sizeof(pics[0]))
        return sc_err_set(err, SC_EINVAL, "picture type: \"%.20s\", expected PNG, JPG (JPEG), GIF, "
                          "BMP, SVG or OFD", p->picture_type ? p->picture_type : "");
    if (p->ext_count > SC_SES_MAX_EXTS)
        return sc_err_set(err, SC_EINVAL, "extensions: at most %d", SC_SES_MAX_EXTS);
    return 0;
}

/* Each signer certificate must be a certificate: a seal listing garbage is useless. */
static int add_certs(SES_PROPERTY *prop, const sc_ses_seal_params *p, sc_err *err)
{
    SES_CERTLIST *cl = prop->cert_list;

    cl->type = p->cert_list_type - 1;
    if (cl->type == 0)
        cl->d.certs = sk_ASN1_OCTET_STRING_new_null();
    else
        cl->d.digests = sk_SES_CERTDIGEST_new_null();
    if (cl->d.certs == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    for (size_t i = 0; i < p->cert_count; i++) {
        const unsigned char *q = p->certs[i];
        X509 *x = d2i_X509(NULL, &q, (long)p->cert_lens[i]);
        int ok = x != NULL && q == p->certs[i] + p->cert_lens[i];
        X509_free(x);
        if (!ok)
            return sc__err_openssl(err, SC_EINVAL, "signer certificate: not a DER certificate");
        if (cl->type == 0) {
            ASN1_OCTET_STRING *o = ASN1_OCTET_STRING_new();
            if (o == NULL || !set_str(o, p->certs[i], p->cert_lens[i]) ||
                !sk_ASN1_OCTET_STRING_push(cl->d.certs, o)) {
                ASN1_OCTET_STRING_free(o);
                return sc_err_set(err, SC_ENOMEM, "out of memory");
            }
        } else {
            uint8_t d[32];
            SES_CERTDIGEST *cd = NEW(SES_CERTDIGEST);
            int rc = sc__sm3(p->certs[i], p->cert_lens[i], d, err);
            if (rc != 0 || cd == NULL || !set_str(cd->type, "SM3", 3) ||
                !set_str(cd->value, d, sizeof(d)) || !sk_SES_CERTDIGEST_push(cl->d.digests, cd)) {
                FREE(SES_CERTDIGEST, cd);
                return rc != 0 ? rc : sc_err_set(err, SC_ENOMEM, "out of memory");
            }
        }
    }
    return 0;
}

static int add_exts(SES_SEALINFO *si, const sc_ses_seal_params *p, sc_err *err)
{
    if (p->ext_count == 0)
        return 0;
    if ((si->exts = sk_SES_EXTDATA_new_null()) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    for (size_t i = 0; i < p->ext_count; i++) {
        SES_EXTDATA *e = NEW(SES_EXTDATA);
        if (e == NULL || (e->id = OBJ_txt2obj(p->exts[i].oid, 1)) == NULL ||
            !set_str(e->value, p->exts[i].value, p->exts[i].value_len) ||
            !sk_SES_EXTDATA_push(si->exts, e)) {
            FREE(SES_EXTDATA, e);
            ERR_clear_error();
            return sc_err_set(err, SC_EINVAL, "extension %zu: bad OID or value", i);
        }
        e->critical = p->exts[i].critical ? 0xff : 0;
    }
    return 0;
}

static int build_sealinfo(const sc_ses_seal_params *p, uint8_t **der, int *len, sc_err *err)
{
    SES_SEALINFO *si = NEW(SES_SEALINFO);
    int64_t created = p->created != 0 ? p->created : (int64_t)time(NULL);
    const char *vid = p->vid != NULL ? p->vid : "sealpki";
    int rc = 0;

    *der = NULL;
    if (si == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    if (!set_str(si->header->id, "ES", 2) || !ASN1_INTEGER_set(si->header->version, 4) ||
        !set_str(si->header->vid, vid, strlen(vid)) ||
        !set_str(si->es_id, p->es_id, strlen(p->es_id)) ||
        !ASN1_INTEGER_set_int64(si->property->type, p->type) ||
        !set_str(si->property->name, p->name, strlen(p->name)) ||
        !ASN1_INTEGER_set(si->property->cert_list_type, p->cert_list_type) ||
        !ASN1_GENERALIZEDTIME_set(si->property->created, (time_t)created) ||
        !ASN1_GENERALIZEDTIME_set(si->property->valid_start, (time_t)p->valid_start) ||
        !ASN1_GENERALIZEDTIME_set(si->property->valid_end, (time_t)p->valid_end) ||
        !set_str(si->picture->type, p->picture_type, strlen(p->picture_type)) ||
        !set_str(si->picture->data, p->picture, p->picture_len) ||
        !ASN1_INTEGER_set_int64(si->picture->width, p->width_mm) ||
        !ASN1_INTEGER_set_int64(si->picture->height, p->height_mm)) {
        rc = sc__err_openssl(err, SC_ENOMEM, "cannot build SES_SealInfo");
        goto out;
    }
    if ((rc = add_certs(si->property, p, err)) != 0 || (rc = add_exts(si, p, err)) != 0)
        goto out;
    if ((*len = I2D(SES_SEALINFO, si, der)) <= 0)
        rc = sc__err_openssl(err, SC_ECRYPTO, "cannot encode SES_SealInfo");
out:
    FREE(SES_SEALINFO, si);
    return rc;
}

/* Wrap SES_SealInfo, the maker's certificate and value into SESeal. */
static int assemble(const uint8_t *tbs, size_t tbs_len, const uint8_t *cert, size_t cert_len,
                    const uint8_t *sig, size_t sig_len, uint8_t **der, int *len, sc_err *err)
{
    SES_SEAL *s = NEW(SES_SEAL);
    int rc = 0;

    *der = NULL;
    if (s == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
        goto out;
    }
    ASN1_TYPE_free(s->info);
    if ((s->info = any_seq(tbs, tbs_len)) == NULL || !set_str(s->cert, cert, cert_len) ||
        !set_bits(s->value, sig, sig_len)) {
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
        goto out;
    }
    ASN1_OBJECT_free(s->alg);
    s->alg = OBJ_nid2obj(NID_SM2_with_SM3);
    if ((*len = I2D(SES_SEAL, s, der)) <= 0)
        rc = sc__err_openssl(err, SC_ECRYPTO, "cannot encode SESeal");
out:
    FREE(SES_SEAL, s);
    return rc;
}

int sc_ses_seal_make(sc_ses_seal **out, const sc_ses_seal_params *p, const sc_key *maker_key,
                     const uint8_t *maker_cert, size_t maker_cert_len, sc_err *err)
{
    uint8_t *info = NULL, *sig = NULL, *der = NULL;
    int info_len = 0, der_len = 0, rc;
    size_t sig_len = 0;

    *out = NULL;
    ERR_clear_error();
    if ((rc = check_seal_params(p, err)) != 0 ||
        (rc = sc_key_matches_cert(maker_key, maker_cert, maker_cert_len, err)) != 0)
        goto out;
    if ((rc = build_sealinfo(p, &info, &info_len, err)) != 0 ||
        (rc = sc_key_sign(maker_key, info, (size_t)info_len, &sig, &sig_len, err)) != 0 ||
        (rc = assemble(info, (size_t)info_len, maker_cert, maker_cert_len, sig, sig_len, &der,
                       &der_len, err)) != 0)
        goto out;
    rc = sc_ses_seal_parse(out, der, (size_t)der_len, err);
out:
    OPENSSL_free(info);
    OPENSSL_free(der);
    free(sig);
    return rc;
}

static int check_sign(const sc_ses_seal *seal, const sc_key *key, const uint8_t *cert,
                      size_t cert_len, const sc_ses_sign_params *p, int64_t t, sc_err *err)
{
    char a[32], b[32];
    int rc;

    if (seal->info.layout == 1)
        return sc_err_set(err, SC_EINVAL, "seal %s is a GM/T 0031-2014 (V1) seal: read and verify "
                          "only; make a GB/T 38540 seal to sign", seal->es_id);
    if (p->data_hash == NULL && p->data == NULL && p->data_len > 0)
        return sc_err_set(err, SC_EINVAL, "data: %zu bytes announced, none given", p->data_len);
    if (p->data_hash != NULL && p->data_hash_len != 32)
        return sc_err_set(err, SC_EINVAL, "data hash: %zu bytes, an SM3 hash has 32",
                          p->data_hash_len);
    if (p->property_info != NULL && p->property_info[0] != '\0' &&
        !printable_ascii(p->property_info, 4096))
        return sc_err_set(err, SC_EINVAL, "propertyInfo: printable ASCII (IA5String) only");
    if (cert_len > SC_SES_MAX_SIGNATURE)   /* bounds every DER length written with it */
        return sc_err_set(err, SC_ELIMIT, "signer certificate: %zu bytes, above %u", cert_len,
                          SC_SES_MAX_SIGNATURE);
    if ((rc = sc_key_matches_cert(key, cert, cert_len, err)) != 0)
        return sc_err_prefix(err, "signer");
    if (!sc__der_gentime_ok(t))
        return sc_err_set(err, SC_EINVAL, "signing time %lld: not in the years 1..9999",
                          (long long)t);
    if (p->flags & SC_SES_SIGN_UNCHECKED)
        return 0;
    if ((rc = sc_ses_seal_lists_cert(seal, cert, cert_len, err)) < 0)
        return rc;
    if (rc == 0)
        return sc_err_set(err, SC_EINVAL, "the signer certificate is not in the certificate list "
                          "of seal %s", seal->es_id);
    if (t < seal->info.valid_start || t > seal->info.valid_end)
        return sc_err_set(err, SC_EINVAL, "seal %s is valid from %s to %s, not at the signing "
                          "time", seal->es_id, sc_time_format(seal->info.valid_start, a, sizeof(a)),
                          sc_time_format(seal->info.valid_end, b, sizeof(b)));
    return 0;
}

/* ---- SES_Signature, written by hand around the bytes signed ----------------------------
 *   SES_Signature ::= SEQUENCE { TBS_Sign, OCTET STRING cert, OID SM2-with-SM3,
 *                                BIT STRING value, [0] EXPLICIT BIT STRING timeStamp OPTIONAL }
 *   TBS_Sign ::= SEQUENCE { INTEGER 4, the seal as read, GeneralizedTime, BIT STRING dataHash,
 *                           IA5String propertyInfo }
 * What TBS_Sign holds before the signing time (its header, the version, the seal) is its
 * head: the same for every signature with one seal and one propertyInfo length, so the key
 * keeps its SM3 state after it, and the seal its SM3 state after the SES_Signature's header
 * and that head (sc__key_sign_split, crypto/mid.c): ~3-16 KB not hashed twice a signature.
 * The output is the canonical DER that OpenSSL's templates wrote before (test_ses_sign_der
 * builds it independently). */

static const uint8_t oid_sm2_sm3[] = { 0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x83,
                                       0x75 };   /* 1.2.156.10197.1.501 */

/* Room kept before TBS_Sign for the SES_Signature's header, written once its length is known */
#define SIG_HDR_ROOM 6

/* A tag, the length of content bytes, the content. */
static void put_tlv(sc_der_buf *b, uint8_t tag, const void *p, size_t n)
{
    uint8_t h[6];

    sc__der_put(b, h, sc__der_header(h, tag, n));
    sc__der_put(b, p, n);
}

/* BIT STRING with 0 unused bits: the count, then the bytes. */
static void put_bits(sc_der_buf *b, const uint8_t *p, size_t n)
{
    uint8_t h[6], zero = 0;

    sc__der_put(b, h, sc__der_header(h, SC_TAG_BIT_STRING, n + 1));
    sc__der_put(b, &zero, 1);
    sc__der_put(b, p, n);
}

/* TBS_Sign into b after SIG_HDR_ROOM bytes; *head_end: where its head ends. */
static void put_tbs(sc_der_buf *b, const sc_ses_seal *seal, int64_t t, const uint8_t hash[32],
                    const char *prop, size_t *head_end)
{
    static const uint8_t version[] = { SC_TAG_INTEGER, 1, 4 };
    size_t prop_len = strlen(prop), content;
    uint8_t h[6], room[SIG_HDR_ROOM] = { 0 };

    /* gentime 17, dataHash 2 + 1 + 32, then the IA5String */
    content = sizeof(version) + seal->der_len + 17 + 35 +
              sc__der_header(h, SC_TAG_IA5, prop_len) + prop_len;
    sc__der_put(b, room, sizeof(room));
    sc__der_put(b, h, sc__der_header(h, SC_TAG_SEQUENCE, content));
    sc__der_put(b, version, sizeof(version));
    sc__der_put(b, seal->der, seal->der_len);
    *head_end = b->len;
    sc__der_put_gentime(b, t);
    put_bits(b, hash, 32);
    put_tlv(b, SC_TAG_IA5, prop, prop_len);
}

/* The rest of the SES_Signature after TBS_Sign, then its header in the room before it; the
 * DER is moved to the start of b->p. *hdr: the header's size. */
static void finish_sig(sc_der_buf *b, const uint8_t *cert, size_t cert_len, const uint8_t *sig,
                       size_t sig_len, const uint8_t *ts, size_t ts_len, size_t *hdr)
{
    uint8_t h[6];
    size_t n, ts_bits;

    put_tlv(b, SC_TAG_OCTET_STRING, cert, cert_len);
    sc__der_put(b, oid_sm2_sm3, sizeof(oid_sm2_sm3));
    put_bits(b, sig, sig_len);
    if (ts != NULL) {
        ts_bits = sc__der_header(h, SC_TAG_BIT_STRING, ts_len + 1) + ts_len + 1;
        sc__der_put(b, h, sc__der_header(h, 0xa0, ts_bits));
        put_bits(b, ts, ts_len);
    }
    if (b->failed)
        return;
    n = sc__der_header(h, SC_TAG_SEQUENCE, b->len - SIG_HDR_ROOM);
    memcpy(b->p + SIG_HDR_ROOM - n, h, n);
    memmove(b->p, b->p + SIG_HDR_ROOM - n, b->len - (SIG_HDR_ROOM - n));
    b->len -= SIG_HDR_ROOM - n;
    *hdr = n;
}

/* 0, or why b failed or holds more than limit bytes. */
static int buf_failed(const sc_der_buf *b, size_t limit, sc_err *err)
{
    if (b->failed == SC_DER_BUF_NOMEM)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    if (b->failed != 0 || b->len > limit)
        return sc_err_set(err, SC_ELIMIT, "SES_Signature: above %u bytes",
                          SC_SES_MAX_SIGNATURE);
    return 0;
}

/* SM3 of the SES_Signature der, whose headers, version and seal end at head_end, from the
 * seal's state after them. */
static int sig_sm3(const sc_ses_seal *seal, const uint8_t *der, size_t len, size_t head_end,
                   uint8_t out[32], sc_err *err)
{
    size_t hl = head_end - seal->der_len;   /* the bytes before the seal */
    int why = 0;
    /* the body is the seal's own DER (the same bytes as der + hl): the fixed body its states
     * are kept for */
    EVP_MD_CTX *m = sc__mid_start((sc_mid *)&seal->sm3_mid, NULL, der, hl, seal->der,
                                  seal->der_len, &why);
    unsigned int n = 0;
    int ok = m != NULL && EVP_DigestUpdate(m, der + head_end, len - head_end) == 1 &&
             EVP_DigestFinal_ex(m, out, &n) == 1 && n == 32;

    EVP_MD_CTX_free(m);
    if (why == SC_ENOMEM)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    return ok ? 0 : sc__err_openssl(err, SC_ECRYPTO, "SM3 of the SES_Signature failed");
}

int sc_ses_sign_der(uint8_t **der, size_t *der_len, uint8_t der_sm3[32],
                    const sc_ses_seal *seal, const sc_key *signer_key,
                    const uint8_t *signer_cert, size_t signer_cert_len,
                    const sc_ses_sign_params *p, sc_err *err)
{
    int64_t t = p->sign_time != 0 ? p->sign_time : (int64_t)time(NULL);
    const char *prop = p->property_info != NULL ? p->property_info : "";
    /* the room is given back when the header goes in: then the limit is checked exactly */
    sc_der_buf b = SC_DER_BUF_INIT(SC_SES_MAX_SIGNATURE + SIG_HDR_ROOM);
    uint8_t hash[32], *sig = NULL, *ts = NULL;
    size_t sig_len = 0, ts_len = 0, head_end = 0, hdr = 0;
    int rc;

    *der = NULL;
    *der_len = 0;
    ERR_clear_error();
    if ((rc = check_sign(seal, signer_key, signer_cert, signer_cert_len, p, t, err)) != 0)
        goto out;
    if (p->data_hash != NULL)
        memcpy(hash, p->data_hash, 32);
    else if ((rc = sc__sm3(p->data != NULL ? p->data : (const uint8_t *)"", p->data_len, hash,
                           err)) != 0)
        goto out;
    /* one allocation for the usual case: the seal, the certificate and ~200 bytes besides */
    b.cap = seal->der_len + signer_cert_len + strlen(prop) + 512;
    if (b.cap > b.max || (b.p = malloc(b.cap)) == NULL)
        b.cap = 0;
    put_tbs(&b, seal, t, hash, prop, &head_end);
    if ((rc = buf_failed(&b, b.max, err)) != 0)
        goto out;
    if ((rc = sc__key_sign_split(signer_key, b.p + SIG_HDR_ROOM, head_end - SIG_HDR_ROOM,
                                 b.p + head_end, b.len - head_end, &sig, &sig_len, err)) != 0)
        goto out;
    if (p->tsa != NULL && (rc = p->tsa(p->tsa_ctx, sig, sig_len, &ts, &ts_len, err)) != 0) {
        sc_err_prefix(err, "time-stamp");
        goto out;
    }
    if (ts_len > SC_SES_MAX_SIGNATURE || sig_len > SC_SES_MAX_SIGNATURE) {
        rc = sc_err_set(err, SC_ELIMIT, "SES_Signature: a %s of %zu bytes, above %u",
                        ts_len > SC_SES_MAX_SIGNATURE ? "time-stamp token" : "signature value",
                        ts_len > SC_SES_MAX_SIGNATURE ? ts_len : sig_len, SC_SES_MAX_SIGNATURE);
        goto out;
    }
    finish_sig(&b, signer_cert, signer_cert_len, sig, sig_len, ts, ts_len, &hdr);
    if ((rc = buf_failed(&b, SC_SES_MAX_SIGNATURE, err)) != 0)
        goto out;
    head_end -= SIG_HDR_ROOM - hdr;   /* the DER moved to the buffer's start */
    if (der_sm3 != NULL && (rc = sig_sm3(seal, b.p, b.len, head_end, der_sm3, err)) != 0)
        goto out;
    *der = b.p;
    *der_len = b.len;
    b.p = NULL;
out:
    free(b.p);
    free(sig);
    free(ts);
    return rc;
}

int sc_ses_sign(sc_ses_sig **out, const sc_ses_seal *seal, const sc_key *signer_key,
                const uint8_t *signer_cert, size_t signer_cert_len, const sc_ses_sign_params *p,
                sc_err *err)
{
    uint8_t *der = NULL;
    size_t len = 0;
    int rc;

    *out = NULL;
    if ((rc = sc_ses_sign_der(&der, &len, NULL, seal, signer_key, signer_cert, signer_cert_len,
                              p, err)) == 0)
        rc = sc_ses_sig_parse(out, der, len, err);
    free(der);
    return rc;
}
