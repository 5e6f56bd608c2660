/* ofd_stamp.c: sc_ofd_sign, stamping a seal onto an OFD package (sealcore/ofd_sign.h;
 * spec/ofd-signature.md §4-§5, the algorithm of ofdrw's OFDSigner.exeSign with SignMode
 * ContinueSign, or WholeProtected for lock).
 * Not here: placing the seal (ofd_stamp_pos.c), the XML bytes (ofd_stamp_xml.c), the zip
 * writer (ofd_zipw.c), the SES_Signature (ses_write.c).
 *
 * Two passes over the input, both streamed: the first hashes every entry for the References
 * (sc_ofd_pkg_sm3, 64 KiB at a time), the second copies each unchanged entry as its raw
 * stored bytes (sc__zipw_copy). A document stamped as it is written (sc__ofd_sign_doc,
 * ofd_doc_sign.h) goes through the same steps with its parts in memory as the input
 * (sc__ofd_src): hashed and zipped from those bytes, its model taken from the document.
 * Between the passes everything is decided and signed, so a refusal
 * never reaches the sink, and the sink sees one forward pass. Only OFD.xml (first signature)
 * and Signatures.xml are replaced; both are edited as bytes (ofd_stamp_xml.c). Neither is
 * covered by an earlier signature: OFD.xml is only edited when there is none, and
 * Signatures.xml only when none covers it (a locked document is refused). */
#include "ofd/ofd_stamp_int.h"
#include "sc_int.h"
#include "sealcore/time.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zip.h>

#include "ofd/ofd_zipw.h"

#define NAME_CAP (SC_OFD_MAX_NAME + 2)   /* a name with a leading "/" and its NUL */
#define MAX_SIGN_DIRS 100000u            /* Sign_<n> indexes tried */

typedef struct job {
    sc__ofd_src src;
    int level;                    /* deflate level of the output; 0: the zip writer's */
    size_t min_deflate;           /* with level: shorter entries are stored */
    const sc_ofd_sign_params *p;
    sc__ofd_model *m;
    int64_t t;                    /* signing time */
    double w, h;                  /* seal size, mm */
    int first;                    /* no Signatures.xml yet: this signature creates it */
    size_t ofd_ix, sigs_ix;       /* entries of OFD.xml and of the existing Signatures.xml
                                     (SIZE_MAX: none) */
    char sigs[NAME_CAP];          /* Signatures.xml entry */
    /* "/Doc_0/Signs/Sign_n/…": the absolute locations; +1 is the entry name */
    char seal_loc[NAME_CAP], sig_loc[NAME_CAP], value_loc[NAME_CAP];
    uint64_t id, max_id;          /* Signature@ID, MaxSignId after this signature */
    sc__ofd_stamp *stamps;
    size_t nstamps;
    uint8_t *ofd_xml, *sigs_xml, *sig_xml;   /* new OFD.xml (first only), Signatures.xml,
                                                Signature.xml */
    size_t ofd_xml_len, sigs_xml_len, sig_xml_len;
    sc__ofd_newref *refs;
    size_t nrefs;
    uint8_t *ses;      /* SignedValue.dat: the SES_Signature's DER (sc_ses_sign_der) */
    size_t ses_len;
} job;

/* ---- the input ---------------------------------------------------------------------------- */

size_t sc__ofd_src_count(const sc__ofd_src *s)
{
    return s->pkg != NULL ? sc_ofd_pkg_count(s->pkg) : s->nparts;
}

const char *sc__ofd_src_name(const sc__ofd_src *s, size_t i)
{
    return s->pkg != NULL ? sc_ofd_pkg_name(s->pkg, i) : s->parts[i].name;
}

