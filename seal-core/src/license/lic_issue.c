/* lic_issue.c: issuing a licence file (sc_lic_issue, sealcore/license_file.h) exactly as
 * spec/license-file.md lays it out: the identifier, the metadata elements of §2 in the
 * table's order (DocInfo CustomDatas and the tag file TypeID "license"), the face (§4: drawn
 * by lic_face.c), the 2-D code, then the issuer's seal stamped by sc_ofd_sign.
 *
 * The document is built in memory (a one-page licence is tens of KiB plus the template's
 * files) and stamped as it is written (sc__ofd_sign_doc: no unsigned package deflated and
 * read back, which was three quarters of a licence's time besides the signature); the
 * stamper decides everything before its first byte reaches the sink, so a refusal anywhere
 * leaves the sink untouched.
 *
 * Reproducible: DocID is derived from the identifier (the first 16 bytes of SM3(ZZBS), 32
 * lower-case hex digits) and the signing time is issue_time, so the same inputs give the same
 * bytes in every entry but the SM2 signature value inside SignedValue.dat (SM2 signing is
 * randomised). */
#include "license/lic_int.h"
#include "license/lic_issue_int.h"
#include "ofd/ofd_doc_sign.h"
#include "sc_int.h"
#include "sealcore/license_file.h"
#include "sealcore/ofd_doc.h"
#include "sealcore/ofd_sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TAG_TYPE "license"           /* the tag file's TypeID: Doc_0/Tags/Tag_license.xml */
#define LAYOUT_NAME "sealpki.license"
#define LAYOUT_VERSION "1"
#define NO_END "长期"                 /* ZZYXQJZRQ of a licence without an end */
#define CREATOR "sealpki"
/* Elements the issuer may set besides one per field (§2: 16 fixed codes). */
#define MAX_ELEMS (16 + SC_LIC_TMPL_MAX_FIELDS)

typedef struct elem {
    const char *code;            /* ZZMC, CZZT, KZ_JYFW ... */
    const char *value;           /* borrowed from the row, template, params or job */
    const uint32_t *ids;         /* the objects showing it (the job's), NULL: not on the face */
    size_t n;
} elem;

typedef struct job {
    const sc_lic_issue_params *p;
    const sc_lic_template *t;
    size_t nf;
    const char *val[SC_LIC_TMPL_MAX_FIELDS];     /* each field's value; NULL: absent */
    uint32_t *ids[SC_LIC_TMPL_MAX_FIELDS];       /* the objects drawn for it (owned) */
    size_t nids[SC_LIC_TMPL_MAX_FIELDS];
    char zzbs[SC_LIC_ID_BUF];
    char date[16];                               /* the issue date, YYYY-MM-DD */
    int64_t when;                                /* issue_time, 0 resolved to now */
    elem el[MAX_ELEMS];
    size_t nel;
    sc_ofd_doc *doc;
} job;

/* ---- the parameters and the template's files ------------------------------------------ */

static const sc_lic_file *find_file(const sc_lic_issue_params *p, const char *name)
{
    for (size_t i = 0; i < p->file_count; i++)
        if (p->files[i].name != NULL && strcmp(p->files[i].name, name) == 0)
            return &p->files[i];
    return NULL;
}

/* name (a file the template names, for what) is among the files given, with bytes. */
static int need_file(const sc_lic_issue_params *p, const char *name, const char *what,
                     sc_err *err)
{
    const sc_lic_file *f;

    if (name == NULL)
        return 0;
    if ((f = find_file(p, name)) == NULL)
        return sc_err_set(err, SC_EINVAL, "licence: the template's %s '%s' was not given "
                          "(sc_lic_issue_params.files)", what, name);
    if (f->data == NULL || f->len == 0)
        return sc_err_set(err, SC_EINVAL, "licence: the template's %s '%s' is empty", what,
                          name);
    return 0;
}

static int check_files(const job *j, sc_err *err)
{
    int rc = need_file(j->p, sc_lic_template_get_background(j->t), "background", err);

    for (size_t i = 0; rc == 0 && i < sc_lic_template_text_count(j->t); i++)
        rc = need_file(j->p, sc_lic_template_get_text(j->t, i)->font_file, "font file", err);
    for (size_t i = 0; rc == 0 && i < j->nf; i++) {
        const sc_lic_field *f = sc_lic_template_get_field(j->t, i);
        const sc_lic_box *c = sc_lic_field_get_caption(f);
        rc = need_file(j->p, sc_lic_field_get_box(f)->font_file, "font file", err);
        if (rc == 0 && c != NULL)
            rc = need_file(j->p, c->font_file, "font file", err);
    }
    return rc;
}

