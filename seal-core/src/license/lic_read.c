/* lic_read.c: reads a licence back from its OFD (spec/license-file.md §3): OFD.xml's DocInfo
 * CustomDatas, and Document.xml -> CustomTags -> the TypeID="license" tag file -> the page
 * objects each entry names, with their TextCode text. Not here: the rules that compare what
 * was read (lic_check.c), whether a seal signature covers it, status and expiry
 * (verify/verify_license.c), the zip and XML readers (ofd/), walking a page (ofd_text.c).
 *
 * What the signed part lacks is kept as info->problem rather than failing the read, so the
 * verifier can still show the fields a person looks for and say what is wrong. Values are
 * kept byte for byte as the XML holds them (no trimming): the rules compare them exactly.
 * Every list is bounded (SC_LIC_READ_*), page objects are found by binary search, and
 * nothing recurses (the page walk climbs parent links). */
#include "license/lic_read.h"
#include "ofd/ofd_text.h"
#include "sc_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A CustomData of an element name, before it is matched with the tag file's entry. */
typedef struct custom {
    char *name, *value;
} custom;

/* What reading one package needs besides the info it fills. */
typedef struct reader {
    sc_lic_info *info;
    sc_ofd_pkg *pkg;
    const sc__ofd_model *m;
    custom *cd;
    size_t ncd;
} reader;

/* The objects one page must provide, sorted by ID, and what the page gave for each. */
typedef struct slot {
    uint64_t id;
    char *text;              /* the TextObject's TextCodes, concatenated */
    unsigned found;          /* TextObjects with this ID (1 is right) */
} slot;

typedef struct page_objs {
    uint64_t id;             /* Page@ID */
    slot *s;
    size_t n;
} page_objs;

/* ---- small helpers --------------------------------------------------------------------- */

static int grow(void **arr, size_t n, size_t *cap, size_t elem, sc_err *err)
{
    size_t nc;
    void *p;

    if (n < *cap)
        return 0;
    nc = *cap != 0 ? *cap * 2 : 16;
    if ((p = realloc(*arr, nc * elem)) == NULL)   /* nc <= 2 * SC_LIC_READ_MAX_REFS */
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    *arr = p;
    *cap = nc;
    return 0;
}

/* n's text as the XML holds it (no trimming), new; NULL on ENOMEM. */
static char *raw_text(const xmlNode *n, sc_err *err)
{
    xmlChar *t = xmlNodeGetContent(n);
    char *out = t != NULL ? sc__strndup(t, strlen((const char *)t), err)
                          : sc__strndup("", 0, err);
    xmlFree(t);
    return out;
}

/* A decimal ST_ID / ST_RefID: digits only, at most 2^64 - 1. 0 or -1. */
static int parse_id(const char *s, uint64_t *out)
{
    uint64_t v = 0;

    if (s == NULL || *s == '\0')
        return -1;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 0;
}

static int resolve_from(const char *from, const char *loc, char *out, size_t n, sc_err *err)
{
    char dir[SC_OFD_MAX_NAME + 1];

    sc__ofd_dirname(from, dir, sizeof(dir));
    return sc_ofd_path_resolve(dir, loc, out, n, err);
}

/* An XML part the signed chain names: read it, or say which link failed. */
static int read_part(reader *r, const char *name, const char *what, xmlDoc **doc, sc_err *err)
{
    int rc = sc__ofd_model_read_xml(r->pkg, name, doc, NULL, NULL, err);

    if (rc == SC_ENOTFOUND) {
        sc_err_clear(err);
        return sc_err_set(err, SC_EFORMAT, "%.200s (%s) is not in the package", name, what);
    }
    return rc;
}

const sc__lic_elem *sc__lic_find(const sc_lic_info *info, const char *code, int tag_only)
{
    for (size_t i = 0; i < info->n; i++)
        if (strcmp(info->el[i].code, code) == 0 && (!tag_only || info->el[i].in_tag))
            return &info->el[i];
    return NULL;
}

/* ---- OFD.xml: is it a licence, and its CustomDatas -------------------------------------- */