int sc__ofd_src_find(const sc__ofd_src *s, const char *loc, size_t *ix, sc_err *err)
{
    char name[NAME_CAP];
    int rc;

    if (s->pkg != NULL)
        return sc_ofd_pkg_find(s->pkg, NULL, loc, ix, err);
    if ((rc = sc_ofd_path_resolve(NULL, loc, name, sizeof(name), err)) != 0)
        return rc;
    for (size_t i = 0; i < s->nparts; i++)
        if (strcmp(s->parts[i].name, name) == 0) {
            *ix = i;
            return 0;
        }
    return sc_err_set(err, SC_ENOTFOUND, "OFD entry \"%.200s\" not found", name);
}

int sc__ofd_src_read(const sc__ofd_src *s, size_t i, uint8_t **buf, size_t *len, sc_err *err)
{
    const sc__ofd_part *pt;

    if (s->pkg != NULL)
        return sc_ofd_pkg_read(s->pkg, i, SC_OFD_MAX_XML, buf, len, err);
    pt = &s->parts[i];                  /* parts is NULL for a package: no offset from it */
    *buf = NULL;
    if (pt->len > SC_OFD_MAX_XML)
        return sc_err_set(err, SC_ELIMIT, "OFD entry \"%.200s\": %zu bytes, more than the %u "
                          "allowed", pt->name, pt->len, SC_OFD_MAX_XML);
    if ((*buf = sc__malloc(pt->len + 1, err)) == NULL)
        return SC_ENOMEM;
    memcpy(*buf, pt->data, pt->len);
    (*buf)[pt->len] = '\0';
    *len = pt->len;
    return 0;
}

/* ---- checks ----------------------------------------------------------------------------- */

static int check_params(const sc_ofd_sign_params *p, sc_err *err)
{
    if (p == NULL || p->seal == NULL || p->key == NULL || p->cert == NULL || p->cert_len == 0)
        return sc_err_set(err, SC_EINVAL, "a seal, the signer's key and certificate are needed");
    if (!(p->width_mm == 0 && p->height_mm == 0) &&
        !(p->width_mm > 0 && p->width_mm <= SC_OFD_SIGN_MAX_MM && p->height_mm > 0 &&
          p->height_mm <= SC_OFD_SIGN_MAX_MM))
        return sc_err_set(err, SC_EINVAL, "seal size %gx%g mm: each side must be in (0, %g], or "
                          "both 0 for the seal picture's size", p->width_mm, p->height_mm,
                          SC_OFD_SIGN_MAX_MM);
    return 0;
}

/* The refusals sc_ses_sign makes, made before the package is hashed: a wrong key or seal
 * should not cost a pass over 200 MB. sc_ses_sign checks again at the end. */
static int check_signer(const job *j, sc_err *err)
{
    const sc_ses_seal_info *si = sc_ses_seal_get_info(j->p->seal);
    char a[32], b[32];
    int rc;

    if (si->layout == 1)
        return sc_err_set(err, SC_EINVAL, "seal %s is a GM/T 0031-2014 (V1) seal: read and "
                          "verify only; make a GB/T 38540 seal to sign", si->es_id);
    if ((rc = sc_key_matches_cert(j->p->key, j->p->cert, j->p->cert_len, err)) != 0)
        return sc_err_prefix(err, "signer");
    if ((rc = sc_ses_seal_lists_cert(j->p->seal, j->p->cert, j->p->cert_len, err)) < 0)
        return rc;
    if (rc == 0)
        return sc_err_set(err, SC_EINVAL, "the signer certificate is not in the certificate list "
                          "of seal %s", si->es_id);
    if (j->t < si->valid_start || j->t > si->valid_end)
        return sc_err_set(err, SC_EINVAL, "seal %s is valid from %s to %s, not at the signing "
                          "time", si->es_id, sc_time_format(si->valid_start, a, sizeof(a)),
                          sc_time_format(si->valid_end, b, sizeof(b)));
    return 0;
}

/* Every name can go into a Reference, and every entry can be hashed and copied raw: not
 * encrypted, stored or deflated. */