static int check_params(const sc_lic_issue_params *p, sc_err *err)
{
    const char *missing = p == NULL ? "params" : p->tmpl == NULL ? "tmpl"
                          : p->row == NULL && p->row_len > 0 ? "row"
                          : p->issuer == NULL || p->issuer[0] == '\0' ? "issuer"
                          : p->issuer_code == NULL ? "issuer_code"
                          : p->serial == NULL ? "serial"
                          : p->files == NULL && p->file_count > 0 ? "files"
                          : p->seal == NULL ? "seal" : p->key == NULL ? "key"
                          : p->cert == NULL || p->cert_len == 0 ? "cert" : NULL;

    if (missing != NULL)
        return sc_err_set(err, SC_EINVAL, "licence: %s not given", missing);
    if (p->area_code != NULL &&
        (strlen(p->area_code) != 6 || strspn(p->area_code, "0123456789") != 6))
        return sc_err_set(err, SC_EINVAL, "licence: area_code (ZZSSGXSD) must be 6 digits");
    if (p->verify_url != NULL && p->verify_url[0] == '\0')
        return sc_err_set(err, SC_EINVAL, "licence: verify_url is empty (NULL for none)");
    return 0;
}

/* The row's values by field; an empty value is absent (sc_lic_row_check's rule). */
static void row_values(job *j)
{
    for (size_t i = 0; i < j->p->row_len; i++) {
        const sc_lic_field *f = sc_lic_template_find_field(j->t, j->p->row[i].name);
        for (size_t k = 0; f != NULL && k < j->nf; k++)
            if (sc_lic_template_get_field(j->t, k) == f && j->p->row[i].value[0] != '\0')
                j->val[k] = j->p->row[i].value;
    }
}

/* The issue date in UTC+8 (China has one time zone and no summer time). */
static int issue_date(job *j, sc_err *err)
{
    time_t t;
    struct tm tm;

    j->when = j->p->issue_time != 0 ? j->p->issue_time : (int64_t)time(NULL);
    t = (time_t)(j->when + 8 * 3600);
    if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 < 1 || tm.tm_year + 1900 > 9999)
        return sc_err_set(err, SC_EINVAL, "licence: issue_time %lld is not a date",
                          (long long)j->p->issue_time);
    snprintf(j->date, sizeof(j->date), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday);
    return 0;
}

/* ---- the metadata elements (§2, in the table's order) ----------------------------------- */

/* The field filling element code, or -1. */
static long field_of(const job *j, const char *code)
{
    for (size_t i = 0; i < j->nf; i++) {
        const char *m = sc_lic_field_get_meta(sc_lic_template_get_field(j->t, i));
        if (m != NULL && strcmp(m, code) == 0)
            return (long)i;
    }
    return -1;
}

static void put(job *j, const char *code, const char *value)
{
    elem *e = &j->el[j->nel++];

    e->code = code;
    e->value = value;
    e->ids = NULL;
    e->n = 0;
}

/* Element code from its field when that has a value (its objects linked), else fallback
 * (not on the face; NULL: the element is left out). */
static void put_field(job *j, const char *code, const char *fallback)
{
    long f = field_of(j, code);

    if (f >= 0 && j->val[f] != NULL) {
        put(j, code, j->val[f]);
        j->el[j->nel - 1].ids = j->ids[f];
        j->el[j->nel - 1].n = j->nids[f];
    } else if (fallback != NULL) {
        put(j, code, fallback);
    }
}

/* The name of a holder code type (GB/T 36903 code list, the two we know), or NULL. */
static const char *code_type_name(const char *code)
{
    return code == NULL ? NULL : strcmp(code, "001") == 0 ? "统一社会信用代码"
           : strcmp(code, "111") == 0 ? "公民身份号码" : NULL;
}