static int read_customs(reader *r, sc_err *err)
{
    xmlDoc *doc = NULL;
    xmlNode *root, *body = NULL, *cds;
    size_t cap = 0;
    int rc, licence = 0;

    if ((rc = sc__ofd_model_read_xml(r->pkg, "OFD.xml", &doc, NULL, NULL, err)) != 0) {
        if (rc == SC_ENOTFOUND) {   /* "not a licence" is for OFDs, not for what is none */
            sc_err_clear(err);
            rc = sc_err_set(err, SC_EFORMAT, "not an OFD package: no OFD.xml entry");
        }
        return rc;
    }
    root = xmlDocGetRootElement(doc);
    for (xmlNode *b = root->children; b != NULL && body == NULL; b = b->next)
        if (sc__ofd_is(b, "DocBody"))
            body = b;
    cds = sc__ofd_child(sc__ofd_child(body, "DocInfo"), "CustomDatas");
    for (xmlNode *c = cds != NULL ? cds->children : NULL; c != NULL; c = c->next) {
        const char *name = sc__ofd_is(c, "CustomData") ? sc__ofd_attr(c, "Name") : NULL;
        custom *k;
        if (name == NULL)
            continue;
        licence |= strcmp(name, "ZZBS") == 0 || strcmp(name, "sealpki.license") == 0;
        if (sc_lic_element_label(name) == NULL)
            continue;   /* not a licence element: other producers' metadata */
        if (r->ncd >= SC_LIC_READ_MAX_ELEMENTS) {
            rc = sc_err_set(err, SC_ELIMIT, "OFD.xml: more than %u CustomDatas of licence "
                            "elements", SC_LIC_READ_MAX_ELEMENTS);
            goto out;
        }
        if ((rc = grow((void **)&r->cd, r->ncd, &cap, sizeof(*r->cd), err)) != 0)
            goto out;
        k = &r->cd[r->ncd];
        k->value = NULL;
        if ((k->name = sc__strndup(name, strlen(name), err)) == NULL ||
            (k->value = raw_text(c, err)) == NULL) {
            free(k->name);
            rc = SC_ENOMEM;
            goto out;
        }
        r->ncd++;
    }
    if (!licence)
        rc = sc_err_set(err, SC_ENOTFOUND, "not a licence: OFD.xml has no CustomData named "
                        "ZZBS or sealpki.license");
out:
    xmlFreeDoc(doc);
    return rc;
}

/* ---- Document.xml -> CustomTags.xml -> the tag file ------------------------------------ */

static int find_tag_file(reader *r, char *tag, size_t n, sc_err *err)
{
    char tags[SC_OFD_MAX_NAME + 1];
    xmlDoc *doc = NULL;
    xmlNode *root, *ct, *hit = NULL;
    char *loc = NULL;
    size_t count = 0;
    int rc;

    if (r->m->doc_problem != NULL)
        return sc_err_set(err, SC_EFORMAT, "%s", r->m->doc_problem);
    if ((rc = read_part(r, r->m->doc_root, "the document", &doc, err)) != 0)
        return rc;
    ct = sc__ofd_child(xmlDocGetRootElement(doc), "CustomTags");
    if (ct == NULL) {
        rc = sc_err_set(err, SC_EFORMAT, "%.200s has no CustomTags, so there is no tag file "
                        "with the licence's signed metadata", r->m->doc_root);
        goto out;
    }
    if ((loc = sc__ofd_text(ct, err)) == NULL) {
        rc = SC_ENOMEM;
        goto out;
    }
    if ((rc = resolve_from(r->m->doc_root, loc, tags, sizeof(tags), err)) != 0) {
        sc_err_prefix(err, "%.200s: CustomTags", r->m->doc_root);
        goto out;
    }
    xmlFreeDoc(doc);
    free(loc);
    loc = NULL;
    if ((rc = read_part(r, tags, "custom tags", &doc, err)) != 0)
        return rc;
    root = xmlDocGetRootElement(doc);
    for (xmlNode *c = sc__ofd_is(root, "CustomTags") ? root->children : NULL; c != NULL;
         c = c->next) {
        const char *type = sc__ofd_is(c, "CustomTag") ? sc__ofd_attr(c, "TypeID") : NULL;
        if (type != NULL && strcmp(type, "license") == 0 && count++ == 0)
            hit = c;
    }
    if (count != 1) {   /* two would let a reader pick the one a seal does not cover */
        if (count == 0)
            rc = sc_err_set(err, SC_EFORMAT, "%.200s has no CustomTag TypeID=\"license\"",
                            tags);
        else
            rc = sc_err_set(err, SC_EFORMAT, "%.200s has %zu CustomTags TypeID=\"license\", "
                            "not one", tags, count);
        goto out;
    }
    if (sc__ofd_child(hit, "FileLoc") == NULL) {
        rc = sc_err_set(err, SC_EFORMAT, "%.200s: the CustomTag TypeID=\"license\" has no FileLoc",
                        tags);
        goto out;
    }
    if ((loc = sc__ofd_text(sc__ofd_child(hit, "FileLoc"), err)) == NULL) {
        rc = SC_ENOMEM;
        goto out;
    }
    if ((rc = resolve_from(tags, loc, tag, n, err)) != 0)
        sc_err_prefix(err, "%.200s: FileLoc", tags);
out:
    free(loc);
    xmlFreeDoc(doc);
    return rc;
}