static int check_entries(job *j, sc_err *err)
{
    size_t n = sc__ofd_src_count(&j->src);

    for (size_t i = 0; i < n; i++) {
        const char *name = sc__ofd_src_name(&j->src, i);
        struct zip_file *zf = NULL;
        sc__ofd_raw_stat st;
        int rc;
        if ((rc = sc__ofd_xml_name_ok(name, err)) != 0)
            return sc_err_prefix(err, "entry: a Reference cannot name it");
        if (j->src.pkg == NULL)   /* parts: bytes in memory, zipped by us */
            continue;
        rc = sc__ofd_pkg_raw_open(j->src.pkg, i, &st, &zf, err);
        if (zf != NULL)
            zip_fclose(zf);
        if (rc == SC_EUNSUPPORTED)
            return sc_err_prefix(err, "cannot seal a package with encrypted entries");
        if (rc != 0)
            return rc;
        /* what the raw copy refuses, refused here before any output */
        if (st.method != 0 && st.method != 8)
            return sc_err_set(err, SC_EUNSUPPORTED, "OFD entry \"%.200s\": compression method "
                              "%u (only stored and deflate entries can be copied)", name,
                              (unsigned)st.method);
    }
    return 0;
}

/* s is a decimal number (what ofdrw and vendors write) up to 18 digits; others are not
 * counted (XSD xs:ID names such as "s001" cannot collide with a number). */
static int numeric(const char *s, uint64_t *v)
{
    size_t n = s != NULL ? strlen(s) : 0;

    if (n == 0 || n > 18 || strspn(s, "0123456789") != n)
        return 0;
    *v = strtoull(s, NULL, 10);
    return 1;
}

/* Earlier signatures: each must be readable and none may cover Signatures.xml; the next ID
 * comes after every numeric MaxSignId, Signature ID and StampAnnot ID. */
static int check_sigs(job *j, sc_err *err)
{
    const sc__ofd_model *m = j->m;
    uint64_t max = 0, v;

    if (numeric(m->max_sign_id, &v) && v > max)
        max = v;
    for (size_t i = 0; i < m->nsigs; i++) {
        const sc__ofd_sig *g = &m->sigs[i];
        if (g->problem != NULL)
            return sc_err_set(err, SC_EFORMAT, "signature %.40s (%.200s) cannot be read, so "
                              "whether it locks the document cannot be told: %s", g->id,
                              g->base_loc, g->problem);
        for (size_t r = 0; r < g->nrefs; r++)
            if (g->refs[r].entry != NULL && strcmp(g->refs[r].entry, m->sigs_entry) == 0)
                return sc_err_set(err, SC_EINVAL, "the document is locked: signature %.40s "
                                  "covers %s, so adding a signature would break it (it was "
                                  "made as the final one)", g->id, m->sigs_entry);
        if (numeric(g->id, &v) && v > max)
            max = v;
        for (size_t a = 0; a < g->nannots; a++)
            if (numeric(g->annots[a].id, &v) && v > max)
                max = v;
    }
    /* max < 10^18 and nstamps <= SC__OFD_MAX_ANNOTS: no overflow */
    j->id = max + 1;
    j->max_id = j->id + j->nstamps;
    for (size_t i = 0; i < j->nstamps; i++)
        j->stamps[i].id = j->id + 1 + i;
    return 0;
}

/* ---- names ------------------------------------------------------------------------------ */

/* dir + "/" + name (dir "" = the root) with lead ("/" or "") in front, into out. */
static int join(char out[NAME_CAP], const char *lead, const char *dir, const char *name,
                sc_err *err)
{
    int n = snprintf(out, NAME_CAP, "%s%s%s%s", lead, dir, *dir != '\0' ? "/" : "", name);

    if (n < 0 || (size_t)n >= NAME_CAP || (size_t)n - strlen(lead) > SC_OFD_MAX_NAME)
        return sc_err_set(err, SC_ELIMIT, "entry \"%.100s/%s\": longer than %u bytes", dir,
                          name, SC_OFD_MAX_NAME);
    return 0;
}

