/* ofd_doc_xml.c: the simple OFD document writer, serializing half (sealcore/ofd_doc.h;
 * GB/T 33190-2016 §7, the element order of its XSDs, spec/ofd-signature.md §2): each XML part
 * built with libxml2's tree API, which escapes text and attribute values (and writes CR, tab
 * and LF in attributes as character references), so a reader gets back what the caller gave;
 * then the package through the zip writer, or the parts in memory for sc__ofd_sign_doc
 * (ofd_doc_sign.h). Numbers are formatted here with integers, never
 * printf("%f"), whose decimal separator follows the process locale.
 * Not here: recording and checking input (ofd_doc.c), zip output (ofd_zipw.c). */
#include "ofd/ofd_doc_int.h"
#include "ofd/ofd_doc_sign.h"
#include "ofd/ofd_zipw.h"
#include "sc_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#define OFD_NS "http://www.ofdspec.org/2016"
#define DOC_ROOT "Doc_0/Document.xml"    /* OFD.xml's DocRoot, and its entry */
#define PAGE_ENTRY "Doc_0/Pages/Page_%zu/Content.xml"

/* ---- numbers ------------------------------------------------------------------------- */

/* v (|v| <= 1e9) rounded to 0.001, shortest form: "12", "-0.5", "3.175". */
static void fmt_num(char *buf, size_t cap, double v)
{
    double r = v * 1000;
    long long m = (long long)(r < 0 ? r - 0.5 : r + 0.5);   /* no libm: half away from 0 */
    const char *sign = m < 0 ? "-" : "";
    unsigned long long a = m < 0 ? (unsigned long long)-m : (unsigned long long)m;
    unsigned frac = (unsigned)(a % 1000);
    int digits = 3;

    if (frac == 0) {
        snprintf(buf, cap, "%s%llu", a == 0 ? "" : sign, a / 1000);
        return;
    }
    while (frac % 10 == 0)
        frac /= 10, digits--;
    snprintf(buf, cap, "%s%llu.%0*u", sign, a / 1000, digits, frac);
}

/* n numbers separated by spaces. */
static void fmt_nums(char *buf, size_t cap, const double *v, size_t n)
{
    size_t at = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < n && cap - at > 1; i++) {   /* room for one more byte and NUL */
        if (i > 0) {
            buf[at++] = ' ';
            buf[at] = '\0';
            if (cap - at <= 1)
                break;
        }
        fmt_num(buf + at, cap - at, v[i]);
        at += strlen(buf + at);
    }
}

/* Append "<cmd> x y " to s at at; returns the new end. Room needed: PT_MAX bytes. */
#define PT_MAX (2 + 2 * 24)
static size_t put_pt(char *s, size_t at, char cmd, double x, double y)
{
    char num[24];
    double v[2] = { x, y };

    s[at++] = cmd;
    for (size_t k = 0; k < 2; k++) {
        fmt_num(num, sizeof(num), v[k]);
        s[at++] = ' ';
        memcpy(s + at, num, strlen(num));
        at += strlen(num);
    }
    s[at++] = ' ';
    return at;
}

/* Append "<cmd> x y " with x, y < 1000 (module positions) to s at at: no printf, as a code
 * has hundreds of rectangles. Returns the new end; room needed: QR_PT_MAX bytes. */
#define QR_PT_MAX 10
static size_t put_qr_pt(char *s, size_t at, char cmd, unsigned x, unsigned y)
{
    unsigned v[2] = { x, y };

    s[at++] = cmd;
    for (size_t k = 0; k < 2; k++) {
        s[at++] = ' ';
        if (v[k] >= 100)
            s[at++] = (char)('0' + v[k] / 100);
        if (v[k] >= 10)
            s[at++] = (char)('0' + v[k] / 10 % 10);
        s[at++] = (char)('0' + v[k] % 10);
    }
    s[at++] = ' ';
    return at;
}

/* AbbreviatedData of a QR code, in modules (the object's CTM scales one module to its size
 * in mm): one closed rectangle per run of dark modules in a row (a few hundred instead of one
 * per module), offset by the quiet zone. Whole numbers keep it half the size of millimetres
 * (less to deflate and hash), and rectangles of neighbouring rows share their edges exactly,
 * so no hairline gaps show. */