static int add_ref(sc_lic_info *info, const xmlNode *o, const char *tag, const char *name,
                   sc_err *err)
{
    const char *pg = sc__ofd_attr(o, "PageRef");
    char *t = sc__ofd_text(o, err);
    sc__lic_ref ref;
    int rc = 0;

    if (t == NULL)
        return SC_ENOMEM;
    if (parse_id(pg, &ref.page_id) != 0 || parse_id(t, &ref.obj_id) != 0)
        rc = sc_err_set(err, SC_EFORMAT, "%.200s: Tag %.64s: ObjectRef PageRef=\"%.20s\" "
                        "\"%.20s\" does not name a page and an object by their IDs", tag, name,
                        pg != NULL ? pg : "(none)", t);
    else if (info->nrefs >= SC_LIC_READ_MAX_REFS)
        rc = sc_err_set(err, SC_ELIMIT, "%.200s: more than %u ObjectRefs", tag,
                        SC_LIC_READ_MAX_REFS);
    else if ((rc = grow((void **)&info->refs, info->nrefs, &info->refs_cap, sizeof(ref),
                        err)) == 0)
        info->refs[info->nrefs++] = ref;
    free(t);
    return rc;
}

static int read_tag_file(reader *r, const char *tag, sc_err *err)
{
    sc_lic_info *info = r->info;
    xmlDoc *doc = NULL;
    xmlNode *root;
    int rc;

    if ((rc = read_part(r, tag, "the licence's tag file", &doc, err)) != 0)
        return rc;
    root = xmlDocGetRootElement(doc);
    if (!sc__ofd_is(root, "Tags")) {
        rc = sc_err_set(err, SC_EFORMAT, "%.200s: the root element is not Tags", tag);
        goto out;
    }
    for (xmlNode *c = root->children; c != NULL; c = c->next) {
        const char *name = sc__ofd_is(c, "Tag") ? sc__ofd_attr(c, "Name") : NULL;
        const xmlNode *v = sc__ofd_child(c, "Value");
        sc__lic_elem *e;
        if (!sc__ofd_is(c, "Tag"))
            continue;
        if (name == NULL || name[0] == '\0' || strcmp(name, "&") == 0) {
            rc = sc_err_set(err, SC_EFORMAT, "%.200s: a Tag without a Name", tag);
            goto out;
        }
        if (sc__lic_find(info, name, 1) != NULL) {   /* which one would count? */
            rc = sc_err_set(err, SC_EFORMAT, "%.200s: Tag %.64s appears twice", tag, name);
            goto out;
        }
        if (info->n >= SC_LIC_READ_MAX_ELEMENTS) {
            rc = sc_err_set(err, SC_ELIMIT, "%.200s: more than %u Tags", tag,
                            SC_LIC_READ_MAX_ELEMENTS);
            goto out;
        }
        if ((rc = grow((void **)&info->el, info->n, &info->cap, sizeof(*e), err)) != 0)
            goto out;
        e = &info->el[info->n++];
        memset(e, 0, sizeof(*e));
        e->in_tag = 1;
        e->ref0 = info->nrefs;
        if ((e->code = sc__strndup(name, strlen(name), err)) == NULL ||
            (e->value = v != NULL ? raw_text(v, err) : sc__strndup("", 0, err)) == NULL) {
            rc = SC_ENOMEM;
            goto out;
        }
        for (xmlNode *o = c->children; o != NULL; o = o->next)
            if (sc__ofd_is(o, "ObjectRef") && (rc = add_ref(info, o, tag, name, err)) != 0)
                goto out;
        e->nrefs = info->nrefs - e->ref0;
    }
out:
    xmlFreeDoc(doc);
    return rc;
}

