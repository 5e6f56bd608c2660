/* ses_parse.c: reads SES_Seal V1/V4/V5 (GB/T 38540, GM/T 0031) into sc_ses_seal.
 * Liberal where real seals differ (spec/ses-asn1.md §2, §5, §6): string-type variants,
 * explicit DEFAULT booleans, three tagging forms of [0], UTCTime or GeneralizedTime, V1 or
 * V4 property layouts in either version. Keeps every span pointing at the bytes as read.
 * Not here: signatures (ses_sig_parse.c), writing (ses_write.c), checks (verify/). */
#include "ses_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sc__ses_read_exts(sc_der *list, sc_ext_entry **out, size_t *count, const char *field,
                      sc_err *err)
{
    int n = sc__der_count(list), rc;
    sc_ext_entry *e;

    *out = NULL;
    *count = 0;
    if (n < 0)
        return sc_err_set(err, SC_EFORMAT, "%s: malformed list", field);
    if (n > SC_SES_MAX_EXTS)
        return sc_err_set(err, SC_ELIMIT, "%s: %d entries, at most %d", field, n, SC_SES_MAX_EXTS);
    if (n == 0)
        return 0;
    if ((e = calloc((size_t)n, sizeof(*e))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        sc_der ext;
        sc_tlv t;
        if ((rc = sc__der_enter(list, SC_TAG_SEQUENCE, &ext, NULL, field, err)) != 0 ||
            (rc = sc__der_get(&ext, SC_TAG_OID, &t, field, err)) != 0 ||
            (rc = sc__der_oid(&t, e[i].oid, sizeof(e[i].oid), field, err)) != 0)
            goto fail;
        if (sc__der_peek_tag(&ext) == SC_TAG_BOOLEAN) {   /* DEFAULT FALSE, written or not */
            if ((rc = sc__der_get(&ext, SC_TAG_BOOLEAN, &t, field, err)) != 0)
                goto fail;
            if (t.val.len != 1) {
                rc = sc_err_set(err, SC_EFORMAT, "%s[%d].critical: BOOLEAN of %zu bytes", field,
                                i, t.val.len);
                goto fail;
            }
            e[i].critical = t.val.p[0] != 0;
        }
        if ((rc = sc__der_get(&ext, SC_TAG_OCTET_STRING, &t, field, err)) != 0 ||
            (rc = sc__der_leave(&ext, field, err)) != 0)
            goto fail;
        e[i].value = t.val;
    }
    *out = e;
    *count = (size_t)n;
    return 0;
fail:
    free(e);
    return rc;
}

static int read_text(sc_der *r, char **out, const char *field, sc_err *err)
{
    sc_tlv t;
    int rc = sc__der_any(r, &t, field, err);

    return rc != 0 ? rc : sc__der_text(&t, out, field, err);
}

static int read_time(sc_der *r, int64_t *out, const char *field, sc_err *err)
{
    sc_tlv t;
    int rc = sc__der_any(r, &t, field, err);

    return rc != 0 ? rc : sc__der_time(&t, out, field, err);
}

/* CertInfoList (SEQUENCE OF OCTET STRING) or CertDigestList (SEQUENCE OF CertDigestObj),
 * told apart by what the entries are, since the CHOICE carries no tag. */
static int read_cert_list(sc_der *prop, sc_ses_seal *s, sc_err *err)
{
    static const char *f = "SES_Seal.esealInfo.property.certList";
    sc_der list;
    int n, rc;

    if ((rc = sc__der_enter(prop, SC_TAG_SEQUENCE, &list, NULL, f, err)) != 0)
        return rc;
    if ((n = sc__der_count(&list)) < 0)
        return sc_err_set(err, SC_EFORMAT, "%s: malformed list", f);
    if (n > SC_SES_MAX_CERTS)
        return sc_err_set(err, SC_ELIMIT, "%s: %d entries, at most %d", f, n, SC_SES_MAX_CERTS);
    if (n > 0 && (s->certs = calloc((size_t)n, sizeof(*s->certs))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    if (n > 0 && sc__der_peek_tag(&list) == SC_TAG_SEQUENCE &&
        (s->digest_types = calloc((size_t)n, sizeof(char *))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        sc_tlv t;
        if (s->digest_types != NULL) {
            sc_der obj;
            if ((rc = sc__der_enter(&list, SC_TAG_SEQUENCE, &obj, NULL, f, err)) != 0 ||
                (rc = read_text(&obj, &s->digest_types[i], f, err)) != 0 ||
                (rc = sc__der_get(&obj, SC_TAG_OCTET_STRING, &t, f, err)) != 0 ||
                (rc = sc__der_leave(&obj, f, err)) != 0) {
                free(s->digest_types[i]);   /* only entries below cert_count are freed later */
                s->digest_types[i] = NULL;
                return sc_err_prefix(err, "entry %d", i);
            }
        } else if ((rc = sc__der_get(&list, SC_TAG_OCTET_STRING, &t, f, err)) != 0) {
            return sc_err_prefix(err, "entry %d", i);
        }
        s->certs[i] = t.val;
        s->cert_count++;
    }
    return 0;
}

static int read_property(sc_der *info, sc_ses_seal *s, sc_err *err)
{
    sc_ses_seal_info *i = &s->info;
    sc_der prop;
    int rc;

    if ((rc = sc__der_enter(info, SC_TAG_SEQUENCE, &prop, NULL, "SES_Seal.esealInfo.property",
                            err)) != 0 ||
        (rc = sc__der_get_uint(&prop, &i->type, "SES_Seal.esealInfo.property.type", err)) != 0 ||
        (rc = read_text(&prop, &s->name, "SES_Seal.esealInfo.property.name", err)) != 0)
        return rc;
    i->cert_list_type = 1;   /* V1 has no certListType: a plain list of certificates */
    if (sc__der_peek_tag(&prop) == SC_TAG_INTEGER &&
        (rc = sc__der_get_uint(&prop, &i->cert_list_type,
                               "SES_Seal.esealInfo.property.certListType", err)) != 0)
        return rc;
    if ((rc = read_cert_list(&prop, s, err)) != 0 ||
        (rc = read_time(&prop, &i->created, "SES_Seal.esealInfo.property.createDate", err)) != 0 ||
        (rc = read_time(&prop, &i->valid_start, "SES_Seal.esealInfo.property.validStart",
                        err)) != 0 ||
        (rc = read_time(&prop, &i->valid_end, "SES_Seal.esealInfo.property.validEnd", err)) != 0)
        return rc;
    return sc__der_leave(&prop, "SES_Seal.esealInfo.property", err);
}

static int read_picture(sc_der *info, sc_ses_seal *s, sc_err *err)
{
    sc_ses_seal_info *i = &s->info;
    sc_der pic;
    sc_tlv t;
    int rc;

    if ((rc = sc__der_enter(info, SC_TAG_SEQUENCE, &pic, NULL, "SES_Seal.esealInfo.picture",
                            err)) != 0 ||
        (rc = read_text(&pic, &s->picture_type, "SES_Seal.esealInfo.picture.type", err)) != 0 ||
        (rc = sc__der_get(&pic, SC_TAG_OCTET_STRING, &t, "SES_Seal.esealInfo.picture.data",
                          err)) != 0 ||
        (rc = sc__der_get_uint(&pic, &i->width_mm, "SES_Seal.esealInfo.picture.width", err)) != 0 ||
        (rc = sc__der_get_uint(&pic, &i->height_mm, "SES_Seal.esealInfo.picture.height", err)) != 0)
        return rc;
    i->picture = t.val.p;
    i->picture_len = t.val.len;
    return sc__der_leave(&pic, "SES_Seal.esealInfo.picture", err);
}

static int read_sealinfo(sc_der *top, sc_ses_seal *s, sc_err *err)
{
    sc_ses_seal_info *i = &s->info;
    sc_der info, hdr;
    sc_tlv t;
    int rc;

    if ((rc = sc__der_enter(top, SC_TAG_SEQUENCE, &info, &t, "SES_Seal.esealInfo", err)) != 0)
        return rc;
    s->sealinfo = t.all;
    if ((rc = sc__der_enter(&info, SC_TAG_SEQUENCE, &hdr, NULL, "SES_Seal.esealInfo.header",
                            err)) != 0 ||
        (rc = read_text(&hdr, &s->header_id, "SES_Seal.esealInfo.header.ID", err)) != 0 ||
        (rc = sc__der_get_uint(&hdr, &i->version, "SES_Seal.esealInfo.header.version", err)) != 0 ||
        (rc = read_text(&hdr, &s->vid, "SES_Seal.esealInfo.header.Vid", err)) != 0 ||
        (rc = sc__der_leave(&hdr, "SES_Seal.esealInfo.header", err)) != 0 ||
        (rc = read_text(&info, &s->es_id, "SES_Seal.esealInfo.esID", err)) != 0 ||
        (rc = read_property(&info, s, err)) != 0 || (rc = read_picture(&info, s, err)) != 0)
        return rc;
    if (sc__der_more(&info)) {   /* extDatas: untagged in every implementation seen */
        sc_der list;
        int tag = sc__der_peek_tag(&info);
        if ((rc = sc__der_enter(&info, (uint8_t)(tag == 0xa0 ? 0xa0 : SC_TAG_SEQUENCE), &list,
                                NULL, "SES_Seal.esealInfo.extDatas", err)) != 0 ||
            (rc = sc__ses_read_exts(&list, &s->exts, &i->ext_count, "SES_Seal.esealInfo.extDatas",
                                    err)) != 0)
            return rc;
    }
    return sc__der_leave(&info, "SES_Seal.esealInfo", err);
}

static int read_maker_sig(sc_der *r, sc_ses_seal *s, const char *where, sc_span *cert_all,
                          sc_span *alg_all, sc_err *err)
{
    char f[96];
    sc_tlv t;
    int rc;

    snprintf(f, sizeof(f), "%s.cert", where);
    if ((rc = sc__der_get(r, SC_TAG_OCTET_STRING, &t, f, err)) != 0)
        return rc;
    s->maker_cert = t.val;
    *cert_all = t.all;
    snprintf(f, sizeof(f), "%s.signatureAlgorithm", where);
    if ((rc = sc__der_get(r, SC_TAG_OID, &t, f, err)) != 0 ||
        (rc = sc__der_oid(&t, s->sig_alg, sizeof(s->sig_alg), f, err)) != 0)
        return rc;
    *alg_all = t.all;
    snprintf(f, sizeof(f), "%s.signedValue", where);
    if ((rc = sc__der_any(r, &t, f, err)) != 0 || (rc = sc__der_bits(&t, &s->sig_value, f, err)) != 0)
        return rc;
    return 0;
}

/* V1: the maker signed SEQUENCE{SES_SealInfo, cert, signatureAlgorithm}, rebuilt here from the
 * original element bytes (spec/ses-asn1.md §3). */
static int build_v1_tbs(sc_ses_seal *s, sc_span cert_all, sc_span alg_all, sc_err *err)
{
    uint8_t hdr[8];
    size_t body, h, o;

    if (sc__size_add(&body, s->sealinfo.len, cert_all.len) != 0 ||
        sc__size_add(&body, body, alg_all.len) != 0)
        return sc_err_set(err, SC_ELIMIT, "SES_Seal: V1 seal too large");
    h = sc__der_header(hdr, SC_TAG_SEQUENCE, body);
    if ((s->v1_tbs = sc__malloc(h + body, err)) == NULL)
        return SC_ENOMEM;
    memcpy(s->v1_tbs, hdr, h);
    o = h;
    memcpy(s->v1_tbs + o, s->sealinfo.p, s->sealinfo.len);
    o += s->sealinfo.len;
    memcpy(s->v1_tbs + o, cert_all.p, cert_all.len);
    o += cert_all.len;
    memcpy(s->v1_tbs + o, alg_all.p, alg_all.len);
    s->v1_tbs_len = o + alg_all.len;
    return 0;
}

/* The optional V5 timeStamp in any of its three forms: [0] EXPLICIT, [0] IMPLICIT, untagged. */
int sc__ses_read_timestamp(sc_der *r, sc_span *out, const char *field, sc_err *err);
int sc__ses_read_timestamp(sc_der *r, sc_span *out, const char *field, sc_err *err)
{
    sc_tlv t;
    int rc, tag = sc__der_peek_tag(r);

    if (tag == 0xa0) {
        sc_der in;
        if ((rc = sc__der_enter(r, 0xa0, &in, NULL, field, err)) != 0 ||
            (rc = sc__der_any(&in, &t, field, err)) != 0 ||
            (rc = sc__der_leave(&in, field, err)) != 0)
            return rc;
    } else if ((rc = sc__der_any(r, &t, field, err)) != 0) {
        return rc;
    }
    if (t.tag == 0x80)
        t.tag = SC_TAG_BIT_STRING;
    return sc__der_bits(&t, out, field, err);
}

int sc__ses_seal_parse_in(sc_ses_seal **out, const uint8_t *der, size_t len, sc_err *err)
{
    sc_ses_seal *s;
    sc_der in, top;
    sc_span cert_all, alg_all;
    int n, rc;

    *out = NULL;
    if (len == 0 || len > SC_SES_MAX_SEAL)
        return sc_err_set(err, len == 0 ? SC_EFORMAT : SC_ELIMIT,
                          "SES_Seal: %zu bytes, expected 1..%u", len, SC_SES_MAX_SEAL);
    if ((s = calloc(1, sizeof(*s))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    sc__mid_init(&s->sm3_mid, 1);
    s->der = (uint8_t *)der;
    s->der_len = len;
    sc__der_init(&in, der, len);
    if ((rc = sc__der_enter(&in, SC_TAG_SEQUENCE, &top, NULL, "SES_Seal", err)) != 0 ||
        (rc = sc__der_leave(&in, "SES_Seal", err)) != 0)
        goto fail;
    n = sc__der_count(&top);
    if ((rc = read_sealinfo(&top, s, err)) != 0)
        goto fail;
    if (sc__der_peek_tag(&top) == SC_TAG_SEQUENCE) {   /* V1: SES_SignInfo */
        sc_der si;
        s->info.layout = 1;
        if ((rc = sc__der_enter(&top, SC_TAG_SEQUENCE, &si, NULL, "SES_Seal.signInfo", err)) != 0 ||
            (rc = read_maker_sig(&si, s, "SES_Seal.signInfo", &cert_all, &alg_all, err)) != 0 ||
            (rc = sc__der_leave(&si, "SES_Seal.signInfo", err)) != 0)
            goto fail;
        if ((rc = build_v1_tbs(s, cert_all, alg_all, err)) != 0)
            goto fail;
    } else {
        s->info.layout = (n == 5 || s->info.version == 5) ? 5 : 4;
        if ((rc = read_maker_sig(&top, s, "SES_Seal", &cert_all, &alg_all, err)) != 0)
            goto fail;
        if (sc__der_more(&top)) {
            if ((rc = sc__ses_read_timestamp(&top, &s->timestamp, "SES_Seal.timeStamp", err)) != 0)
                goto fail;
            s->info.layout = 5;
            s->info.has_timestamp = 1;
        }
    }
    if ((rc = sc__der_leave(&top, "SES_Seal", err)) != 0)
        goto fail;
    s->info.header_id = s->header_id;
    s->info.vid = s->vid;
    s->info.es_id = s->es_id;
    s->info.name = s->name;
    s->info.picture_type = s->picture_type;
    s->info.cert_count = s->cert_count;
    s->info.sig_alg = s->sig_alg;
    *out = s;
    return 0;
fail:
    sc_ses_seal_free(s);
    return rc;
}