static char *qr_data(const sc__ofd_obj *o, sc_err *err)
{
    const uint8_t *q = o->qr;
    size_t w = o->qr_width, runs = 0, at = 0;
    char *s;

    for (size_t i = 0; i < w * w; i++)
        runs += q[i] && (i % w == 0 || !q[i - 1]);
    if ((s = sc__malloc(runs * (4 * QR_PT_MAX + 2) + 1, err)) == NULL)   /* w <= 177 */
        return NULL;
    for (unsigned r = 0; r < w; r++) {
        unsigned y0 = r + SC_OFD_DOC_QR_QUIET;
        for (unsigned c = 0; c < w;) {
            unsigned c0 = c;
            if (!q[r * w + c]) {
                c++;
                continue;
            }
            while (c < w && q[r * w + c])
                c++;
            at = put_qr_pt(s, at, 'M', c0 + SC_OFD_DOC_QR_QUIET, y0);
            at = put_qr_pt(s, at, 'L', c + SC_OFD_DOC_QR_QUIET, y0);
            at = put_qr_pt(s, at, 'L', c + SC_OFD_DOC_QR_QUIET, y0 + 1);
            at = put_qr_pt(s, at, 'L', c0 + SC_OFD_DOC_QR_QUIET, y0 + 1);
            s[at++] = 'C';
            s[at++] = ' ';
        }
    }
    s[at > 0 ? at - 1 : 0] = '\0';
    return s;
}

/* AbbreviatedData of a path object: its points relative to the Boundary origin. */
static char *path_data(const sc__ofd_obj *o, sc_err *err)
{
    size_t at = 0;
    char *s;

    if (o->qr != NULL)
        return qr_data(o, err);
    if ((s = sc__malloc(o->npts * PT_MAX + 2, err)) == NULL)
        return NULL;
    for (size_t i = 0; i < o->npts; i++)
        at = put_pt(s, at, i == 0 ? 'M' : 'L', o->pts[2 * i] - o->box[0],
                    o->pts[2 * i + 1] - o->box[1]);
    if (o->close)
        s[at++] = 'C';
    else
        at--;
    s[at] = '\0';
    return s;
}


/* ---- XML ----------------------------------------------------------------------------- */

/* A document under construction; any libxml2 allocation failure sets oom and later calls
 * do nothing, so building code needs no checks until the end. */
typedef struct xb {
    xmlDoc *doc;
    xmlNs *ns;
    int oom;
} xb;

static xmlNode *xb_root(xb *b, const char *name)
{
    xmlNode *root;

    memset(b, 0, sizeof(*b));
    if ((b->doc = xmlNewDoc(BAD_CAST "1.0")) == NULL ||
        (root = xmlNewDocNode(b->doc, NULL, BAD_CAST name, NULL)) == NULL) {
        b->oom = 1;
        return NULL;
    }
    xmlDocSetRootElement(b->doc, root);
    if ((b->ns = xmlNewNs(root, BAD_CAST OFD_NS, BAD_CAST "ofd")) == NULL)
        b->oom = 1;
    xmlSetNs(root, b->ns);
    return root;
}

/* A child element; text (escaped on output) may be NULL. */
static xmlNode *xb_el(xb *b, xmlNode *parent, const char *name, const char *text)
{
    xmlNode *n;

    if (b->oom || parent == NULL)
        return NULL;
    if ((n = xmlNewTextChild(parent, b->ns, BAD_CAST name, BAD_CAST text)) == NULL)
        b->oom = 1;
    return n;
}

static void xb_attr(xb *b, xmlNode *n, const char *name, const char *value)
{
    if (b->oom || n == NULL)
        return;
    if (xmlNewProp(n, BAD_CAST name, BAD_CAST value) == NULL)
        b->oom = 1;
}

static void xb_attr_id(xb *b, xmlNode *n, const char *name, uint32_t id)
{
    char s[16];

    snprintf(s, sizeof(s), "%u", (unsigned)id);
    xb_attr(b, n, name, s);
}

static void xb_attr_nums(xb *b, xmlNode *n, const char *name, const double *v, size_t cnt)
{
    char s[8 * 24];

    fmt_nums(s, sizeof(s), v, cnt);
    xb_attr(b, n, name, s);
}