static void build_elems(job *j)
{
    const sc_lic_template *t = j->t;
    long dm = field_of(j, "CZZTDMLXDM");
    const char *type_code = dm >= 0 ? j->val[dm] : sc_lic_template_get_holder_code_type(t);
    const char *issued;

    j->nel = 0;
    put(j, "ZZMC", sc_lic_template_get_name(t));
    put(j, "ZZLXDM", sc_lic_template_get_type_code(t));
    put(j, "ZZDYJG", sc_lic_template_get_authority(t));
    put(j, "ZZDYJGDM", sc_lic_template_get_authority_code(t));
    put_field(j, "ZZBH", j->p->serial);
    put(j, "ZZBS", j->zzbs);
    put(j, "ZZBFJG", j->p->issuer);
    put(j, "ZZBFJGDM", j->p->issuer_code);
    put_field(j, "ZZBFRQ", j->date);
    issued = j->el[j->nel - 1].value;
    put_field(j, "CZZT", NULL);
    put_field(j, "CZZTDM", NULL);
    put_field(j, "CZZTDMLX", code_type_name(type_code));
    put_field(j, "CZZTDMLXDM", type_code);
    put_field(j, "ZZYXQQSRQ", issued);
    put_field(j, "ZZYXQJZRQ", NO_END);
    if (j->p->area_code != NULL)
        put(j, "ZZSSGXSD", j->p->area_code);
    for (size_t i = 0; i < j->nf; i++) {
        const char *m = sc_lic_field_get_meta(sc_lic_template_get_field(t, i));
        if (m != NULL && strncmp(m, "KZ_", 3) == 0)
            put_field(j, m, NULL);
    }
}

/* ---- the face ---------------------------------------------------------------------------- */

/* Embed the font file of box b for its font name, once per name. */
static int embed_font(job *j, const sc_lic_box *b, const char **names, const char **files,
                      size_t *n, sc_err *err)
{
    const sc_lic_file *f;

    if (b == NULL || b->font_file == NULL)
        return 0;
    for (size_t i = 0; i < *n; i++)
        if (strcmp(names[i], b->font) == 0) {
            if (strcmp(files[i], b->font_file) == 0)
                return 0;
            return sc_err_set(err, SC_EINVAL, "licence: font '%s' has two files in the "
                              "template ('%s', '%s')", b->font, files[i], b->font_file);
        }
    f = find_file(j->p, b->font_file);   /* present: check_files */
    names[*n] = b->font;
    files[(*n)++] = b->font_file;
    if (sc_ofd_doc_add_font_file(j->doc, b->font, NULL, f->data, f->len, err) != 0)
        return sc_err_prefix(err, "licence: font file '%s'", b->font_file);
    return 0;
}

static int embed_fonts(job *j, sc_err *err)
{
    /* every box of the template: texts, and a value and a caption per field */
    const char *names[SC_LIC_TMPL_MAX_TEXTS + 2 * SC_LIC_TMPL_MAX_FIELDS];
    const char *files[SC_LIC_TMPL_MAX_TEXTS + 2 * SC_LIC_TMPL_MAX_FIELDS];
    size_t n = 0;
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < sc_lic_template_text_count(j->t); i++)
        rc = embed_font(j, sc_lic_template_get_text(j->t, i), names, files, &n, err);
    for (size_t i = 0; rc == 0 && i < j->nf; i++) {
        const sc_lic_field *f = sc_lic_template_get_field(j->t, i);
        rc = embed_font(j, sc_lic_field_get_box(f), names, files, &n, err);
        if (rc == 0)
            rc = embed_font(j, sc_lic_field_get_caption(f), names, files, &n, err);
    }
    return rc;
}

/* Static text: a template's, so not fitting is the caller's template (SC_EINVAL). */
static int draw_static(job *j, const sc_lic_box *b, const char *what, sc_err *err)
{
    uint32_t *ids = NULL;
    size_t n = 0;
    int rc = sc__lic_draw(j->doc, b, b->text, what, SC_EINVAL, &ids, &n, err);

    free(ids);
    return rc;
}

/* The 2-D code: "<verify_url>?id=<ZZBS>" ('&' when the URL has a query already), or the
 * identifier alone; QR at level M, drawn as paths. */
static int draw_code(job *j, sc_err *err)
{
    const char *url = j->p->verify_url;
    double x, y, size;
    char *data = NULL;
    size_t len;
    int rc;

    sc_lic_template_get_code(j->t, &x, &y, &size);
    if (url == NULL)
        return sc_ofd_doc_add_qr(j->doc, 0, x, y, size, (const uint8_t *)j->zzbs,
                                 strlen(j->zzbs), SC_OFD_QR_M, err) != 0
                   ? sc_err_prefix(err, "licence: 2-D code") : 0;
    len = strlen(url) + 4 + strlen(j->zzbs);
    if (len > SC_OFD_DOC_MAX_STRING)
        return sc_err_set(err, SC_EINVAL, "licence: verify_url is longer than %u bytes",
                          SC_OFD_DOC_MAX_STRING);
    if ((data = sc__malloc(len + 1, err)) == NULL)
        return SC_ENOMEM;
    snprintf(data, len + 1, "%s%sid=%s", url, strchr(url, '?') != NULL ? "&" : "?", j->zzbs);
    rc = sc_ofd_doc_add_qr(j->doc, 0, x, y, size, (const uint8_t *)data, len, SC_OFD_QR_M,
                           err);
    free(data);
    return rc != 0 ? sc_err_prefix(err, "licence: 2-D code") : 0;
}