/* ---- the pages the entries name -------------------------------------------------------- */

static int by_id(const void *a, const void *b)
{
    uint64_t x = ((const slot *)a)->id, y = ((const slot *)b)->id;
    return x < y ? -1 : x > y;
}

static slot *find_slot(const page_objs *p, uint64_t id)
{
    slot key = { id, NULL, 0 };
    return p->n > 0 ? bsearch(&key, p->s, p->n, sizeof(slot), by_id) : NULL;
}

/* The TextCodes of one TextObject, concatenated (text and CDATA nodes, as ofd_text.c reads
 * them); new, NULL on ENOMEM. */
static char *object_text(const xmlNode *obj, sc_err *err)
{
    size_t len = 0, o = 0;
    char *out = NULL;

    for (int pass = 0; pass < 2; pass++) {
        for (const xmlNode *tc = obj->children; tc != NULL; tc = tc->next) {
            if (!sc__ofd_is(tc, "TextCode"))
                continue;
            for (const xmlNode *t = tc->children; t != NULL; t = t->next) {
                size_t n;
                if ((t->type != XML_TEXT_NODE && t->type != XML_CDATA_SECTION_NODE) ||
                    t->content == NULL)
                    continue;
                n = strlen((const char *)t->content);   /* all within one <= 16 MB part */
                if (pass == 1)
                    memcpy(out + o, t->content, n);
                o += n;
            }
        }
        if (pass == 0) {
            len = o;
            o = 0;
            if ((out = sc__malloc(len + 1, err)) == NULL)
                return NULL;
        }
    }
    out[len] = '\0';
    return out;
}

static int visit_object(void *ctx, const xmlNode *obj, sc_err *err)
{
    uint64_t id;
    slot *s;

    if (parse_id(sc__ofd_attr(obj, "ID"), &id) != 0 || (s = find_slot(ctx, id)) == NULL)
        return 0;
    if (s->found++ == 0 && (s->text = object_text(obj, err)) == NULL)
        return SC_ENOMEM;
    return 0;
}

/* Page p's Content.xml: the text of every object the entries name on it. */
static int read_page(reader *r, page_objs *p, sc_err *err)
{
    sc_lic_info *info = r->info;
    const char *entry = NULL;
    xmlDoc *doc = NULL;
    size_t k = 0;
    int rc;

    for (size_t i = 0; i < r->m->npages && entry == NULL; i++)
        if (r->m->pages[i].id == p->id)
            entry = r->m->pages[i].entry;
    if (entry == NULL)
        return sc_err_set(err, SC_EFORMAT, "the tag file names page ID %llu, which %.200s does "
                          "not list", (unsigned long long)p->id, r->m->doc_root);
    if ((info->files[info->nfiles] = sc__strndup(entry, strlen(entry), err)) == NULL)
        return SC_ENOMEM;
    info->nfiles++;
    for (size_t i = 0; i < info->nrefs; i++)
        k += info->refs[i].page_id == p->id;
    if ((p->s = sc__malloc(k * sizeof(*p->s), err)) == NULL)   /* k >= 1, <= MAX_REFS */
        return SC_ENOMEM;
    for (size_t i = 0; i < info->nrefs; i++)
        if (info->refs[i].page_id == p->id)
            p->s[p->n++] = (slot){ info->refs[i].obj_id, NULL, 0 };
    qsort(p->s, p->n, sizeof(*p->s), by_id);
    k = 1;
    for (size_t i = 1; i < p->n; i++)               /* keep each ID once */
        if (p->s[i].id != p->s[k - 1].id)
            p->s[k++] = p->s[i];
    p->n = k;
    if ((rc = read_part(r, entry, "a page of the licence", &doc, err)) == 0)
        rc = sc__ofd_text_walk(doc, visit_object, p, err);
    xmlFreeDoc(doc);
    return rc;
}