static void xb_color(xb *b, xmlNode *parent, const char *name, sc_ofd_rgb c)
{
    double v[3] = { c.r, c.g, c.b };

    xb_attr_nums(b, xb_el(b, parent, name, NULL), "Value", v, 3);
}

/* Where the parts go: the zip writer (sc_ofd_doc_write) or a list (sc__ofd_doc_parts). */
typedef struct dest {
    sc__zipw *zw;
    sc__ofd_parts *parts;
} dest;

/* One part to d; xml (NULL for the document's own bytes) is data, owned by libxml2: freed
 * here, or kept by the list. */
static int put_part(dest *d, const char *entry, xmlChar *xml, const uint8_t *data, size_t len,
                    int deflate, sc_err *err)
{
    sc__ofd_parts *ps = d->parts;
    sc__ofd_part *pt;
    int rc;

    if (d->zw != NULL) {
        rc = sc__zipw_add(d->zw, entry, data, len, deflate, err);
        xmlFree(xml);
        return rc;
    }
    if ((rc = sc__ofd_doc_grow((void **)&ps->p, ps->n, &ps->cap, sizeof(*pt), err)) != 0) {
        xmlFree(xml);
        return rc;
    }
    pt = &ps->p[ps->n];
    if ((pt->name = sc__ofd_doc_dup(entry, err)) == NULL) {
        xmlFree(xml);
        return SC_ENOMEM;
    }
    pt->data = data;
    pt->len = len;
    pt->deflate = deflate;
    pt->own = (uint8_t *)xml;
    ps->n++;
    return 0;
}

/* Serialize, free the tree, hand the XML on (deflated in a zip). */
static int xb_write(xb *b, dest *d, const char *entry, sc_err *err)
{
    xmlChar *mem = NULL;
    int len = 0, rc;

    if (!b->oom)
        xmlDocDumpMemoryEnc(b->doc, &mem, &len, "UTF-8");
    xmlFreeDoc(b->doc);
    b->doc = NULL;
    if (mem == NULL || len <= 0)
        rc = sc_err_set(err, SC_ENOMEM, "%s: out of memory building the XML", entry);
    else if ((size_t)len > SC_OFD_MAX_XML)
        rc = sc_err_set(err, SC_ELIMIT, "%s: %d bytes of XML, more than the %u a reader takes",
                        entry, len, SC_OFD_MAX_XML);
    else
        return put_part(d, entry, mem, mem, (size_t)len, 1, err);
    xmlFree(mem);
    return rc;
}

static int write_ofd_xml(const sc_ofd_doc *doc, dest *d, sc_err *err)
{
    const char *const *names = sc__ofd_doc_field_names;
    /* CT_DocInfo order: DocID Title Author Subject Abstract CreationDate ModDate DocUsage
     * Cover Keywords Creator CreatorVersion CustomDatas */
    static const int order[SC__OFD_DOC_FIELDS] = {
        SC_OFD_DOC_TITLE, SC_OFD_DOC_AUTHOR, SC_OFD_DOC_SUBJECT, SC_OFD_DOC_CREATION_DATE,
        SC_OFD_DOC_CREATOR, SC_OFD_DOC_CREATOR_VERSION };
    xb b;
    xmlNode *root = xb_root(&b, "OFD"), *body, *info, *cds;

    xb_attr(&b, root, "Version", "1.0");
    xb_attr(&b, root, "DocType", "OFD");
    body = xb_el(&b, root, "DocBody", NULL);
    info = xb_el(&b, body, "DocInfo", NULL);
    xb_el(&b, info, "DocID", doc->doc_id);
    for (size_t i = 0; i < SC__OFD_DOC_FIELDS; i++)
        if (doc->info[order[i]] != NULL)
            xb_el(&b, info, names[order[i]], doc->info[order[i]]);
    if (doc->ncustom > 0) {
        cds = xb_el(&b, info, "CustomDatas", NULL);
        for (size_t i = 0; i < doc->ncustom; i++)
            xb_attr(&b, xb_el(&b, cds, "CustomData", doc->customs[i].value), "Name",
                    doc->customs[i].name);
    }
    xb_el(&b, body, "DocRoot", DOC_ROOT);
    return xb_write(&b, d, "OFD.xml", err);
}