static int draw_face(job *j, sc_err *err)
{
    const sc_lic_template *t = j->t;
    const char *bg = sc_lic_template_get_background(t);
    double pw, ph;
    char what[160];
    int rc;

    sc_lic_template_get_page(t, &pw, &ph);
    if (bg != NULL) {
        const sc_lic_file *f = find_file(j->p, bg);
        if ((rc = sc_ofd_doc_add_image(j->doc, 0, 0, 0, pw, ph, f->data, f->len, NULL,
                                       err)) != 0)
            return sc_err_prefix(err, "licence: background '%s'", bg);
    }
    for (size_t i = 0; i < sc_lic_template_text_count(t); i++) {
        snprintf(what, sizeof(what), "licence template: text %zu", i + 1);
        if ((rc = draw_static(j, sc_lic_template_get_text(t, i), what, err)) != 0)
            return rc;
    }
    for (size_t i = 0; i < j->nf; i++) {
        const sc_lic_field *f = sc_lic_template_get_field(t, i);
        const sc_lic_box *c = sc_lic_field_get_caption(f);
        if (c != NULL) {
            snprintf(what, sizeof(what), "licence template: caption of %s (%s)",
                     sc_lic_field_get_label(f), sc_lic_field_get_name(f));
            if ((rc = draw_static(j, c, what, err)) != 0)
                return rc;
        }
        if (j->val[i] == NULL)
            continue;
        snprintf(what, sizeof(what), "%s (%s)", sc_lic_field_get_label(f),
                 sc_lic_field_get_name(f));
        if ((rc = sc__lic_draw(j->doc, sc_lic_field_get_box(f), j->val[i], what, SC_EFORMAT,
                               &j->ids[i], &j->nids[i], err)) != 0)
            return rc;
    }
    return draw_code(j, err);
}

/* ---- the package ------------------------------------------------------------------------- */

/* DocID: the first 16 bytes of SM3(ZZBS) in hex, so a licence's DocID follows from its
 * identifier (and a re-issue, with a new identifier, gets a new one). */
static int doc_id(const job *j, char hex[33], sc_err *err)
{
    static const char digits[] = "0123456789abcdef";
    uint8_t h[32];
    int rc = sc__sm3((const uint8_t *)j->zzbs, strlen(j->zzbs), h, err);

    for (size_t i = 0; rc == 0 && i < 16; i++) {
        hex[2 * i] = digits[h[i] >> 4];
        hex[2 * i + 1] = digits[h[i] & 15];
    }
    hex[32] = '\0';
    return rc;
}

static int metadata(job *j, sc_err *err)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < j->nel; i++)
        rc = sc_ofd_doc_add_custom(j->doc, j->el[i].code, j->el[i].value, err);
    if (rc == 0)
        rc = sc_ofd_doc_add_custom(j->doc, LAYOUT_NAME, LAYOUT_VERSION, err);
    for (size_t i = 0; rc == 0 && i < j->nel; i++)
        rc = sc_ofd_doc_add_tag(j->doc, TAG_TYPE, j->el[i].code, j->el[i].value, 0,
                                j->el[i].ids, j->el[i].n, err);
    return rc != 0 ? sc_err_prefix(err, "licence: metadata") : 0;
}