/* e's page text from the slots, or e->page_problem. */
static int compose(sc_lic_info *info, sc__lic_elem *e, const page_objs *pages, size_t np,
                   sc_err *err)
{
    char why[200];
    size_t len = 0, o = 0;

    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = e->ref0; i < e->ref0 + e->nrefs; i++) {
            const sc__lic_ref *ref = &info->refs[i];
            const slot *s = NULL;
            for (size_t k = 0; k < np && s == NULL; k++)
                if (pages[k].id == ref->page_id)
                    s = find_slot(&pages[k], ref->obj_id);
            if (s == NULL || s->found != 1) {
                snprintf(why, sizeof(why), "the tag file names object %llu on page ID %llu, "
                         "which %s", (unsigned long long)ref->obj_id,
                         (unsigned long long)ref->page_id, s == NULL || s->found == 0 ?
                         "is no TextObject of that page" : "is not one TextObject: its ID "
                         "repeats");
                return (e->page_problem = sc__strndup(why, strlen(why), err)) != NULL
                       ? 0 : SC_ENOMEM;
            }
            if (pass == 1)
                memcpy(e->page + o, s->text, strlen(s->text));
            o += strlen(s->text);
        }
        if (pass == 0) {
            if (sc__size_add(&len, o, 1) != 0 || (e->page = sc__malloc(len, err)) == NULL)
                return sc_err_set(err, SC_ENOMEM, "out of memory");
            o = 0;
        }
    }
    e->page[len - 1] = '\0';
    return 0;
}

static int read_pages(reader *r, sc_err *err)
{
    sc_lic_info *info = r->info;
    page_objs pages[SC_LIC_READ_MAX_PAGES];
    size_t np = 0;
    int rc = 0;

    for (size_t i = 0; i < info->nrefs && rc == 0; i++) {
        size_t k = 0;
        while (k < np && pages[k].id != info->refs[i].page_id)
            k++;
        if (k < np)
            continue;
        if (np == SC_LIC_READ_MAX_PAGES) {
            rc = sc_err_set(err, SC_ELIMIT, "the tag file names objects on more than %u pages",
                            SC_LIC_READ_MAX_PAGES);
            break;
        }
        pages[np] = (page_objs){ info->refs[i].page_id, NULL, 0 };
        rc = read_page(r, &pages[np++], err);
    }
    for (size_t i = 0; i < info->n && rc == 0; i++)
        if (info->el[i].nrefs > 0)
            rc = compose(info, &info->el[i], pages, np, err);
    for (size_t k = 0; k < np; k++) {
        for (size_t i = 0; i < pages[k].n; i++)
            free(pages[k].s[i].text);
        free(pages[k].s);
    }
    return rc;
}

/* ---- putting it together --------------------------------------------------------------- */

static void free_elems(sc_lic_info *info)
{
    for (size_t i = 0; i < info->n; i++) {
        sc__lic_elem *e = &info->el[i];
        free(e->code), free(e->value), free(e->custom), free(e->page), free(e->page_problem);
    }
    for (size_t i = 0; i < info->nfiles; i++)
        free(info->files[i]);
    free(info->el);
    free(info->refs);
    info->el = NULL;
    info->refs = NULL;
    info->n = info->cap = info->nrefs = info->refs_cap = info->nfiles = 0;
}

static int read_signed(reader *r, sc_err *err)
{
    char tag[SC_OFD_MAX_NAME + 1];
    int rc;

    if ((rc = find_tag_file(r, tag, sizeof(tag), err)) != 0)
        return rc;
    if ((r->info->files[0] = sc__strndup(tag, strlen(tag), err)) == NULL)
        return SC_ENOMEM;
    r->info->nfiles = 1;
    if ((rc = read_tag_file(r, tag, err)) != 0)
        return rc;
    return read_pages(r, err);
}