/* 1 when an entry is dir or lies inside it. */
static int dir_used(const sc__ofd_src *src, const char *dir)
{
    size_t n = sc__ofd_src_count(src), k = strlen(dir);

    for (size_t i = 0; i < n; i++) {
        const char *name = sc__ofd_src_name(src, i);
        if (strncmp(name, dir, k) == 0 && (name[k] == '\0' || name[k] == '/'))
            return 1;
    }
    return 0;
}

/* Signatures.xml (existing, or <DocRoot's directory>/Signs/Signatures.xml) and the first
 * free Sign_<n> beside it. */
static int choose_names(job *j, sc_err *err)
{
    char dir[NAME_CAP], signs[NAME_CAP], sign_dir[NAME_CAP], leaf[32];
    size_t ix;
    int rc;

    if (j->first) {
        sc__ofd_dirname(j->m->doc_root, dir, sizeof(dir));
        if ((rc = join(j->sigs, "", dir, "Signs/Signatures.xml", err)) != 0)
            return rc;
        if (sc__ofd_src_find(&j->src, j->sigs, &ix, NULL) == 0)
            return sc_err_set(err, SC_EFORMAT, "%s exists but OFD.xml does not name it: "
                              "refusing to replace it", j->sigs);
    } else {
        snprintf(j->sigs, sizeof(j->sigs), "%s", j->m->sigs_entry);
        if ((rc = sc__ofd_src_find(&j->src, j->sigs, &j->sigs_ix, err)) != 0)
            return rc;
    }
    sc__ofd_dirname(j->sigs, signs, sizeof(signs));
    for (unsigned n = 0;; n++) {
        if (n == MAX_SIGN_DIRS)
            return sc_err_set(err, SC_ELIMIT, "%s: Sign_0 to Sign_%u are all taken", signs,
                              MAX_SIGN_DIRS - 1);
        snprintf(leaf, sizeof(leaf), "Sign_%u", n);
        if ((rc = join(sign_dir, "", signs, leaf, err)) != 0)
            return rc;
        if (!dir_used(&j->src, sign_dir))
            break;
    }
    if ((rc = join(j->seal_loc, "/", sign_dir, "Seal.esl", err)) != 0 ||
        (rc = join(j->sig_loc, "/", sign_dir, "Signature.xml", err)) != 0 ||
        (rc = join(j->value_loc, "/", sign_dir, "SignedValue.dat", err)) != 0)
        return rc;
    return 0;
}

/* ---- the new XML files ------------------------------------------------------------------ */

static int read_raw(job *j, size_t ix, uint8_t **buf, size_t *len, sc_err *err)
{
    int rc = sc__ofd_src_read(&j->src, ix, buf, len, err);
    if (rc != 0)
        sc_err_prefix(err, "%s", sc__ofd_src_name(&j->src, ix));
    return rc;
}

static int make_index_files(job *j, sc_err *err)
{
    char sigs_loc[NAME_CAP];
    uint8_t *raw = NULL;
    size_t len = 0;
    int rc;

    if (j->first) {
        snprintf(sigs_loc, sizeof(sigs_loc), "/%s", j->sigs);   /* fits: join checked it */
        if ((rc = read_raw(j, j->ofd_ix, &raw, &len, err)) != 0 ||
            (rc = sc__ofd_xml_add_sigs_ptr(raw, len, sigs_loc, j->src.pkg != NULL, &j->ofd_xml,
                                           &j->ofd_xml_len, err)) != 0)
            goto out;
        rc = sc__ofd_xml_new_sigs(j->id, j->sig_loc, j->max_id, &j->sigs_xml, &j->sigs_xml_len,
                                  err);
    } else {
        if ((rc = read_raw(j, j->sigs_ix, &raw, &len, err)) == 0)
            rc = sc__ofd_xml_add_sig(raw, len, j->id, j->sig_loc, j->max_id, &j->sigs_xml,
                                     &j->sigs_xml_len, err);
    }
out:
    free(raw);
    return rc;
}

