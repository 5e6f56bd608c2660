/* ses_int.h: the insides of sc_ses_seal and sc_ses_sig, shared by ses_*.c and verify/. */
#ifndef SC_SES_INT_H
#define SC_SES_INT_H

#include "sealcore/ses.h"
#include "crypto/crypto_int.h"
#include "der/der_int.h"

typedef struct sc_ext_entry {
    char oid[96];
    int critical;
    sc_span value;
} sc_ext_entry;

struct sc_ses_seal {
    uint8_t *der;               /* the input; every span points into it */
    int own_der;                /* 1: der is ours to free (0: inside a signature's buffer) */
    size_t der_len;
    sc_ses_seal_info info;      /* public view; its strings are the fields below */
    char *header_id, *vid, *es_id, *name, *picture_type;
    char sig_alg[96];
    sc_span sealinfo;           /* SES_SealInfo as read */
    uint8_t *v1_tbs;            /* V1 only: SEQUENCE{info, cert, alg}, owned */
    size_t v1_tbs_len;
    sc_span *certs;             /* owned array of spans */
    char **digest_types;        /* owned array (type 2) or NULL */
    size_t cert_count;
    sc_ext_entry *exts;
    sc_span maker_cert;
    sc_span sig_value;
    sc_span timestamp;
    sc_mid sm3_mid;             /* SM3 after the headers and version before the seal, and the
                                   seal, in SES_Signatures made with it (sc_ses_sign_der's
                                   der_sm3); the body is der: fixed. Written under its own
                                   lock, so threads may sign with one seal at once */
};

struct sc_ses_sig {
    uint8_t *der;
    size_t der_len;
    sc_ses_sig_info info;
    sc_ses_seal *seal;
    char *property_info;
    char sig_alg[96];
    sc_span tbs, cert, sig_value, timestamp, data_hash;
    sc_ext_entry *exts;
};

/* ExtensionDatas (SEQUENCE OF ExtData) from a cursor on its content. */
int sc__ses_read_exts(sc_der *list, sc_ext_entry **out, size_t *count, const char *field,
                      sc_err *err);
/* Parse a seal from bytes that stay owned by the caller's buffer (no copy when own == 0). */
int sc__ses_seal_parse_in(sc_ses_seal **out, const uint8_t *der, size_t len, sc_err *err);

#endif