static int write_document_xml(const sc_ofd_doc *doc, dest *d, sc_err *err)
{
    double box[4] = { 0, 0, doc->w, doc->h };
    char loc[64], s[8 * 24];
    xb b;
    xmlNode *root = xb_root(&b, "Document"), *common, *pages;

    common = xb_el(&b, root, "CommonData", NULL);
    snprintf(s, sizeof(s), "%u", (unsigned)(doc->next_id - 1));
    xb_el(&b, common, "MaxUnitID", s);
    fmt_nums(s, sizeof(s), box, 4);
    xb_el(&b, xb_el(&b, common, "PageArea", NULL), "PhysicalBox", s);
    xb_el(&b, common, "PublicRes", "PublicRes.xml");
    xb_el(&b, common, "DocumentRes", "DocumentRes.xml");
    pages = xb_el(&b, root, "Pages", NULL);
    for (size_t i = 0; i < doc->npages; i++) {
        xmlNode *p = xb_el(&b, pages, "Page", NULL);
        snprintf(loc, sizeof(loc), PAGE_ENTRY + 6, i);   /* relative to Doc_0/ */
        xb_attr_id(&b, p, "ID", doc->pages[i].id);
        xb_attr(&b, p, "BaseLoc", loc);
    }
    if (doc->ntags > 0)     /* XSD order: ... Annotations CustomTags Attachments Extensions */
        xb_el(&b, root, "CustomTags", "Tags/CustomTags.xml");
    return xb_write(&b, d, DOC_ROOT, err);
}

static int write_res_xml(const sc_ofd_doc *doc, dest *d, int fonts, sc_err *err)
{
    char file[64];
    xb b;
    xmlNode *root = xb_root(&b, "Res"), *list;

    xb_attr(&b, root, "BaseLoc", "Res");
    if (fonts && doc->nfonts > 0) {
        list = xb_el(&b, root, "Fonts", NULL);
        for (size_t i = 0; i < doc->nfonts; i++) {
            const sc__ofd_font *fo = &doc->fonts[i];
            xmlNode *f = xb_el(&b, list, "Font", NULL);
            xb_attr_id(&b, f, "ID", fo->id);
            xb_attr(&b, f, "FontName", fo->name);
            xb_attr(&b, f, "FamilyName", fo->family != NULL ? fo->family : fo->name);
            if (fo->file != NULL) {
                snprintf(file, sizeof(file), "font_%u.%s", (unsigned)fo->id, fo->ext);
                xb_el(&b, f, "FontFile", file);    /* relative to Res@BaseLoc */
            }
        }
    }
    if (!fonts && doc->nimages > 0) {
        list = xb_el(&b, root, "MultiMedias", NULL);
        for (size_t i = 0; i < doc->nimages; i++) {
            const sc__ofd_image *im = &doc->images[i];
            xmlNode *m = xb_el(&b, list, "MultiMedia", NULL);
            snprintf(file, sizeof(file), "image_%u.%s", (unsigned)im->id, im->ext);
            xb_attr_id(&b, m, "ID", im->id);
            xb_attr(&b, m, "Type", "Image");
            xb_attr(&b, m, "Format", im->format);
            xb_el(&b, m, "MediaFile", file);
        }
    }
    return xb_write(&b, d, fonts ? "Doc_0/PublicRes.xml" : "Doc_0/DocumentRes.xml", err);
}

/* ---- custom tags (spec/ofd-writer.md "Custom tags") ------------------------------------ */

static int write_custom_tags(const sc_ofd_doc *doc, dest *d, sc_err *err)
{
    char file[SC_OFD_DOC_MAX_TYPE_ID + 16];
    xb b;
    xmlNode *root = xb_root(&b, "CustomTags");

    for (size_t i = 0; i < doc->ntag_types; i++) {
        xmlNode *t = xb_el(&b, root, "CustomTag", NULL);
        snprintf(file, sizeof(file), "Tag_%s.xml", doc->tag_types[i]);
        /* TypeID as GB/T 33190 table 63 and vendors write it, NameSpace as its XSD wants */
        xb_attr(&b, t, "TypeID", doc->tag_types[i]);
        xb_attr(&b, t, "NameSpace", SC_OFD_DOC_TAGS_NS);
        xb_el(&b, t, "FileLoc", file);
    }
    return xb_write(&b, d, "Doc_0/Tags/CustomTags.xml", err);
}

