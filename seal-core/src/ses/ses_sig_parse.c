/* ses_sig_parse.c: reads SES_Signature V1/V4/V5 into sc_ses_sig, with its embedded seal.
 * V1 keeps the signer certificate inside TBS_Sign; V4/V5 after it (spec/ses-asn1.md §6).
 * Not here: seals (ses_parse.c), checks (verify/). */
#include "ses_int.h"
#include "sealcore/time.h"

#include <stdlib.h>
#include <string.h>

int sc__ses_read_timestamp(sc_der *r, sc_span *out, const char *field, sc_err *err);

/* V1 timeInfo: a BIT or OCTET STRING holding a DER time, or the text "yyyy-MM-dd HH:mm:ss"
 * (ofdrw), or a time-stamp token; V4/V5: GeneralizedTime. */
static int read_time_info(const sc_tlv *t, sc_ses_sig *g, sc_err *err)
{
    static const char *f = "SES_Signature.toSign.timeInfo";
    sc_span in;
    sc_der d;
    sc_tlv inner;
    char text[40];

    if (t->tag == SC_TAG_GENTIME || t->tag == SC_TAG_UTCTIME) {
        g->info.has_sign_time = 1;
        return sc__der_time(t, &g->info.sign_time, f, err);
    }
    if (t->tag == SC_TAG_BIT_STRING) {
        int rc = sc__der_bits(t, &in, f, err);
        if (rc != 0)
            return rc;
    } else if (t->tag == SC_TAG_OCTET_STRING) {
        in = t->val;
    } else {
        return sc_err_set(err, SC_EFORMAT, "%s: expected a time, found tag 0x%02x", f, t->tag);
    }
    sc__der_init(&d, in.p, in.len);
    if (in.len > 0 && (in.p[0] == SC_TAG_GENTIME || in.p[0] == SC_TAG_UTCTIME) &&
        sc__der_any(&d, &inner, f, NULL) == 0 && !sc__der_more(&d) &&
        sc__der_time(&inner, &g->info.sign_time, f, NULL) == 0) {
        g->info.has_sign_time = 1;
        return 0;
    }
    if (in.len < sizeof(text) && memchr(in.p, 0, in.len) == NULL) {
        memcpy(text, in.p, in.len);
        text[in.len] = '\0';
        if (sc_time_parse(text, &g->info.sign_time, NULL) == 0)
            g->info.has_sign_time = 1;
    }
    return 0;   /* a token or unreadable text: the time is simply unknown */
}

static int read_tbs(sc_der *top, sc_ses_sig *g, int *v1, sc_err *err)
{
    sc_der tbs;
    sc_tlv t;
    int rc;

    if ((rc = sc__der_enter(top, SC_TAG_SEQUENCE, &tbs, &t, "SES_Signature.toSign", err)) != 0)
        return rc;
    g->tbs = t.all;
    if ((rc = sc__der_get_uint(&tbs, &g->info.version, "SES_Signature.toSign.version",
                               err)) != 0 ||
        (rc = sc__der_get(&tbs, SC_TAG_SEQUENCE, &t, "SES_Signature.toSign.eseal", err)) != 0)
        return rc;
    if ((rc = sc__ses_seal_parse_in(&g->seal, (uint8_t *)t.all.p, t.all.len, err)) != 0)
        return sc_err_prefix(err, "SES_Signature.toSign.eseal");
    sc_tlv time_info;
    if ((rc = sc__der_any(&tbs, &time_info, "SES_Signature.toSign.timeInfo", err)) != 0 ||
        (rc = read_time_info(&time_info, g, err)) != 0)
        return rc;
    if ((rc = sc__der_any(&tbs, &t, "SES_Signature.toSign.dataHash", err)) != 0)
        return rc;
    if (t.tag == SC_TAG_OCTET_STRING)   /* some V1 writers */
        g->data_hash = t.val;
    else if ((rc = sc__der_bits(&t, &g->data_hash, "SES_Signature.toSign.dataHash", err)) != 0)
        return rc;
    if ((rc = sc__der_any(&tbs, &t, "SES_Signature.toSign.propertyInfo", err)) != 0 ||
        (rc = sc__der_text(&t, &g->property_info, "SES_Signature.toSign.propertyInfo", err)) != 0)
        return rc;
    *v1 = sc__der_peek_tag(&tbs) == SC_TAG_OCTET_STRING;
    /* only V1 may carry a token or text as timeInfo; GB/T 38540 says GeneralizedTime */
    if (!*v1 && time_info.tag != SC_TAG_GENTIME && time_info.tag != SC_TAG_UTCTIME)
        return sc_err_set(err, SC_EFORMAT, "SES_Signature.toSign.timeInfo: expected "
                          "GeneralizedTime, found tag 0x%02x", time_info.tag);
    if (*v1) {
        if ((rc = sc__der_get(&tbs, SC_TAG_OCTET_STRING, &t, "SES_Signature.toSign.cert",
                              err)) != 0)
            return rc;
        g->cert = t.val;
        if ((rc = sc__der_get(&tbs, SC_TAG_OID, &t, "SES_Signature.toSign.signatureAlgorithm",
                              err)) != 0 ||
            (rc = sc__der_oid(&t, g->sig_alg, sizeof(g->sig_alg),
                              "SES_Signature.toSign.signatureAlgorithm", err)) != 0)
            return rc;
    } else if (sc__der_more(&tbs)) {
        /* extDatas: [0] EXPLICIT (ofdrw), [0] IMPLICIT, or untagged (spec/ses-asn1.md §5) */
        static const char *f = "SES_Signature.toSign.extDatas";
        sc_der box, list;
        int tag = sc__der_peek_tag(&tbs);
        if (tag == 0xa0) {
            if ((rc = sc__der_enter(&tbs, 0xa0, &box, NULL, f, err)) != 0)
                return rc;
            /* explicit when the box holds one SEQUENCE OF (whose entries are SEQUENCEs),
             * implicit when it holds the entries themselves (each opens with an OID) */
            sc_der probe = box, first;
            if (sc__der_count(&box) == 1 &&
                sc__der_enter(&probe, SC_TAG_SEQUENCE, &first, NULL, f, NULL) == 0 &&
                (sc__der_peek_tag(&first) == SC_TAG_SEQUENCE || !sc__der_more(&first)))
                box = first;
            list = box;
        } else if ((rc = sc__der_enter(&tbs, SC_TAG_SEQUENCE, &list, NULL, f, err)) != 0) {
            return rc;
        }
        if ((rc = sc__ses_read_exts(&list, &g->exts, &g->info.ext_count, f, err)) != 0)
            return rc;
    }
    return sc__der_leave(&tbs, "SES_Signature.toSign", err);
}

