/* sealcore/ses.h: electronic seals (SES_Seal) and seal signatures (SES_Signature).
 *
 * Reads GB/T 38540-2020 (V4), GM/T 0031-2014 (V1) and GM/T 0031-2025 (V5), choosing the
 * layout by structure, not by the version number alone; writes V4 only, in canonical DER.
 * Parsed objects keep the bytes exactly as read, and verification hashes those, never a
 * re-encoding (spec/ses-asn1.md §2). Objects are immutable after parse or make: const calls
 * may run from several threads at once. */
#ifndef SEALCORE_SES_H
#define SEALCORE_SES_H

#include <stddef.h>
#include <stdint.h>

#include "sealcore/error.h"
#include "sealcore/key.h"

#define SC_SES_MAX_SEAL (8u * 1024 * 1024)        /* largest seal accepted, bytes */
#define SC_SES_MAX_SIGNATURE (16u * 1024 * 1024)  /* largest SES_Signature accepted */
#define SC_SES_MAX_CERTS 64                        /* signer certificates in one seal */
#define SC_SES_MAX_EXTS 64                         /* extension entries in one list */

typedef struct sc_ses_seal sc_ses_seal;
typedef struct sc_ses_sig sc_ses_sig;

/* A read-only view of a seal. Every pointer is borrowed from the seal and valid until
 * sc_ses_seal_free(). Times are seconds since the epoch, UTC. */
typedef struct sc_ses_seal_info {
    int layout;               /* 1, 4 or 5: the structure found (V1, V4, V5) */
    int64_t version;          /* SES_Header.version as written */
    const char *header_id;    /* "ES" in a well-formed seal */
    const char *vid;          /* vendor id */
    const char *es_id;        /* 印章标识 */
    int64_t type;             /* 印章类型 */
    const char *name;         /* 印章名称, UTF-8 */
    int64_t cert_list_type;   /* 1 certificates, 2 certificate digests (V1: always 1) */
    size_t cert_count;
    int64_t created, valid_start, valid_end;
    const char *picture_type; /* "PNG", "ofd", … as written */
    const uint8_t *picture;
    size_t picture_len;
    int64_t width_mm, height_mm;
    size_t ext_count;
    const char *sig_alg;      /* dotted OID of the maker signature algorithm */
    int has_timestamp;        /* V5 only: SESeal.timeStamp present */
} sc_ses_seal_info;

/** Parse a DER seal (V1, V4 or V5).
 *  @param[out] out  new seal, free with sc_ses_seal_free(); NULL on failure
 *  @param der       1..SC_SES_MAX_SEAL bytes; copied, the caller keeps its buffer
 *  @return 0, SC_EFORMAT, SC_ELIMIT or SC_ENOMEM; err names the field at fault */
SC_API int sc_ses_seal_parse(sc_ses_seal **out, const uint8_t *der, size_t len, sc_err *err);
SC_API void sc_ses_seal_free(sc_ses_seal *seal);   /* NULL is a no-op */

/** The seal's fields. Borrowed; never NULL for a parsed seal. */
SC_API const sc_ses_seal_info *sc_ses_seal_get_info(const sc_ses_seal *seal);
/** The whole seal as read. Borrowed. */
SC_API const uint8_t *sc_ses_seal_get_der(const sc_ses_seal *seal, size_t *len);
/** The bytes the maker signed (V4/V5: SES_SealInfo as read; V1: the rebuilt
 *  SEQUENCE{SES_SealInfo, cert, algorithm} from the original element bytes). Borrowed. */
SC_API const uint8_t *sc_ses_seal_get_tbs(const sc_ses_seal *seal, size_t *len);
/** Maker certificate (DER) and signature value (BIT STRING content). Borrowed. */
SC_API const uint8_t *sc_ses_seal_get_maker_cert(const sc_ses_seal *seal, size_t *len);
SC_API const uint8_t *sc_ses_seal_get_signature(const sc_ses_seal *seal, size_t *len);
/** Entry i of the certificate list: a DER certificate (cert_list_type 1) or a digest value
 *  (type 2, then *digest_type is its CertDigestObj.type, else NULL). Borrowed; NULL when
 *  i >= cert_count. */