/* Tag_<TypeID>.xml: sc:Tags/sc:Tag@Name (sc:Value?, ofd:ObjectRef@PageRef*), the shape of
 * vendors' tag documents (field element, ofd:ObjectRef leaves) with the field's name in an
 * attribute, so that any UTF-8 name fits and a reader needs one fixed XPath. */
static int write_tag_doc(const sc_ofd_doc *doc, size_t type, dest *d, sc_err *err)
{
    char entry[SC_OFD_DOC_MAX_TYPE_ID + 32], id[16];
    xb b;
    xmlNode *root = xb_root(&b, "Tags");
    xmlNs *ofd = b.ns, *own = NULL;

    if (!b.oom && (own = xmlNewNs(root, BAD_CAST SC_OFD_DOC_TAGS_NS, BAD_CAST "sc")) == NULL)
        b.oom = 1;
    if (!b.oom)
        xmlSetNs(root, b.ns = own);
    xb_attr(&b, root, "TypeID", doc->tag_types[type]);
    for (size_t i = 0; i < doc->ntags; i++) {
        const sc__ofd_tag *t = &doc->tags[i];
        xmlNode *n;
        if (t->type != type)
            continue;
        n = xb_el(&b, root, "Tag", NULL);
        xb_attr(&b, n, "Name", t->name);
        if (t->value != NULL)
            xb_el(&b, n, "Value", t->value);
        b.ns = ofd;
        for (size_t k = 0; k < t->nids; k++) {
            snprintf(id, sizeof(id), "%u", (unsigned)t->ids[k]);
            xb_attr_id(&b, xb_el(&b, n, "ObjectRef", id), "PageRef", t->page_id);
        }
        b.ns = own;
    }
    snprintf(entry, sizeof(entry), "Doc_0/Tags/Tag_%s.xml", doc->tag_types[type]);
    return xb_write(&b, d, entry, err);
}

/* DeltaX for a text: one advance per character but the last (Size/2 after ASCII). */
static char *delta_x(const char *text, double size, sc_err *err)
{
    const uint8_t *p = (const uint8_t *)text;
    size_t n = strlen(text), at = 0;
    char full[24], half[24], *s;

    fmt_num(full, sizeof(full), size);
    fmt_num(half, sizeof(half), size / 2);
    /* at most one advance per byte, each at most 23 characters and a space */
    if ((s = sc__malloc(n * 24 + 1, err)) == NULL)
        return NULL;
    for (size_t i = 0; i < n;) {
        size_t k = p[i] < 0x80 ? 1 : p[i] < 0xE0 ? 2 : p[i] < 0xF0 ? 3 : 4;
        const char *adv = k == 1 ? half : full;
        i += k;
        if (i >= n)
            break;                       /* no advance after the last character */
        if (at > 0)
            s[at++] = ' ';
        memcpy(s + at, adv, strlen(adv));
        at += strlen(adv);
    }
    s[at] = '\0';
    return s;
}

