/* ses.c: lifetime and accessors of sc_ses_seal and sc_ses_sig (sealcore/ses.h).
 * Not here: parsing (ses_parse.c, ses_sig_parse.c), writing (ses_write.c). */
#include "ses_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

int sc_ses_seal_parse(sc_ses_seal **out, const uint8_t *der, size_t len, sc_err *err)
{
    uint8_t *copy;
    int rc;

    *out = NULL;
    if (len == 0 || len > SC_SES_MAX_SEAL)
        return sc_err_set(err, len == 0 ? SC_EFORMAT : SC_ELIMIT,
                          "SES_Seal: %zu bytes, expected 1..%u", len, SC_SES_MAX_SEAL);
    if ((copy = sc__memdup(der, len, err)) == NULL)
        return SC_ENOMEM;
    if ((rc = sc__ses_seal_parse_in(out, copy, len, err)) != 0) {
        free(copy);
        return rc;
    }
    (*out)->own_der = 1;
    return 0;
}

void sc_ses_seal_free(sc_ses_seal *s)
{
    if (s == NULL)
        return;
    if (s->digest_types != NULL)
        for (size_t i = 0; i < s->cert_count; i++)
            free(s->digest_types[i]);
    free(s->digest_types);
    free(s->certs);
    free(s->exts);
    free(s->header_id);
    free(s->vid);
    free(s->es_id);
    free(s->name);
    free(s->picture_type);
    free(s->v1_tbs);
    sc__mid_free(&s->sm3_mid);
    if (s->own_der)
        free(s->der);
    free(s);
}

const sc_ses_seal_info *sc_ses_seal_get_info(const sc_ses_seal *s)
{
    return &s->info;
}

const uint8_t *sc_ses_seal_get_der(const sc_ses_seal *s, size_t *len)
{
    *len = s->der_len;
    return s->der;
}

const uint8_t *sc_ses_seal_get_tbs(const sc_ses_seal *s, size_t *len)
{
    if (s->v1_tbs != NULL) {
        *len = s->v1_tbs_len;
        return s->v1_tbs;
    }
    *len = s->sealinfo.len;
    return s->sealinfo.p;
}

const uint8_t *sc_ses_seal_get_maker_cert(const sc_ses_seal *s, size_t *len)
{
    *len = s->maker_cert.len;
    return s->maker_cert.p;
}

const uint8_t *sc_ses_seal_get_signature(const sc_ses_seal *s, size_t *len)
{
    *len = s->sig_value.len;
    return s->sig_value.p;
}

const uint8_t *sc_ses_seal_get_cert(const sc_ses_seal *s, size_t i, size_t *len,
                                    const char **digest_type)
{
    if (digest_type != NULL)
        *digest_type = NULL;
    if (i >= s->cert_count) {
        *len = 0;
        return NULL;
    }
    if (digest_type != NULL && s->digest_types != NULL)
        *digest_type = s->digest_types[i];
    *len = s->certs[i].len;
    return s->certs[i].p;
}

const uint8_t *sc_ses_seal_get_timestamp(const sc_ses_seal *s, size_t *len)
{
    *len = s->timestamp.len;
    return s->info.has_timestamp ? s->timestamp.p : NULL;
}

/* CertDigestObj.type is free text (spec/ses-asn1.md §8); these spellings are the ones seen. */
static const EVP_MD *digest_by_name(const char *t)
{
    if (strcasecmp(t, "SM3") == 0 || strcmp(t, SC_OID_SM3) == 0)
        return sc_sm3_md();
    if (strcasecmp(t, "SHA1") == 0 || strcasecmp(t, "SHA-1") == 0)
        return EVP_sha1();
    if (strcasecmp(t, "SHA256") == 0 || strcasecmp(t, "SHA-256") == 0)
        return EVP_sha256();
    return NULL;
}

int sc_ses_seal_lists_cert(const sc_ses_seal *s, const uint8_t *cert, size_t len, sc_err *err)
{
    for (size_t i = 0; i < s->cert_count; i++) {
        if (s->digest_types == NULL) {
            if (s->certs[i].len == len && memcmp(s->certs[i].p, cert, len) == 0)
                return 1;
            continue;
        }
        const EVP_MD *md = digest_by_name(s->digest_types[i]);
        uint8_t d[EVP_MAX_MD_SIZE];
        unsigned int dlen = 0;
        if (md == NULL)
            return sc_err_set(err, SC_EUNSUPPORTED,
                              "certificate digest type \"%.40s\" is not one of SM3, SHA1, SHA256",
                              s->digest_types[i]);
        if (!EVP_Digest(cert, len, d, &dlen, md, NULL))
            return sc__err_openssl(err, SC_ECRYPTO, "certificate digest failed");
        if (s->certs[i].len == dlen && memcmp(s->certs[i].p, d, dlen) == 0)
            return 1;
    }
    return 0;
}

void sc_ses_sig_free(sc_ses_sig *g)
{
    if (g == NULL)
        return;
    sc_ses_seal_free(g->seal);
    free(g->property_info);
    free(g->exts);
    free(g->der);
    free(g);
}

const sc_ses_sig_info *sc_ses_sig_get_info(const sc_ses_sig *g)
{
    return &g->info;
}

const sc_ses_seal *sc_ses_sig_get_seal(const sc_ses_sig *g)
{
    return g->seal;
}

const uint8_t *sc_ses_sig_get_der(const sc_ses_sig *g, size_t *len)
{
    *len = g->der_len;
    return g->der;
}

const uint8_t *sc_ses_sig_get_tbs(const sc_ses_sig *g, size_t *len)
{
    *len = g->tbs.len;
    return g->tbs.p;
}

const uint8_t *sc_ses_sig_get_signer_cert(const sc_ses_sig *g, size_t *len)
{
    *len = g->cert.len;
    return g->cert.p;
}

const uint8_t *sc_ses_sig_get_signature(const sc_ses_sig *g, size_t *len)
{
    *len = g->sig_value.len;
    return g->sig_value.p;
}