SC_API const uint8_t *sc_ses_seal_get_cert(const sc_ses_seal *seal, size_t i, size_t *len,
                                           const char **digest_type);
/** V5 SESeal.timeStamp token bytes, or NULL. Borrowed. */
SC_API const uint8_t *sc_ses_seal_get_timestamp(const sc_ses_seal *seal, size_t *len);

/* One ExtData entry given to sc_ses_seal_make. */
typedef struct sc_ses_ext {
    const char *oid;           /* dotted */
    int critical;
    const uint8_t *value;
    size_t value_len;
} sc_ses_ext;

/* What a new V4 seal says. Pointers are only read during sc_ses_seal_make. */
typedef struct sc_ses_seal_params {
    const char *es_id;         /* 1..64 printable ASCII characters */
    const char *name;          /* UTF-8, 1..256 bytes */
    int64_t type;              /* 印章类型 code, >= 0 */
    const char *vid;           /* vendor id; NULL = "sealpki" */
    int cert_list_type;        /* 1 = list the certificates, 2 = list SM3 digests of them */
    const uint8_t *const *certs;   /* signer certificates, DER */
    const size_t *cert_lens;
    size_t cert_count;         /* 1..SC_SES_MAX_CERTS */
    int64_t created;           /* 0 = now */
    int64_t valid_start, valid_end;
    const char *picture_type;  /* "PNG", "JPG", "GIF", "BMP", "SVG" or "OFD" */
    const uint8_t *picture;
    size_t picture_len;
    int64_t width_mm, height_mm;   /* 1..1000 */
    const sc_ses_ext *exts;
    size_t ext_count;
} sc_ses_seal_params;

/** Make and sign a V4 seal (GB/T 38540). The maker key signs the DER SES_SealInfo with
 *  SM2-with-SM3, ID 1234567812345678.
 *  @param maker_cert  DER certificate of maker_key; refused if the key does not match it
 *  @param[out] out    new seal, free with sc_ses_seal_free()
 *  @return 0, SC_EINVAL (params inconsistent: err says which), SC_ECRYPTO, SC_ENOMEM */
SC_API int sc_ses_seal_make(sc_ses_seal **out, const sc_ses_seal_params *p,
                            const sc_key *maker_key, const uint8_t *maker_cert,
                            size_t maker_cert_len, sc_err *err);

/* A read-only view of a seal signature; borrowed, valid until sc_ses_sig_free(). */
typedef struct sc_ses_sig_info {
    int layout;               /* 1, 4 or 5 */
    int64_t version;          /* TBS_Sign.version as written */
    int has_sign_time;        /* 0 when a V1 timeInfo could not be read as a time */
    int64_t sign_time;        /* TBS_Sign.timeInfo */
    const uint8_t *data_hash;
    size_t data_hash_len;
    const char *property_info;
    const char *sig_alg;      /* dotted OID */
    const uint8_t *timestamp; /* timeStamp token bytes or NULL */
    size_t timestamp_len;
    size_t ext_count;
} sc_ses_sig_info;

/** Parse a DER SES_Signature (V1, V4 or V5), including the seal it embeds.
 *  @param der  1..SC_SES_MAX_SIGNATURE bytes; copied
 *  @return 0, SC_EFORMAT, SC_ELIMIT or SC_ENOMEM */
SC_API int sc_ses_sig_parse(sc_ses_sig **out, const uint8_t *der, size_t len, sc_err *err);
SC_API void sc_ses_sig_free(sc_ses_sig *sig);   /* NULL is a no-op */

