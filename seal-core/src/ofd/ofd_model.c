/* ofd_model.c: OFD.xml -> Document.xml pages, Signatures.xml -> Signature.xml (see
 * ofd_model.h for what is read and how leniently). */
#include "ofd/ofd_model.h"
#include "sc_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

static const double a4_box[4] = { 0, 0, 210, 297 };

void sc__ofd_dirname(const char *entry, char *dir, size_t n)
{
    const char *slash = strrchr(entry, '/');
    size_t len = slash != NULL ? (size_t)(slash - entry) : 0;
    if (n == 0)
        return;
    if (len >= n)
        len = n - 1;
    memcpy(dir, entry, len);
    dir[len] = '\0';
}

int sc__ofd_parse_box(const char *s, double box[4])
{
    const char *p = s;
    if (s == NULL)
        return -1;
    for (int i = 0; i < 4; i++) {
        char *end;
        while (*p == ' ' || *p == ',' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        box[i] = strtod(p, &end);
        if (end == p || box[i] != box[i] || box[i] > 1e7 || box[i] < -1e7)
            return -1;
        p = end;
    }
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return *p == '\0' ? 0 : -1;
}

int sc__ofd_model_read_xml(sc_ofd_pkg *pkg, const char *name, xmlDoc **doc, uint8_t **raw,
                           size_t *rawlen, sc_err *err)
{
    size_t ix, len;
    uint8_t *buf;
    int rc;

    *doc = NULL;
    if (raw != NULL)
        *raw = NULL;
    if ((rc = sc_ofd_pkg_find(pkg, NULL, name, &ix, err)) != 0)
        return rc;
    if ((rc = sc_ofd_pkg_read(pkg, ix, SC_OFD_MAX_XML, &buf, &len, err)) != 0)
        return rc;
    rc = sc__ofd_xml_parse(buf, len, name, doc, err);
    if (rc == 0 && raw != NULL) {
        *raw = buf;
        *rawlen = len;
    } else {
        free(buf);
    }
    return rc;
}

/* Resolve loc against the directory of the XML file `from` into a new string. */
static int resolve(const char *from, const char *loc, char **out, sc_err *err)
{
    char dir[SC_OFD_MAX_NAME + 1], name[SC_OFD_MAX_NAME + 1];
    int rc;
    *out = NULL;
    sc__ofd_dirname(from, dir, sizeof(dir));
    if ((rc = sc_ofd_path_resolve(dir, loc, name, sizeof(name), err)) != 0)
        return rc;
    return (*out = sc__strndup(name, strlen(name), err)) != NULL ? 0 : SC_ENOMEM;
}

/* A child's trimmed text resolved as an ST_Loc; *out NULL when the child is absent.
 * A path that does not resolve is SC_EFORMAT with the field named. */
static int child_loc(const xmlNode *n, const char *child, const char *from, char **out,
                     sc_err *err)
{
    xmlNode *c = sc__ofd_child(n, child);
    char *t;
    int rc;
    *out = NULL;
    if (c == NULL)
        return 0;
    if ((t = sc__ofd_text(c, err)) == NULL)
        return SC_ENOMEM;
    rc = resolve(from, t, out, err);
    if (rc != 0 && rc != SC_ENOMEM)
        sc_err_prefix(err, "%s: %s \"%.200s\"", from, child, t);
    free(t);
    return rc;
}

static char *dup_attr(const xmlNode *n, const char *name, const char *dflt, sc_err *err)
{
    const char *v = sc__ofd_attr(n, name);
    if (v == NULL)
        v = dflt;
    if (v == NULL)
        return NULL;
    return sc__strndup(v, strlen(v), err);
}

/* Grow *arr (of elem bytes, *n used, *cap allocated) by one zeroed slot. */
static void *push(void **arr, size_t *n, size_t *cap, size_t elem, size_t max, const char *what,
                  sc_err *err)
{
    if (*n >= max) {
        sc_err_set(err, SC_ELIMIT, "more than %zu %s", max, what);
        return NULL;
    }
    if (*n == *cap) {
        size_t nc = *cap != 0 ? *cap * 2 : 8;
        void *p = realloc(*arr, nc * elem);
        if (p == NULL) {
            sc_err_set(err, SC_ENOMEM, "out of memory");
            return NULL;
        }
        *arr = p;
        *cap = nc;
    }
    void *slot = (char *)*arr + *n * elem;
    memset(slot, 0, elem);
    (*n)++;
    return slot;
}

/* ---- Document.xml ---------------------------------------------------------------------- */

static int load_pages(sc_ofd_pkg *pkg, sc__ofd_model *m, sc_err *err)
{
    xmlDoc *doc;
    xmlNode *root, *pages, *cd, *box;
    size_t cap = 0;
    int rc;

    if ((rc = sc__ofd_model_read_xml(pkg, m->doc_root, &doc, NULL, NULL, err)) != 0)
        return rc;
    root = xmlDocGetRootElement(doc);
    rc = SC_EFORMAT;
    if (!sc__ofd_is(root, "Document")) {
        sc_err_set(err, rc, "%s: the root element is not Document", m->doc_root);
        goto out;
    }
    cd = sc__ofd_child(root, "CommonData");
    if ((box = sc__ofd_child(sc__ofd_child(cd, "PageArea"), "PhysicalBox")) != NULL) {
        char *t = sc__ofd_text(box, err);
        if (t == NULL || sc__ofd_parse_box(t, m->box) != 0 || m->box[2] <= 0 ||
            m->box[3] <= 0) {
            if (t != NULL)
                sc_err_set(err, rc, "%s: PhysicalBox \"%.80s\" is not a box", m->doc_root, t);
            rc = t == NULL ? SC_ENOMEM : rc;
            free(t);
            goto out;
        }
        free(t);
    }
    if ((box = sc__ofd_child(cd, "MaxUnitID")) != NULL) {
        xmlChar *t = xmlNodeGetContent(box);
        m->max_unit_id = t != NULL ? strtoull((const char *)t, NULL, 10) : 0;
        xmlFree(t);
    }
    pages = sc__ofd_child(root, "Pages");
    for (xmlNode *p = pages != NULL ? pages->children : NULL; p != NULL; p = p->next) {
        sc__ofd_page *pg;
        const char *id, *loc;
        if (!sc__ofd_is(p, "Page"))
            continue;
        pg = push((void **)&m->pages, &m->npages, &cap, sizeof(*pg), SC__OFD_MAX_PAGES,
                  "pages", err);
        if (pg == NULL) {
            rc = err != NULL ? err->code : SC_ENOMEM;
            goto out;
        }
        id = sc__ofd_attr(p, "ID");
        pg->id = id != NULL ? strtoull(id, NULL, 10) : 0;
        loc = sc__ofd_attr(p, "BaseLoc");
        if (loc == NULL) {
            sc_err_set(err, rc, "%s: page %zu has no BaseLoc", m->doc_root, m->npages);
            goto out;
        }
        if ((rc = resolve(m->doc_root, loc, &pg->entry, err)) != 0)
            goto out;
        rc = SC_EFORMAT;
    }
    rc = 0;
out:
    xmlFreeDoc(doc);
    return rc;
}

static void free_pages(sc__ofd_model *m)
{
    for (size_t i = 0; i < m->npages; i++)
        free(m->pages[i].entry);
    free(m->pages);
    m->pages = NULL;
    m->npages = 0;
}

size_t sc__ofd_model_page_no(const sc__ofd_model *m, uint64_t id)
{
    for (size_t i = 0; i < m->npages; i++)
        if (m->pages[i].id == id)
            return i + 1;
    return 0;
}

/* ---- Signature.xml --------------------------------------------------------------------- */

static sc__ofd_hash hash_of(const char *method)
{
    if (method == NULL || strcasecmp(method, "MD5") == 0 || strcmp(method, "1.2.840.113549.2.5") == 0)
        return SC__OFD_HASH_MD5;
    if (strcasecmp(method, "SM3") == 0 || strcmp(method, SC_OID_SM3) == 0)
        return SC__OFD_HASH_SM3;
    if (strcasecmp(method, "SHA1") == 0 || strcasecmp(method, "SHA-1") == 0 ||
        strcmp(method, "1.3.14.3.2.26") == 0)
        return SC__OFD_HASH_SHA1;
    if (strcasecmp(method, "SHA256") == 0 || strcasecmp(method, "SHA-256") == 0 ||
        strcmp(method, "2.16.840.1.101.3.4.2.1") == 0)
        return SC__OFD_HASH_SHA256;
    return SC__OFD_HASH_UNKNOWN;
}

/* Base64 (whitespace inside tolerated) into at most 64 bytes; 0 when it is not that. */
static size_t b64_decode(const char *s, uint8_t out[64])
{
    unsigned char clean[100], tmp[75];
    size_t n = 0, pad = 0;
    int len;
    for (; *s != '\0'; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
            continue;
        if (n == sizeof(clean) - 1)
            return 0;
        clean[n++] = (unsigned char)*s;
    }
    if (n == 0 || n % 4 != 0)
        return 0;
    pad = (clean[n - 1] == '=') + (clean[n - 2] == '=');
    clean[n] = '\0';
    len = EVP_DecodeBlock(tmp, clean, (int)n);
    if (len < 0 || (size_t)len < pad || (size_t)len - pad > 64)
        return 0;
    memcpy(out, tmp, (size_t)len - pad);
    return (size_t)len - pad;
}

static int read_ref(sc__ofd_sig *g, const xmlNode *r, size_t *cap, sc_err *err)
{
    sc__ofd_ref *ref;
    xmlNode *cv;
    sc_err ignore = SC_ERR_INIT;

    ref = push((void **)&g->refs, &g->nrefs, cap, sizeof(*ref), SC__OFD_MAX_REFS,
               "References", err);
    if (ref == NULL)
        return err != NULL ? err->code : SC_ENOMEM;
    if ((ref->file_ref = dup_attr(r, "FileRef", "", err)) == NULL)
        return SC_ENOMEM;
    /* A FileRef that does not resolve stays NULL: the verifier reports it by name. */
    if (resolve(g->entry, ref->file_ref, &ref->entry, &ignore) == SC_ENOMEM)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    if ((cv = sc__ofd_child(r, "CheckValue")) != NULL) {
        char *t = sc__ofd_text(cv, err);
        if (t == NULL)
            return SC_ENOMEM;
        ref->value_len = b64_decode(t, ref->value);
        free(t);
    }
    return 0;
}

static int read_annot(sc__ofd_sig *g, const xmlNode *a, size_t *cap, sc_err *err)
{
    sc__ofd_annot *an = push((void **)&g->annots, &g->nannots, cap, sizeof(*an),
                             SC__OFD_MAX_ANNOTS, "StampAnnots", err);
    const char *v;
    if (an == NULL)
        return err != NULL ? err->code : SC_ENOMEM;
    if ((an->id = dup_attr(a, "ID", "", err)) == NULL)
        return SC_ENOMEM;
    if ((v = sc__ofd_attr(a, "PageRef")) != NULL && *v >= '0' && *v <= '9') {
        an->has_page = 1;
        an->page_ref = strtoull(v, NULL, 10);
    }
    an->has_box = sc__ofd_parse_box(sc__ofd_attr(a, "Boundary"), an->box) == 0;
    an->has_clip = sc__ofd_parse_box(sc__ofd_attr(a, "Clip"), an->clip) == 0;
    return 0;
}

static int text_of(const xmlNode *n, const char *child, char **out, sc_err *err)
{
    xmlNode *c = sc__ofd_child(n, child);
    *out = NULL;
    if (c == NULL)
        return 0;
    return (*out = sc__ofd_text(c, err)) != NULL ? 0 : SC_ENOMEM;
}

/* Signature.xml's content into g. SC_EFORMAT/SC_ELIMIT become g->problem (the caller's). */
static int read_signature_xml(sc_ofd_pkg *pkg, sc__ofd_sig *g, sc_err *err)
{
    xmlDoc *doc;
    xmlNode *root, *si, *refs, *seal;
    size_t acap = 0, rcap = 0;
    int rc;

    if ((rc = sc__ofd_model_read_xml(pkg, g->entry, &doc, NULL, NULL, err)) != 0)
        return rc;
    root = xmlDocGetRootElement(doc);
    rc = SC_EFORMAT;
    if (!sc__ofd_is(root, "Signature") || (si = sc__ofd_child(root, "SignedInfo")) == NULL) {
        sc_err_set(err, rc, "%s: not a Signature with SignedInfo", g->entry);
        goto out;
    }
    xmlNode *prov = sc__ofd_child(si, "Provider");
    if (prov != NULL && ((g->provider = dup_attr(prov, "ProviderName", "", err)) == NULL ||
                         (g->company = dup_attr(prov, "Company", "", err)) == NULL)) {
        rc = SC_ENOMEM;
        goto out;
    }
    if ((rc = text_of(si, "SignatureMethod", &g->sig_method, err)) != 0 ||
        (rc = text_of(si, "SignatureDateTime", &g->date_time, err)) != 0)
        goto out;
    if ((refs = sc__ofd_child(si, "References")) != NULL) {
        const char *cm = sc__ofd_attr(refs, "CheckMethod");
        if (cm != NULL && (g->check_method = sc__strndup(cm, strlen(cm), err)) == NULL) {
            rc = SC_ENOMEM;
            goto out;
        }
        g->hash = hash_of(cm);
        for (xmlNode *r = refs->children; r != NULL; r = r->next)
            if (sc__ofd_is(r, "Reference") && (rc = read_ref(g, r, &rcap, err)) != 0)
                goto out;
    } else {
        g->hash = SC__OFD_HASH_MD5;
    }
    for (xmlNode *a = si->children; a != NULL; a = a->next)
        if (sc__ofd_is(a, "StampAnnot") && (rc = read_annot(g, a, &acap, err)) != 0)
            goto out;
    seal = sc__ofd_child(si, "Seal");
    if ((rc = child_loc(seal, "BaseLoc", g->entry, &g->seal_entry, err)) != 0 ||
        (rc = child_loc(root, "SignedValue", g->entry, &g->value_entry, err)) != 0)
        goto out;
out:
    xmlFreeDoc(doc);
    return rc;
}

/* ---- Signatures.xml -------------------------------------------------------------------- */

static int load_sig(sc_ofd_pkg *pkg, sc__ofd_model *m, const xmlNode *s, size_t *cap,
                    sc_err *err)
{
    sc__ofd_sig *g = push((void **)&m->sigs, &m->nsigs, cap, sizeof(*g), SC__OFD_MAX_SIGS,
                          "signatures", err);
    sc_err why = SC_ERR_INIT;
    int rc;

    if (g == NULL)
        return err != NULL ? err->code : SC_ENOMEM;
    if ((g->id = dup_attr(s, "ID", "", err)) == NULL ||
        (g->type = dup_attr(s, "Type", "Seal", err)) == NULL ||
        (g->base_loc = dup_attr(s, "BaseLoc", "", err)) == NULL)
        return SC_ENOMEM;
    if (sc__ofd_attr(s, "Relative") != NULL &&
        (g->relative = dup_attr(s, "Relative", NULL, err)) == NULL)
        return SC_ENOMEM;
    rc = resolve(m->sigs_entry, g->base_loc, &g->entry, &why);
    if (rc == 0)
        rc = read_signature_xml(pkg, g, &why);
    if (rc == SC_ENOMEM)
        return sc_err_set(err, SC_ENOMEM, "%s", why.msg);
    if (rc != 0 && (g->problem = sc__strndup(why.msg, strlen(why.msg), err)) == NULL)
        return SC_ENOMEM;
    return 0;
}

static int load_sigs(sc_ofd_pkg *pkg, sc__ofd_model *m, sc_err *err)
{
    xmlDoc *doc;
    xmlNode *root;
    size_t cap = 0;
    int rc;

    if ((rc = sc__ofd_model_read_xml(pkg, m->sigs_entry, &doc, NULL, NULL, err)) != 0)
        return rc;
    root = xmlDocGetRootElement(doc);
    if (!sc__ofd_is(root, "Signatures")) {
        rc = sc_err_set(err, SC_EFORMAT, "%s: the root element is not Signatures",
                        m->sigs_entry);
        goto out;
    }
    if ((rc = text_of(root, "MaxSignId", &m->max_sign_id, err)) != 0)
        goto out;
    for (xmlNode *s = root->children; s != NULL; s = s->next)
        if (sc__ofd_is(s, "Signature") && (rc = load_sig(pkg, m, s, &cap, err)) != 0)
            goto out;
out:
    xmlFreeDoc(doc);
    return rc;
}

/* ---- OFD.xml --------------------------------------------------------------------------- */

static int load_root(sc_ofd_pkg *pkg, sc__ofd_model *m, sc_err *err)
{
    xmlDoc *doc;
    xmlNode *root, *body = NULL;
    int rc;

    if ((rc = sc__ofd_model_read_xml(pkg, "OFD.xml", &doc, NULL, NULL, err)) != 0) {
        if (rc == SC_ENOTFOUND) {   /* replace the lookup's message: first message wins */
            sc_err_clear(err);
            rc = sc_err_set(err, SC_EFORMAT, "not an OFD package: no OFD.xml entry");
        }
        return rc;
    }
    root = xmlDocGetRootElement(doc);
    rc = SC_EFORMAT;
    if (!sc__ofd_is(root, "OFD")) {
        sc_err_set(err, rc, "OFD.xml: the root element is not OFD");
        goto out;
    }
    for (xmlNode *b = root->children; b != NULL; b = b->next)
        if (sc__ofd_is(b, "DocBody") && m->ndocbody++ == 0)
            body = b;
    if (body == NULL) {
        sc_err_set(err, rc, "OFD.xml: no DocBody");
        goto out;
    }
    if ((rc = child_loc(body, "DocRoot", "OFD.xml", &m->doc_root, err)) != 0)
        goto out;
    if (m->doc_root == NULL) {
        rc = sc_err_set(err, SC_EFORMAT, "OFD.xml: DocBody has no DocRoot");
        goto out;
    }
    rc = child_loc(body, "Signatures", "OFD.xml", &m->sigs_entry, err);
out:
    xmlFreeDoc(doc);
    return rc;
}

int sc__ofd_model_load(sc_ofd_pkg *pkg, sc__ofd_model **out, sc_err *err)
{
    sc__ofd_model *m;
    sc_err why = SC_ERR_INIT;
    int rc;

    *out = NULL;
    if ((m = calloc(1, sizeof(*m))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    memcpy(m->box, a4_box, sizeof(m->box));
    if ((rc = load_root(pkg, m, err)) != 0)
        goto fail;
    rc = load_pages(pkg, m, &why);
    if (rc == SC_ENOMEM) {
        sc_err_set(err, rc, "%s", why.msg);
        goto fail;
    }
    if (rc != 0) {   /* no pages, not those read before the damage (the last has no entry) */
        free_pages(m);
        memcpy(m->box, a4_box, sizeof(m->box));
        if ((m->doc_problem = sc__strndup(why.msg, strlen(why.msg), err)) == NULL) {
            rc = SC_ENOMEM;
            goto fail;
        }
    }
    if (m->sigs_entry != NULL && (rc = load_sigs(pkg, m, err)) != 0)
        goto fail;
    *out = m;
    return 0;
fail:
    sc__ofd_model_free(m);
    return rc;
}

static void free_sig(sc__ofd_sig *g)
{
    free(g->id);
    free(g->type);
    free(g->relative);
    free(g->base_loc);
    free(g->entry);
    free(g->problem);
    free(g->provider);
    free(g->company);
    free(g->sig_method);
    free(g->date_time);
    free(g->check_method);
    for (size_t i = 0; i < g->nrefs; i++) {
        free(g->refs[i].file_ref);
        free(g->refs[i].entry);
    }
    free(g->refs);
    for (size_t i = 0; i < g->nannots; i++)
        free(g->annots[i].id);
    free(g->annots);
    free(g->seal_entry);
    free(g->value_entry);
}

void sc__ofd_model_free(sc__ofd_model *m)
{
    if (m == NULL)
        return;
    free(m->doc_root);
    free(m->doc_problem);
    free_pages(m);
    free(m->sigs_entry);
    free(m->max_sign_id);
    for (size_t i = 0; i < m->nsigs; i++)
        free_sig(&m->sigs[i]);
    free(m->sigs);
    free(m);
}