/* extra: DeltaX of a text ("" for none), AbbreviatedData of a path. */
static void write_obj(xb *b, xmlNode *layer, const sc__ofd_obj *o, const char *extra)
{
    static const char *const kinds[] = { "TextObject", "ImageObject", "PathObject" };
    xmlNode *n = xb_el(b, layer, kinds[o->kind], NULL), *tc;
    char s[24];

    xb_attr_id(b, n, "ID", o->id);
    xb_attr_nums(b, n, "Boundary", o->box, 4);
    switch (o->kind) {
    case SC__OFD_TEXT:
        xb_attr_id(b, n, "Font", o->font);
        fmt_num(s, sizeof(s), o->size);
        xb_attr(b, n, "Size", s);
        if (o->has_fill)
            xb_color(b, n, "FillColor", o->fill);
        tc = xb_el(b, n, "TextCode", o->text);
        xb_attr(b, tc, "X", "0");
        xb_attr(b, tc, "Y", s);          /* the baseline, one size below the box top */
        if (extra[0] != '\0')
            xb_attr(b, tc, "DeltaX", extra);
        break;
    case SC__OFD_IMAGE: {
        double ctm[6] = { o->box[2], 0, 0, o->box[3], 0, 0 };
        xb_attr_nums(b, n, "CTM", ctm, 6);
        xb_attr_id(b, n, "ResourceID", o->res);
        break;
    }
    default:
        if (o->qr != NULL) {                 /* path data in modules: one module = m mm */
            double m = o->box[2] / (double)(o->qr_width + 2 * SC_OFD_DOC_QR_QUIET);
            double ctm[6] = { m, 0, 0, m, 0, 0 };
            xb_attr_nums(b, n, "CTM", ctm, 6);
        }
        if (o->has_stroke) {
            fmt_num(s, sizeof(s), o->line_width);
            xb_attr(b, n, "LineWidth", s);
        } else {
            xb_attr(b, n, "Stroke", "false");
        }
        if (o->has_fill)
            xb_attr(b, n, "Fill", "true");
        if (o->has_stroke)
            xb_color(b, n, "StrokeColor", o->stroke);
        if (o->has_fill)
            xb_color(b, n, "FillColor", o->fill);
        xb_el(b, n, "AbbreviatedData", extra);
        break;
    }
}

static int write_page(const sc_ofd_doc *doc, size_t i, dest *d, sc_err *err)
{
    const sc__ofd_doc_page *p = &doc->pages[i];
    char entry[64];
    xb b;
    xmlNode *root = xb_root(&b, "Page"), *layer;
    int rc = 0;

    layer = xb_el(&b, xb_el(&b, root, "Content", NULL), "Layer", NULL);
    xb_attr_id(&b, layer, "ID", p->layer);
    xb_attr(&b, layer, "Type", "Body");
    for (size_t j = 0; j < p->n && rc == 0; j++) {
        const sc__ofd_obj *o = &p->objs[j];
        char *extra = o->kind == SC__OFD_TEXT ? delta_x(o->text, o->size, err)
                      : o->kind == SC__OFD_PATH ? path_data(o, err) : NULL;
        if (o->kind != SC__OFD_IMAGE && extra == NULL)
            rc = SC_ENOMEM;
        else
            write_obj(&b, layer, o, extra);
        free(extra);
    }
    snprintf(entry, sizeof(entry), PAGE_ENTRY, i);
    if (rc != 0) {
        xmlFreeDoc(b.doc);
        return rc;
    }
    return xb_write(&b, d, entry, err);
}

/* Every part in package order. */
static int write_parts(const sc_ofd_doc *doc, dest *d, sc_err *err)
{
    char entry[64];
    int rc;

    if (doc->npages == 0)
        return sc_err_set(err, SC_EINVAL, "OFD document: no pages");
    if ((rc = write_ofd_xml(doc, d, err)) != 0 || (rc = write_document_xml(doc, d, err)) != 0 ||
        (rc = write_res_xml(doc, d, 1, err)) != 0 || (rc = write_res_xml(doc, d, 0, err)) != 0)
        return rc;
    for (size_t i = 0; i < doc->npages; i++)
        if ((rc = write_page(doc, i, d, err)) != 0)
            return rc;
    if (doc->ntags > 0 && (rc = write_custom_tags(doc, d, err)) != 0)
        return rc;
    for (size_t i = 0; i < doc->ntag_types; i++)
        if ((rc = write_tag_doc(doc, i, d, err)) != 0)
            return rc;
    for (size_t i = 0; i < doc->nimages; i++) {
        const sc__ofd_image *im = &doc->images[i];
        snprintf(entry, sizeof(entry), "Doc_0/Res/image_%u.%s", (unsigned)im->id, im->ext);
        if ((rc = put_part(d, entry, NULL, im->data, im->len, strcmp(im->ext, "bmp") == 0,
                           err)) != 0)
            return rc;
    }
    for (size_t i = 0; i < doc->nfonts; i++) {
        const sc__ofd_font *f = &doc->fonts[i];
        if (f->file == NULL)
            continue;
        snprintf(entry, sizeof(entry), "Doc_0/Res/font_%u.%s", (unsigned)f->id, f->ext);
        if ((rc = put_part(d, entry, NULL, f->file, f->file_len, 0, err)) != 0)
            return rc;
    }
    return 0;
}