SC_API const sc_ses_sig_info *sc_ses_sig_get_info(const sc_ses_sig *sig);
/** The embedded seal, owned by sig. Borrowed. */
SC_API const sc_ses_seal *sc_ses_sig_get_seal(const sc_ses_sig *sig);
SC_API const uint8_t *sc_ses_sig_get_der(const sc_ses_sig *sig, size_t *len);
/** TBS_Sign exactly as read: what the signer signed. Borrowed. */
SC_API const uint8_t *sc_ses_sig_get_tbs(const sc_ses_sig *sig, size_t *len);
/** Signer certificate (DER) and signature value (BIT STRING content). Borrowed. */
SC_API const uint8_t *sc_ses_sig_get_signer_cert(const sc_ses_sig *sig, size_t *len);
SC_API const uint8_t *sc_ses_sig_get_signature(const sc_ses_sig *sig, size_t *len);

/* Asked for a time-stamp token over the new signature value (RFC 3161 imprint = SM3 of
 * value). Must put a new malloc'd token into *token; a non-zero return fails the signing. */
typedef int (*sc_ses_tsa_fn)(void *ctx, const uint8_t *value, size_t value_len, uint8_t **token,
                             size_t *token_len, sc_err *err);

enum {
    SC_SES_SIGN_UNCHECKED = 1   /* skip the seal-validity and signer-in-seal refusals:
                                   for making test vectors only */
};

typedef struct sc_ses_sign_params {
    const uint8_t *data;         /* the original; hashed with SM3 … */
    size_t data_len;
    const uint8_t *data_hash;    /* … unless its 32-byte SM3 hash is given here instead */
    size_t data_hash_len;
    const char *property_info;   /* 原文属性, IA5 (printable ASCII); NULL = "" */
    int64_t sign_time;           /* 0 = now */
    sc_ses_tsa_fn tsa;           /* optional */
    void *tsa_ctx;
    unsigned flags;              /* SC_SES_SIGN_* */
} sc_ses_sign_params;

/** Make a V4 SES_Signature: TBS_Sign{4, the seal's bytes verbatim, time, SM3 hash, property},
 *  signed by signer_key with SM2-with-SM3, ID 1234567812345678.
 *  Refuses (SC_EINVAL) a V1 seal, a key that does not match signer_cert, a signer certificate
 *  the seal does not list, and a signing time outside the seal's validity.
 *  @return 0, SC_EINVAL, SC_ECRYPTO, SC_ENOMEM or the tsa callback's code */
SC_API int sc_ses_sign(sc_ses_sig **out, const sc_ses_seal *seal, const sc_key *signer_key,
                       const uint8_t *signer_cert, size_t signer_cert_len,
                       const sc_ses_sign_params *p, sc_err *err);

/** As sc_ses_sign, but the SES_Signature is only written, not read back into an sc_ses_sig:
 *  for a service that stores or sends the bytes on (reading them back costs as much as
 *  writing them).
 *  @param[out] der, der_len  the new DER SES_Signature; the caller frees it with free()
 *  @param[out] der_sm3       optional (NULL: not computed): SM3 of the DER, for a record of
 *                            the signature. The seal keeps its SM3 state after the part that
 *                            every signature with it shares, so this costs ~1 us, not a pass
 *                            over the seal.
 *  The key and the seal may be shared by threads signing at once; both must outlive every
 *  call in progress (the seal keeps its SM3 states under its own lock).
 *  @return as sc_ses_sign; SC_ELIMIT above SC_SES_MAX_SIGNATURE bytes */
SC_API int sc_ses_sign_der(uint8_t **der, size_t *der_len, uint8_t der_sm3[32],
                           const sc_ses_seal *seal, const sc_key *signer_key,
                           const uint8_t *signer_cert, size_t signer_cert_len,
                           const sc_ses_sign_params *p, sc_err *err);

/** 1 if cert (DER) is in the seal's list (the certificate itself for list type 1, its digest
 *  for type 2), 0 if not, SC_EUNSUPPORTED for a digest type this version cannot compute. */
SC_API int sc_ses_seal_lists_cert(const sc_ses_seal *seal, const uint8_t *cert, size_t len,
                                  sc_err *err);

#endif