/* The CustomDatas into the elements: beside the tag entry of their name, else after them. */
static int merge_customs(reader *r, sc_err *err)
{
    sc_lic_info *info = r->info;

    for (size_t i = 0; i < r->ncd; i++) {
        custom *k = &r->cd[i];
        sc__lic_elem *e = (sc__lic_elem *)sc__lic_find(info, k->name, 0);
        if (e == NULL) {
            int rc = grow((void **)&info->el, info->n, &info->cap, sizeof(*e), err);
            if (rc != 0)
                return rc;
            e = &info->el[info->n++];
            memset(e, 0, sizeof(*e));
            if ((e->value = sc__strndup(k->value, strlen(k->value), err)) == NULL)
                return SC_ENOMEM;
            e->code = k->name;
            k->name = NULL;
        }
        if (e->ncustom++ == 0) {   /* a repeated one is only counted: lic_check refuses it */
            e->custom = k->value;
            k->value = NULL;
        }
    }
    return 0;
}

static int make_pub(sc_lic_info *info, sc_err *err)
{
    if (info->n == 0)
        return 0;
    if ((info->pub = sc__malloc(info->n * sizeof(*info->pub), err)) == NULL)
        return SC_ENOMEM;
    for (size_t i = 0; i < info->n; i++) {
        const sc__lic_elem *e = &info->el[i];
        info->pub[i] = (sc_lic_element){ e->code, e->in_tag ? e->value : e->custom,
                                         e->custom, e->page, e->in_tag };
    }
    return 0;
}

int sc__lic_read_model(sc_lic_info **out, sc_ofd_pkg *pkg, const sc__ofd_model *m,
                       sc_err *err)
{
    sc_lic_info *info = NULL;
    sc__ofd_model *own = NULL;
    sc_err why = SC_ERR_INIT;
    reader r = { NULL, pkg, m, NULL, 0 };
    int rc;

    if (out == NULL || pkg == NULL)
        return sc_err_set(err, SC_EINVAL, "licence: no package");
    *out = NULL;
    if ((r.info = info = calloc(1, sizeof(*info))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    if ((rc = read_customs(&r, err)) != 0)
        goto out;
    if (m == NULL && (rc = sc__ofd_model_load(pkg, &own, err)) != 0)
        goto out;
    r.m = m != NULL ? m : own;
    rc = read_signed(&r, &why);
    if (rc == SC_ENOMEM) {
        sc_err_set(err, rc, "%s", why.msg);
        goto out;
    }
    if (rc != 0) {   /* what the CustomDatas say is still worth showing */
        free_elems(info);
        if ((info->problem = sc__strndup(why.msg, strlen(why.msg), err)) == NULL) {
            rc = SC_ENOMEM;
            goto out;
        }
    }
    info->tag_read = rc == 0;
    if ((rc = merge_customs(&r, err)) != 0 || (rc = make_pub(info, err)) != 0)
        goto out;
    *out = info;
    info = NULL;
out:
    for (size_t i = 0; i < r.ncd; i++)
        free(r.cd[i].name), free(r.cd[i].value);
    free(r.cd);
    sc__ofd_model_free(own);
    sc_lic_info_free(info);
    return rc;
}

int sc_lic_read(sc_lic_info **out, sc_ofd_pkg *pkg, sc_err *err)
{
    return sc__lic_read_model(out, pkg, NULL, err);
}

void sc_lic_info_free(sc_lic_info *info)
{
    if (info == NULL)
        return;
    free_elems(info);
    free(info->pub);
    free(info->problem);
    free(info);
}

/* ---- getters --------------------------------------------------------------------------- */

const char *sc_lic_info_get_id(const sc_lic_info *info)
{
    return sc_lic_info_get(info, "ZZBS");
}

const char *sc_lic_info_get(const sc_lic_info *info, const char *code)
{
    const sc__lic_elem *e = info != NULL && code != NULL ? sc__lic_find(info, code, 0) : NULL;

    return e == NULL ? NULL : e->in_tag ? e->value : e->custom;
}

size_t sc_lic_info_count(const sc_lic_info *info)
{
    return info != NULL ? info->n : 0;
}

const sc_lic_element *sc_lic_info_get_element(const sc_lic_info *info, size_t i)
{
    return info != NULL && i < info->n ? &info->pub[i] : NULL;
}

const char *sc_lic_info_get_problem(const sc_lic_info *info)
{
    return info != NULL ? info->problem : NULL;
}

const char *sc_lic_info_get_file(const sc_lic_info *info, size_t i)
{
    return info != NULL && i < info->nfiles ? info->files[i] : NULL;
}