int sc_ofd_doc_write(const sc_ofd_doc *doc, sc_ofd_sink sink, void *ctx, sc_err *err)
{
    dest d = { NULL, NULL };
    int rc;

    if (doc->npages == 0)
        return sc_err_set(err, SC_EINVAL, "OFD document: no pages");
    if ((rc = sc__zipw_new(&d.zw, sink, ctx, err)) != 0)
        return rc;
    if ((rc = write_parts(doc, &d, err)) == 0)
        rc = sc__zipw_finish(d.zw, err);
    sc__zipw_free(d.zw);
    if (rc != 0)
        sc_err_prefix(err, "writing the OFD document");
    return rc;
}

void sc__ofd_parts_free(sc__ofd_parts *ps)
{
    if (ps == NULL)
        return;
    for (size_t i = 0; i < ps->n; i++) {
        free(ps->p[i].name);
        xmlFree(ps->p[i].own);
    }
    free(ps->p);
    memset(ps, 0, sizeof(*ps));
}

int sc__ofd_doc_parts(const sc_ofd_doc *doc, sc__ofd_parts *out, sc_err *err)
{
    dest d = { NULL, out };
    int rc = write_parts(doc, &d, err);

    if (rc != 0) {
        sc__ofd_parts_free(out);
        sc_err_prefix(err, "writing the OFD document");
    }
    return rc;
}

/* The reading side of what write_ofd_xml and write_document_xml say, for the stamper. */
int sc__ofd_doc_model(const sc_ofd_doc *doc, sc__ofd_model **out, sc_err *err)
{
    sc__ofd_model *m;
    char entry[64];

    *out = NULL;
    if ((m = calloc(1, sizeof(*m))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    m->ndocbody = 1;
    m->box[2] = doc->w;
    m->box[3] = doc->h;
    m->max_unit_id = doc->next_id - 1;
    if ((m->doc_root = sc__ofd_doc_dup(DOC_ROOT, err)) == NULL ||
        (doc->npages > 0 && (m->pages = calloc(doc->npages, sizeof(*m->pages))) == NULL))
        goto oom;
    for (size_t i = 0; i < doc->npages; i++, m->npages++) {
        snprintf(entry, sizeof(entry), PAGE_ENTRY, i);
        m->pages[i].id = doc->pages[i].id;
        if ((m->pages[i].entry = sc__ofd_doc_dup(entry, err)) == NULL)
            goto oom;
    }
    *out = m;
    return 0;
oom:
    sc__ofd_model_free(m);
    return sc_err_set(err, SC_ENOMEM, "out of memory");
}

typedef struct mem_out {
    uint8_t *buf;
    size_t len, cap;
} mem_out;

static int to_mem(void *ctx, const uint8_t *p, size_t n, sc_err *err)
{
    mem_out *m = ctx;

    if (n > m->cap - m->len) {
        size_t need, ncap = m->cap ? m->cap : 65536;
        uint8_t *nb;
        if (sc__size_add(&need, m->len, n) != 0)
            return sc_err_set(err, SC_ENOMEM, "out of memory");
        while (ncap < need && ncap <= SIZE_MAX / 2)
            ncap *= 2;
        if (ncap < need || (nb = realloc(m->buf, ncap)) == NULL)
            return sc_err_set(err, SC_ENOMEM, "out of memory");
        m->buf = nb;
        m->cap = ncap;
    }
    memcpy(m->buf + m->len, p, n);
    m->len += n;
    return 0;
}

int sc_ofd_doc_write_mem(const sc_ofd_doc *doc, uint8_t **out, size_t *len, sc_err *err)
{
    mem_out m = { NULL, 0, 0 };
    int rc;

    *out = NULL;
    *len = 0;
    if ((rc = sc_ofd_doc_write(doc, to_mem, &m, err)) != 0) {
        free(m.buf);
        return rc;
    }
    *out = m.buf;
    *len = m.len;
    return 0;
}