/* ---- References ------------------------------------------------------------------------- */

static int add_ref(job *j, const char *entry, const uint8_t *data, size_t len, size_t ix,
                   sc_err *err)
{
    sc__ofd_newref *r = &j->refs[j->nrefs];
    int rc;

    r->entry = entry;
    if (data == NULL && j->src.pkg == NULL) {   /* a part: hashed from its bytes */
        data = j->src.parts[ix].data;
        len = j->src.parts[ix].len;
    }
    rc = data != NULL ? sc__sm3(data, len, r->sm3, err)
                      : sc_ofd_pkg_sm3(j->src.pkg, ix, r->sm3, err);
    if (rc != 0)
        return sc_err_prefix(err, "hashing %s", entry);
    j->nrefs++;
    return 0;
}

/* Every file of the output, in output order, except Signatures.xml (unless lock) and this
 * signature's Signature.xml and SignedValue.dat; directory entries are not files. */
static int make_refs(job *j, sc_err *err)
{
    size_t n = sc__ofd_src_count(&j->src);
    size_t seal_len;
    const uint8_t *seal = sc_ses_seal_get_der(j->p->seal, &seal_len);
    int rc = 0;

    if ((j->refs = calloc(n + 2, sizeof(*j->refs))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *name = sc__ofd_src_name(&j->src, i);
        if (name[0] == '\0' || name[strlen(name) - 1] == '/')
            continue;
        if (i == j->sigs_ix)
            rc = j->p->lock ? add_ref(j, name, j->sigs_xml, j->sigs_xml_len, i, err) : 0;
        else if (j->first && i == j->ofd_ix)
            rc = add_ref(j, name, j->ofd_xml, j->ofd_xml_len, i, err);
        else
            rc = add_ref(j, name, NULL, 0, i, err);
    }
    if (rc == 0 && j->first && j->p->lock)
        rc = add_ref(j, j->sigs, j->sigs_xml, j->sigs_xml_len, 0, err);
    if (rc == 0)
        rc = add_ref(j, j->seal_loc + 1, seal, seal_len, 0, err);
    if (rc == 0 && j->nrefs > SC__OFD_MAX_REFS)
        rc = sc_err_set(err, SC_ELIMIT, "%zu References, more than the %u a reader takes",
                        j->nrefs, SC__OFD_MAX_REFS);
    return rc;
}

/* ---- Signature.xml and SignedValue.dat -------------------------------------------------- */

static int sign(job *j, sc_err *err)
{
    const sc_ofd_sign_params *p = j->p;
    char iso[40], dt[24];
    uint8_t hash[32];
    size_t k = 0;
    int rc;

    /* "2026-01-31T08:00:00Z" -> "20260131080000Z", the form BaiWang and others write */
    sc_time_format(j->t, iso, sizeof(iso));
    for (const char *c = iso; *c != '\0' && k < sizeof(dt) - 2; c++)
        if (*c >= '0' && *c <= '9')
            dt[k++] = *c;
    dt[k++] = 'Z';
    dt[k] = '\0';
    sc__ofd_sigxml x = {
        .provider = p->provider != NULL ? p->provider : "sealpki",
        .version = p->version != NULL ? p->version : "0.1.0",
        .company = p->company != NULL ? p->company : "sealpki",
        .date_time = dt, .refs = j->refs, .nrefs = j->nrefs, .stamps = j->stamps,
        .nstamps = j->nstamps, .seal_loc = j->seal_loc, .value_loc = j->value_loc };
    sc_err why = SC_ERR_INIT;
    if (sc__ofd_xml_name_ok(x.provider, &why) != 0 || sc__ofd_xml_name_ok(x.version, &why) != 0 ||
        sc__ofd_xml_name_ok(x.company, &why) != 0)
        return sc_err_set(err, SC_EINVAL, "Provider: %s", why.msg);
    if ((rc = sc__ofd_sigxml_build(&x, &j->sig_xml, &j->sig_xml_len, err)) != 0 ||
        (rc = sc__sm3(j->sig_xml, j->sig_xml_len, hash, err)) != 0)
        return rc;
    sc_ses_sign_params sp = { .data_hash = hash, .data_hash_len = 32,
                              .property_info = j->sig_loc, .sign_time = j->t, .tsa = p->tsa,
                              .tsa_ctx = p->tsa_ctx };
    if ((rc = sc_ses_sign_der(&j->ses, &j->ses_len, NULL, p->seal, p->key, p->cert, p->cert_len,
                              &sp, err)) != 0)
        sc_err_prefix(err, "%s", j->value_loc + 1);
    return rc;
}

/* ---- output ----------------------------------------------------------------------------- */

static int write_out(job *j, sc_ofd_sink sink, void *ctx, sc_err *err)
{
    size_t n = sc__ofd_src_count(&j->src), seal_len;
    const uint8_t *seal = sc_ses_seal_get_der(j->p->seal, &seal_len);
    const uint8_t *value = j->ses;
    size_t value_len = j->ses_len;
    sc__zipw *w = NULL;
    int rc;

    if ((rc = sc__zipw_new(&w, sink, ctx, err)) != 0 ||
        (j->level != 0 && (rc = sc__zipw_set_deflate(w, j->level, j->min_deflate, err)) != 0))
        goto out;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *name = sc__ofd_src_name(&j->src, i);
        const sc__ofd_part *pt = j->src.pkg == NULL ? &j->src.parts[i] : NULL;
        if (i == j->sigs_ix)
            rc = sc__zipw_add(w, name, j->sigs_xml, j->sigs_xml_len, 1, err);
        else if (j->first && i == j->ofd_ix)
            rc = sc__zipw_add(w, name, j->ofd_xml, j->ofd_xml_len, 1, err);
        else if (pt != NULL)
            rc = sc__zipw_add(w, name, pt->data, pt->len, pt->deflate, err);
        else
            rc = sc__zipw_copy(w, j->src.pkg, i, err);
    }
    if (rc == 0 && j->first)
        rc = sc__zipw_add(w, j->sigs, j->sigs_xml, j->sigs_xml_len, 1, err);
    if (rc == 0 && (rc = sc__zipw_add(w, j->seal_loc + 1, seal, seal_len, 0, err)) == 0 &&
        (rc = sc__zipw_add(w, j->sig_loc + 1, j->sig_xml, j->sig_xml_len, 1, err)) == 0 &&
        (rc = sc__zipw_add(w, j->value_loc + 1, value, value_len, 0, err)) == 0)
        rc = sc__zipw_finish(w, err);
out:
    sc__zipw_free(w);
    return rc;
}