int sc_ses_sig_parse(sc_ses_sig **out, const uint8_t *der, size_t len, sc_err *err)
{
    sc_ses_sig *g;
    sc_der in, top;
    sc_tlv t;
    int v1 = 0, rc;

    *out = NULL;
    if (len == 0 || len > SC_SES_MAX_SIGNATURE)
        return sc_err_set(err, len == 0 ? SC_EFORMAT : SC_ELIMIT,
                          "SES_Signature: %zu bytes, expected 1..%u", len, SC_SES_MAX_SIGNATURE);
    if ((g = calloc(1, sizeof(*g))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    if ((g->der = sc__memdup(der, len, err)) == NULL) {
        rc = SC_ENOMEM;
        goto fail;
    }
    g->der_len = len;
    sc__der_init(&in, g->der, len);
    if ((rc = sc__der_enter(&in, SC_TAG_SEQUENCE, &top, NULL, "SES_Signature", err)) != 0 ||
        (rc = sc__der_leave(&in, "SES_Signature", err)) != 0 ||
        (rc = read_tbs(&top, g, &v1, err)) != 0)
        goto fail;
    if (!v1) {
        if ((rc = sc__der_get(&top, SC_TAG_OCTET_STRING, &t, "SES_Signature.cert", err)) != 0)
            goto fail;
        g->cert = t.val;
        if ((rc = sc__der_get(&top, SC_TAG_OID, &t, "SES_Signature.signatureAlgID", err)) != 0 ||
            (rc = sc__der_oid(&t, g->sig_alg, sizeof(g->sig_alg), "SES_Signature.signatureAlgID",
                              err)) != 0)
            goto fail;
    }
    if ((rc = sc__der_any(&top, &t, "SES_Signature.signature", err)) != 0 ||
        (rc = sc__der_bits(&t, &g->sig_value, "SES_Signature.signature", err)) != 0)
        goto fail;
    if (!v1 && sc__der_more(&top)) {
        if ((rc = sc__ses_read_timestamp(&top, &g->timestamp, "SES_Signature.timeStamp", err)) != 0)
            goto fail;
        g->info.timestamp = g->timestamp.p;
        g->info.timestamp_len = g->timestamp.len;
    }
    if ((rc = sc__der_leave(&top, "SES_Signature", err)) != 0)
        goto fail;
    g->info.layout = v1 ? 1 : (g->seal->info.layout == 5 || g->info.version == 5) ? 5 : 4;
    g->info.data_hash = g->data_hash.p;
    g->info.data_hash_len = g->data_hash.len;
    g->info.property_info = g->property_info;
    g->info.sig_alg = g->sig_alg;
    *out = g;
    return 0;
fail:
    sc_ses_sig_free(g);
    return rc;
}