/* The document, not yet written. */
static int build(job *j, sc_err *err)
{
    double pw, ph;
    char hex[33];
    int rc;

    sc_lic_template_get_page(j->t, &pw, &ph);
    if ((rc = doc_id(j, hex, err)) != 0 ||
        (rc = sc_ofd_doc_new(&j->doc, pw, ph, err)) != 0 ||
        (rc = sc_ofd_doc_set_doc_id(j->doc, hex, err)) != 0 ||
        (rc = sc_ofd_doc_set_info(j->doc, SC_OFD_DOC_TITLE, sc_lic_template_get_name(j->t),
                                  err)) != 0 ||
        (rc = sc_ofd_doc_set_info(j->doc, SC_OFD_DOC_CREATOR, CREATOR, err)) != 0 ||
        (rc = sc_ofd_doc_add_page(j->doc, NULL, err)) != 0 ||
        (rc = embed_fonts(j, err)) != 0 || (rc = draw_face(j, err)) != 0)
        return rc;
    build_elems(j);
    /* CreationDate = ZZBFRQ: the date the licence says it was issued */
    for (size_t i = 0; i < j->nel; i++)
        if (strcmp(j->el[i].code, "ZZBFRQ") == 0 &&
            (rc = sc_ofd_doc_set_info(j->doc, SC_OFD_DOC_CREATION_DATE, j->el[i].value,
                                      err)) != 0)
            return rc;
    return metadata(j, err);
}

static int stamp(const job *j, sc_ofd_sink sink, void *ctx, sc_err *err)
{
    const sc_lic_issue_params *p = j->p;
    sc_ofd_sign_params sp = { .seal = p->seal, .key = p->key, .cert = p->cert,
                              .cert_len = p->cert_len, .place = SC_OFD_PLACE_PAGE_XY,
                              .page = 1, .sign_time = j->when, .tsa = p->tsa,
                              .tsa_ctx = p->tsa_ctx };
    int rc;

    sc_lic_template_get_seal(j->t, &sp.x_mm, &sp.y_mm);
    if ((rc = sc__ofd_sign_doc(j->doc, &sp, sink, ctx, NULL, err)) != 0)
        sc_err_prefix(err, "licence: the issuer's seal");
    return rc;
}

int sc_lic_issue(const sc_lic_issue_params *p, char id[SC_LIC_ID_BUF], sc_ofd_sink sink,
                 void *ctx, sc_err *err)
{
    job *j = NULL;
    int rc;

    if (id != NULL)
        id[0] = '\0';
    if ((rc = check_params(p, err)) != 0)
        return rc;
    if (sink == NULL)
        return sc_err_set(err, SC_EINVAL, "licence: no sink");
    /* the job holds a few KiB of tables: not on a server thread's stack */
    if ((j = calloc(1, sizeof(*j))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    j->p = p;
    j->t = p->tmpl;
    j->nf = sc_lic_template_field_count(j->t);
    if ((rc = sc_lic_row_check(j->t, p->row, p->row_len, err)) != 0 ||
        (rc = check_files(j, err)) != 0 || (rc = issue_date(j, err)) != 0)
        goto out;
    if ((rc = sc_lic_id_make(j->zzbs, sizeof(j->zzbs), sc_lic_template_get_type_code(j->t),
                             p->issuer_code, p->serial, p->version, err)) != 0) {
        /* a part of the identifier the caller chose: its parameters, not the row */
        rc = SC_EINVAL;
        if (err != NULL)
            err->code = SC_EINVAL;
        sc_err_prefix(err, "licence: identifier (issuer_code, serial, version)");
        goto out;
    }
    row_values(j);
    if ((rc = build(j, err)) != 0 || (rc = stamp(j, sink, ctx, err)) != 0)
        goto out;
    if (id != NULL)
        memcpy(id, j->zzbs, strlen(j->zzbs) + 1);
out:
    for (size_t i = 0; i < j->nf; i++)
        free(j->ids[i]);
    sc_ofd_doc_free(j->doc);
    free(j);
    return rc;
}

/* sc_lic_issue_mem's sink: a memory stream (grows as needed; freed by the caller). */
static int to_stream(void *ctx, const uint8_t *p, size_t n, sc_err *err)
{
    if (fwrite(p, 1, n, (FILE *)ctx) != n)
        return sc_err_set(err, SC_ENOMEM, "licence: out of memory");
    return 0;
}

int sc_lic_issue_mem(const sc_lic_issue_params *p, char id[SC_LIC_ID_BUF], uint8_t **out,
                     size_t *len, sc_err *err)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f;
    int rc;

    if (out == NULL || len == NULL)
        return sc_err_set(err, SC_EINVAL, "licence: no output buffer");
    *out = NULL;
    *len = 0;
    if ((f = open_memstream(&buf, &n)) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    rc = sc_lic_issue(p, id, to_stream, f, err);
    if (fclose(f) != 0 && rc == 0)
        rc = sc_err_set(err, SC_ENOMEM, "licence: out of memory");
    if (rc != 0) {
        free(buf);
        return rc;
    }
    *out = (uint8_t *)buf;
    *len = n;
    return 0;
}