/* ---- the whole ---------------------------------------------------------------------------- */

static void seal_size(const sc_ofd_sign_params *p, double *w, double *h)
{
    const sc_ses_seal_info *si = sc_ses_seal_get_info(p->seal);

    if (p->width_mm > 0) {
        *w = p->width_mm;
        *h = p->height_mm;
    } else if (si->width_mm >= 1 && si->width_mm <= (int64_t)SC_OFD_SIGN_MAX_MM &&
               si->height_mm >= 1 && si->height_mm <= (int64_t)SC_OFD_SIGN_MAX_MM) {
        *w = (double)si->width_mm;
        *h = (double)si->height_mm;
    } else {   /* a seal without a usable picture size (some vendors write 0) */
        *w = *h = SC_OFD_SIGN_DEFAULT_MM;
    }
}

static int run(job *j, sc_ofd_sink sink, void *ctx, sc_err *err)
{
    int rc;

    if ((rc = check_signer(j, err)) != 0 || (rc = check_entries(j, err)) != 0)
        return rc;
    if (sc__ofd_src_find(&j->src, "OFD.xml", &j->ofd_ix, NULL) != 0)
        return sc_err_set(err, SC_EFORMAT, "not an OFD package: no OFD.xml entry");
    if (j->m == NULL && (rc = sc__ofd_model_load(j->src.pkg, &j->m, err)) != 0)
        return rc;
    if (j->m->doc_problem != NULL)
        return sc_err_set(err, SC_EFORMAT, "%s", j->m->doc_problem);
    j->first = j->m->sigs_entry == NULL;
    if ((rc = sc__ofd_stamp_place(&j->src, j->m, j->p, j->w, j->h, &j->stamps, &j->nstamps,
                                  err)) != 0 ||
        (rc = check_sigs(j, err)) != 0 || (rc = choose_names(j, err)) != 0 ||
        (rc = make_index_files(j, err)) != 0 || (rc = make_refs(j, err)) != 0 ||
        (rc = sign(j, err)) != 0)
        return rc;
    return write_out(j, sink, ctx, err);
}

/* j->src (and j->m for a document) set: the rest of j is filled here and freed. */
static int stamp(job *j, const sc_ofd_sign_params *p, sc_ofd_sink sink, void *ctx,
                 sc_ofd_sign_info *info, sc_err *err)
{
    int rc;

    j->p = p;
    j->sigs_ix = SIZE_MAX;
    j->t = p->sign_time != 0 ? p->sign_time : (int64_t)time(NULL);
    seal_size(p, &j->w, &j->h);
    rc = run(j, sink, ctx, err);
    if (rc == 0 && info != NULL) {
        snprintf(info->id, sizeof(info->id), "%" PRIu64, j->id);
        snprintf(info->signature_xml, sizeof(info->signature_xml), "%s", j->sig_loc + 1);
        info->stamps = j->nstamps;
        info->references = j->nrefs;
    }
    sc__ofd_model_free(j->m);
    free(j->stamps);
    free(j->ofd_xml);
    free(j->sigs_xml);
    free(j->sig_xml);
    free(j->refs);
    free(j->ses);
    return rc;
}

int sc_ofd_sign(sc_ofd_pkg *in, const sc_ofd_sign_params *p, sc_ofd_sink sink, void *ctx,
                sc_ofd_sign_info *info, sc_err *err)
{
    job j;
    int rc;

    memset(&j, 0, sizeof(j));
    if (in == NULL || sink == NULL)
        return sc_err_set(err, SC_EINVAL, "OFD signing: no package or no sink");
    if ((rc = check_params(p, err)) != 0)
        return rc;
    j.src.pkg = in;
    return stamp(&j, p, sink, ctx, info, err);
}

int sc__ofd_sign_doc(const sc_ofd_doc *doc, const sc_ofd_sign_params *p, sc_ofd_sink sink,
                     void *ctx, sc_ofd_sign_info *info, sc_err *err)
{
    sc__ofd_parts parts = { NULL, 0, 0 };
    job j;
    int rc;

    memset(&j, 0, sizeof(j));
    if (doc == NULL || sink == NULL)
        return sc_err_set(err, SC_EINVAL, "OFD signing: no document or no sink");
    if ((rc = check_params(p, err)) != 0 || (rc = sc__ofd_doc_parts(doc, &parts, err)) != 0)
        return rc;
    if ((rc = sc__ofd_doc_model(doc, &j.m, err)) == 0) {
        j.src.parts = parts.p;
        j.src.nparts = parts.n;
        j.level = 1;   /* small generated XML, made in bulk (sc__zipw_set_deflate) */
        j.min_deflate = 4096;
        rc = stamp(&j, p, sink, ctx, info, err);
    }
    sc__ofd_parts_free(&parts);
    return rc;
}
