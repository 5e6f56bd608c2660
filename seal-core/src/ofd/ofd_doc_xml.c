/* ofd_doc_xml.c: the simple OFD document writer, serializing half (sealcore/ofd_doc.h;
 * GB/T 33190-2016 §7, the element order of its XSDs, spec/ofd-signature.md §2): each XML part
 * written as bytes into a growing buffer, then the package through the zip writer, or the
 * parts in memory for sc__ofd_sign_doc (ofd_doc_sign.h). The bytes are exactly what libxml2
 * 2.9's serialiser (xmlDocDumpMemoryEnc, UTF-8) wrote for the trees this file used to build,
 * escaping included (xw_esc), so earlier documents' hashes hold; building and serialising
 * those trees was a sixth of a one-page licence's time. Text and attribute values are
 * escaped, and CR, tab and LF in attributes written as character references, so a reader
 * gets back what the caller gave. Numbers are formatted here with integers, never
 * printf("%f"), whose decimal separator follows the process locale.
 * Not here: recording and checking input (ofd_doc.c), zip output (ofd_zipw.c). */
#include "ofd/ofd_doc_int.h"
#include "ofd/ofd_doc_sign.h"
#include "ofd/ofd_zipw.h"
#include "sc_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OFD_NS "http://www.ofdspec.org/2016"
#define XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

/* ---- numbers ------------------------------------------------------------------------- */

/* v (|v| <= 1e9) rounded to 0.001, shortest form: "12", "-0.5", "3.175"; truncated to cap.
 * Digits by hand, not snprintf: a licence page has hundreds of numbers. */
static void fmt_num(char *buf, size_t cap, double v)
{
    double r = v * 1000;
    long long m = (long long)(r < 0 ? r - 0.5 : r + 0.5);   /* no libm: half away from 0 */
    unsigned long long a = m < 0 ? (unsigned long long)-m : (unsigned long long)m;
    unsigned frac = (unsigned)(a % 1000), digits = 3;
    char s[24], rev[24];
    size_t at = 0, n = 0;

    if (m < 0)
        s[at++] = '-';
    a /= 1000;
    do
        rev[n++] = (char)('0' + a % 10);
    while ((a /= 10) > 0);
    while (n > 0)
        s[at++] = rev[--n];
    if (frac != 0) {
        while (frac % 10 == 0)
            frac /= 10, digits--;
        s[at++] = '.';
        for (unsigned d = digits; d-- > 0; frac /= 10)
            s[at + d] = (char)('0' + frac % 10);
        at += digits;
    }
    if (at > cap - 1)
        at = cap - 1;
    memcpy(buf, s, at);
    buf[at] = '\0';
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

/* ---- a growing buffer ------------------------------------------------------------------ */

/* One XML part being written, or sc_ofd_doc_write_mem's output. After an allocation failure
 * appends do nothing and oom stays set, so writing code checks once at the end. */
typedef struct xw {
    char *p;
    size_t len, cap;
    int oom;
    int open;          /* a start tag's '>' not written yet: "/>" if the element stays empty */
    const char *ns;    /* prefix of the elements written now */
} xw;

/* Room for n more bytes at p + len (len not advanced), or NULL with oom set. */
static char *xw_room(xw *b, size_t n)
{
    if (b->oom)
        return NULL;
    if (n > b->cap - b->len) {
        size_t need, ncap = b->cap ? b->cap : 4096;
        char *np;
        if (sc__size_add(&need, b->len, n) != 0) {
            b->oom = 1;
            return NULL;
        }
        while (ncap < need && ncap <= SIZE_MAX / 2)
            ncap *= 2;
        if (ncap < need || (np = realloc(b->p, ncap)) == NULL) {
            b->oom = 1;
            return NULL;
        }
        b->p = np;
        b->cap = ncap;
    }
    return b->p + b->len;
}

static void xw_put(xw *b, const char *s, size_t n)
{
    char *at = xw_room(b, n);

    if (at != NULL && n > 0) {
        memcpy(at, s, n);
        b->len += n;
    }
}

static void xw_str(xw *b, const char *s)
{
    xw_put(b, s, strlen(s));
}

/* s (checked UTF-8, XML 1.0 characters) escaped as libxml2 2.9 escapes text content
 * (xmlEscapeContent: & < > and CR) or, attr set, an attribute value
 * (xmlBufAttrSerializeTxtContent: also " and LF, tab, which a parser would turn into spaces).
 * Other bytes, UTF-8 included, are copied: the document is serialised as UTF-8. */
static void xw_esc(xw *b, const char *s, int attr)
{
    const char *run = s, *rep;

    for (;; s++) {
        switch (*s) {
        case '\0':
            xw_put(b, run, (size_t)(s - run));
            return;
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '\r': rep = "&#13;"; break;
        case '"': rep = attr ? "&quot;" : NULL; break;
        case '\n': rep = attr ? "&#10;" : NULL; break;
        case '\t': rep = attr ? "&#9;" : NULL; break;
        default: rep = NULL; break;
        }
        if (rep == NULL)
            continue;
        xw_put(b, run, (size_t)(s - run));
        xw_str(b, rep);
        run = s + 1;
    }
}

/* ---- XML ----------------------------------------------------------------------------- */

/* Closes a pending start tag: the element gets content. */
static void xw_gt(xw *b)
{
    if (b->open) {
        xw_put(b, ">", 1);
        b->open = 0;
    }
}

/* "<ns:name", attributes (xw_attr*) may follow until content or the end is written. */
static void xw_start(xw *b, const char *name)
{
    xw_gt(b);
    xw_put(b, "<", 1);
    xw_str(b, b->ns);
    xw_put(b, ":", 1);
    xw_str(b, name);
    b->open = 1;
}

/* The element's end; one with no content (not even "" text) is "<ns:name .../>". */
static void xw_end(xw *b, const char *name)
{
    if (b->open) {
        xw_put(b, "/>", 2);
        b->open = 0;
        return;
    }
    xw_put(b, "</", 2);
    xw_str(b, b->ns);
    xw_put(b, ":", 1);
    xw_str(b, name);
    xw_put(b, ">", 1);
}

/* Text content, escaped; "" still ends with </ns:name> (libxml2's empty text node). */
static void xw_text(xw *b, const char *text)
{
    xw_gt(b);
    xw_esc(b, text, 0);
}

/* An element holding text; text NULL: an empty element. */
static void xw_el(xw *b, const char *name, const char *text)
{
    xw_start(b, name);
    if (text != NULL)
        xw_text(b, text);
    xw_end(b, name);
}

static void xw_attr(xw *b, const char *name, const char *value)
{
    xw_put(b, " ", 1);
    xw_str(b, name);
    xw_put(b, "=\"", 2);
    xw_esc(b, value, 1);
    xw_put(b, "\"", 1);
}

static void xw_attr_id(xw *b, const char *name, uint32_t id)
{
    char s[16];

    snprintf(s, sizeof(s), "%u", (unsigned)id);
    xw_attr(b, name, s);
}

static void xw_attr_nums(xw *b, const char *name, const double *v, size_t cnt)
{
    char s[8 * 24];

    fmt_nums(s, sizeof(s), v, cnt);
    xw_attr(b, name, s);
}

static void xw_color(xw *b, const char *name, sc_ofd_rgb c)
{
    double v[3] = { c.r, c.g, c.b };

    xw_start(b, name);
    xw_attr_nums(b, "Value", v, 3);
    xw_end(b, name);
}

/* A part's declaration and root start tag, prefix ns: "<ns:name xmlns:ofd=...", the
 * namespace declarations before any attribute, as libxml2 wrote them. */
static void xw_root(xw *b, const char *ns, const char *name)
{
    memset(b, 0, sizeof(*b));
    b->ns = ns;
    xw_put(b, XML_DECL, sizeof(XML_DECL) - 1);
    xw_start(b, name);
    xw_attr(b, "xmlns:ofd", OFD_NS);
}

/* Where the parts go: the zip writer (sc_ofd_doc_write) or a list (sc__ofd_doc_parts). */
typedef struct dest {
    sc__zipw *zw;
    sc__ofd_parts *parts;
} dest;

/* One part to d; own (NULL for the document's own bytes) is data, malloc()ed: freed here,
 * or kept by the list. */
static int put_part(dest *d, const char *entry, char *own, const uint8_t *data, size_t len,
                    int deflate, sc_err *err)
{
    sc__ofd_parts *ps = d->parts;
    sc__ofd_part *pt;
    int rc;

    if (d->zw != NULL) {
        rc = sc__zipw_add(d->zw, entry, data, len, deflate, err);
        free(own);
        return rc;
    }
    if ((rc = sc__ofd_doc_grow((void **)&ps->p, ps->n, &ps->cap, sizeof(*pt), err)) != 0) {
        free(own);
        return rc;
    }
    pt = &ps->p[ps->n];
    if ((pt->name = sc__ofd_doc_dup(entry, err)) == NULL) {
        free(own);
        return SC_ENOMEM;
    }
    pt->data = data;
    pt->len = len;
    pt->deflate = deflate;
    pt->own = (uint8_t *)own;
    ps->n++;
    return 0;
}

/* End the root element (name) and the document, hand the XML on (deflated in a zip). */
static int xw_write(xw *b, const char *root, dest *d, const char *entry, sc_err *err)
{
    int rc;

    xw_end(b, root);
    xw_put(b, "\n", 1);
    if (b->oom)
        rc = sc_err_set(err, SC_ENOMEM, "%s: out of memory building the XML", entry);
    else if (b->len > SC_OFD_MAX_XML)
        rc = sc_err_set(err, SC_ELIMIT, "%s: %zu bytes of XML, more than the %u a reader takes",
                        entry, b->len, SC_OFD_MAX_XML);
    else
        return put_part(d, entry, b->p, (const uint8_t *)b->p, b->len, 1, err);
    free(b->p);
    b->p = NULL;
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
    xw b;

    xw_root(&b, "ofd", "OFD");
    xw_attr(&b, "Version", "1.0");
    xw_attr(&b, "DocType", "OFD");
    xw_start(&b, "DocBody");
    xw_start(&b, "DocInfo");
    xw_el(&b, "DocID", doc->doc_id);
    for (size_t i = 0; i < SC__OFD_DOC_FIELDS; i++)
        if (doc->info[order[i]] != NULL)
            xw_el(&b, names[order[i]], doc->info[order[i]]);
    if (doc->ncustom > 0) {
        xw_start(&b, "CustomDatas");
        for (size_t i = 0; i < doc->ncustom; i++) {
            xw_start(&b, "CustomData");
            xw_attr(&b, "Name", doc->customs[i].name);
            xw_text(&b, doc->customs[i].value);
            xw_end(&b, "CustomData");
        }
        xw_end(&b, "CustomDatas");
    }
    xw_end(&b, "DocInfo");
    xw_el(&b, "DocRoot", SC__OFD_DOC_ROOT);
    xw_end(&b, "DocBody");
    return xw_write(&b, "OFD", d, "OFD.xml", err);
}

static int write_document_xml(const sc_ofd_doc *doc, dest *d, sc_err *err)
{
    double box[4] = { 0, 0, doc->w, doc->h };
    char loc[64], s[8 * 24];
    xw b;

    xw_root(&b, "ofd", "Document");
    xw_start(&b, "CommonData");
    snprintf(s, sizeof(s), "%u", (unsigned)(doc->next_id - 1));
    xw_el(&b, "MaxUnitID", s);
    fmt_nums(s, sizeof(s), box, 4);
    xw_start(&b, "PageArea");
    xw_el(&b, "PhysicalBox", s);
    xw_end(&b, "PageArea");
    xw_el(&b, "PublicRes", "PublicRes.xml");
    xw_el(&b, "DocumentRes", "DocumentRes.xml");
    xw_end(&b, "CommonData");
    xw_start(&b, "Pages");
    for (size_t i = 0; i < doc->npages; i++) {
        /* relative to Doc_0/ */
        snprintf(loc, sizeof(loc), SC__OFD_DOC_PAGE_ENTRY + 6, i);
        xw_start(&b, "Page");
        xw_attr_id(&b, "ID", doc->pages[i].id);
        xw_attr(&b, "BaseLoc", loc);
        xw_end(&b, "Page");
    }
    xw_end(&b, "Pages");
    if (doc->ntags > 0)     /* XSD order: ... Annotations CustomTags Attachments Extensions */
        xw_el(&b, "CustomTags", "Tags/CustomTags.xml");
    return xw_write(&b, "Document", d, SC__OFD_DOC_ROOT, err);
}

static int write_res_xml(const sc_ofd_doc *doc, dest *d, int fonts, sc_err *err)
{
    char file[64];
    xw b;

    xw_root(&b, "ofd", "Res");
    xw_attr(&b, "BaseLoc", "Res");
    if (fonts && doc->nfonts > 0) {
        xw_start(&b, "Fonts");
        for (size_t i = 0; i < doc->nfonts; i++) {
            const sc__ofd_font *fo = &doc->fonts[i];
            xw_start(&b, "Font");
            xw_attr_id(&b, "ID", fo->id);
            xw_attr(&b, "FontName", fo->name);
            xw_attr(&b, "FamilyName", fo->family != NULL ? fo->family : fo->name);
            if (fo->file != NULL) {
                snprintf(file, sizeof(file), "font_%u.%s", (unsigned)fo->id, fo->ext);
                xw_el(&b, "FontFile", file);    /* relative to Res@BaseLoc */
            }
            xw_end(&b, "Font");
        }
        xw_end(&b, "Fonts");
    }
    if (!fonts && doc->nimages > 0) {
        xw_start(&b, "MultiMedias");
        for (size_t i = 0; i < doc->nimages; i++) {
            const sc__ofd_image *im = &doc->images[i];
            snprintf(file, sizeof(file), "image_%u.%s", (unsigned)im->id, im->ext);
            xw_start(&b, "MultiMedia");
            xw_attr_id(&b, "ID", im->id);
            xw_attr(&b, "Type", "Image");
            xw_attr(&b, "Format", im->format);
            xw_el(&b, "MediaFile", file);
            xw_end(&b, "MultiMedia");
        }
        xw_end(&b, "MultiMedias");
    }
    return xw_write(&b, "Res", d, fonts ? "Doc_0/PublicRes.xml" : "Doc_0/DocumentRes.xml",
                    err);
}

/* ---- custom tags (spec/ofd-writer.md "Custom tags") ------------------------------------ */

static int write_custom_tags(const sc_ofd_doc *doc, dest *d, sc_err *err)
{
    char file[SC_OFD_DOC_MAX_TYPE_ID + 16];
    xw b;

    xw_root(&b, "ofd", "CustomTags");
    for (size_t i = 0; i < doc->ntag_types; i++) {
        snprintf(file, sizeof(file), "Tag_%s.xml", doc->tag_types[i]);
        xw_start(&b, "CustomTag");
        /* TypeID as GB/T 33190 table 63 and vendors write it, NameSpace as its XSD wants */
        xw_attr(&b, "TypeID", doc->tag_types[i]);
        xw_attr(&b, "NameSpace", SC_OFD_DOC_TAGS_NS);
        xw_el(&b, "FileLoc", file);
        xw_end(&b, "CustomTag");
    }
    return xw_write(&b, "CustomTags", d, "Doc_0/Tags/CustomTags.xml", err);
}

/* Tag_<TypeID>.xml: sc:Tags/sc:Tag@Name (sc:Value?, ofd:ObjectRef@PageRef*), the shape of
 * vendors' tag documents (field element, ofd:ObjectRef leaves) with the field's name in an
 * attribute, so that any UTF-8 name fits and a reader needs one fixed XPath. */
static int write_tag_doc(const sc_ofd_doc *doc, size_t type, dest *d, sc_err *err)
{
    char entry[SC_OFD_DOC_MAX_TYPE_ID + 32], id[16];
    xw b;

    xw_root(&b, "sc", "Tags");
    xw_attr(&b, "xmlns:sc", SC_OFD_DOC_TAGS_NS);
    xw_attr(&b, "TypeID", doc->tag_types[type]);
    for (size_t i = 0; i < doc->ntags; i++) {
        const sc__ofd_tag *t = &doc->tags[i];
        if (t->type != type)
            continue;
        xw_start(&b, "Tag");
        xw_attr(&b, "Name", t->name);
        if (t->value != NULL)
            xw_el(&b, "Value", t->value);
        b.ns = "ofd";
        for (size_t k = 0; k < t->nids; k++) {
            snprintf(id, sizeof(id), "%u", (unsigned)t->ids[k]);
            xw_start(&b, "ObjectRef");
            xw_attr_id(&b, "PageRef", t->page_id);
            xw_text(&b, id);
            xw_end(&b, "ObjectRef");
        }
        b.ns = "sc";
        xw_end(&b, "Tag");
    }
    snprintf(entry, sizeof(entry), "Doc_0/Tags/Tag_%s.xml", doc->tag_types[type]);
    return xw_write(&b, "Tags", d, entry, err);
}

/* ---- page content ---------------------------------------------------------------------- */

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

/* AbbreviatedData of a path object: its points relative to the Boundary origin. */
static void put_path_data(xw *b, const sc__ofd_obj *o)
{
    size_t at = 0;
    char *s;

    xw_gt(b);
    if (o->qr != NULL) {                /* traced in modules by ofd_doc_qr.c */
        xw_put(b, o->qr, o->qr_len);
        return;
    }
    if ((s = xw_room(b, o->npts * PT_MAX + 2)) == NULL)
        return;
    for (size_t i = 0; i < o->npts; i++)
        at = put_pt(s, at, i == 0 ? 'M' : 'L', o->pts[2 * i] - o->box[0],
                    o->pts[2 * i + 1] - o->box[1]);
    if (o->close)
        s[at++] = 'C';
    else
        at--;                            /* npts >= 2: drop the last space */
    b->len += at;
}

/* DeltaX attribute of a text: one advance per character but the last (Size/2 after ASCII);
 * none for a single character. */
static void put_delta_x(xw *b, const char *text, double size)
{
    const uint8_t *p = (const uint8_t *)text;
    size_t n = strlen(text), at = 0, start = b->len;
    char full[24], half[24], *s;
    size_t lfull, lhalf;

    fmt_num(full, sizeof(full), size);
    fmt_num(half, sizeof(half), size / 2);
    lfull = strlen(full);
    lhalf = strlen(half);
    xw_put(b, " DeltaX=\"", 9);
    /* at most one advance per byte, each at most 23 characters and a space */
    if ((s = xw_room(b, n * 24 + 1)) == NULL)
        return;
    for (size_t i = 0; i < n;) {
        size_t k = p[i] < 0x80 ? 1 : p[i] < 0xE0 ? 2 : p[i] < 0xF0 ? 3 : 4;
        i += k;
        if (i >= n)
            break;                       /* no advance after the last character */
        if (at > 0)
            s[at++] = ' ';
        memcpy(s + at, k == 1 ? half : full, k == 1 ? lhalf : lfull);
        at += k == 1 ? lhalf : lfull;
    }
    if (at == 0) {
        b->len = start;
        return;
    }
    b->len += at;
    xw_put(b, "\"", 1);
}

static void write_obj(xw *b, const sc__ofd_obj *o)
{
    static const char *const kinds[] = { "TextObject", "ImageObject", "PathObject" };
    const char *kind = kinds[o->kind];
    char s[24];

    xw_start(b, kind);
    xw_attr_id(b, "ID", o->id);
    xw_attr_nums(b, "Boundary", o->box, 4);
    switch (o->kind) {
    case SC__OFD_TEXT:
        xw_attr_id(b, "Font", o->font);
        fmt_num(s, sizeof(s), o->size);
        xw_attr(b, "Size", s);
        if (o->has_fill)
            xw_color(b, "FillColor", o->fill);
        xw_start(b, "TextCode");
        xw_attr(b, "X", "0");
        xw_attr(b, "Y", s);              /* the baseline, one size below the box top */
        put_delta_x(b, o->text, o->size);
        xw_text(b, o->text);
        xw_end(b, "TextCode");
        break;
    case SC__OFD_IMAGE: {
        double ctm[6] = { o->box[2], 0, 0, o->box[3], 0, 0 };
        xw_attr_nums(b, "CTM", ctm, 6);
        xw_attr_id(b, "ResourceID", o->res);
        break;
    }
    default:
        if (o->qr != NULL) {                 /* path data in modules: one module = m mm */
            double m = o->box[2] / (double)(o->qr_width + 2 * SC_OFD_DOC_QR_QUIET);
            double ctm[6] = { m, 0, 0, m, 0, 0 };
            xw_attr_nums(b, "CTM", ctm, 6);
        }
        if (o->has_stroke) {
            fmt_num(s, sizeof(s), o->line_width);
            xw_attr(b, "LineWidth", s);
        } else {
            xw_attr(b, "Stroke", "false");
        }
        if (o->has_fill)
            xw_attr(b, "Fill", "true");
        if (o->has_stroke)
            xw_color(b, "StrokeColor", o->stroke);
        if (o->has_fill)
            xw_color(b, "FillColor", o->fill);
        xw_start(b, "AbbreviatedData");
        put_path_data(b, o);
        xw_end(b, "AbbreviatedData");
        break;
    }
    xw_end(b, kind);
}

static int write_page(const sc_ofd_doc *doc, size_t i, dest *d, sc_err *err)
{
    const sc__ofd_doc_page *p = &doc->pages[i];
    char entry[64];
    xw b;

    xw_root(&b, "ofd", "Page");
    xw_start(&b, "Content");
    xw_start(&b, "Layer");
    xw_attr_id(&b, "ID", p->layer);
    xw_attr(&b, "Type", "Body");
    for (size_t j = 0; j < p->n; j++)
        write_obj(&b, &p->objs[j]);
    xw_end(&b, "Layer");
    xw_end(&b, "Content");
    snprintf(entry, sizeof(entry), SC__OFD_DOC_PAGE_ENTRY, i);
    return xw_write(&b, "Page", d, entry, err);
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
        free(ps->p[i].own);
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

static int to_mem(void *ctx, const uint8_t *p, size_t n, sc_err *err)
{
    xw *m = ctx;

    xw_put(m, (const char *)p, n);
    return m->oom ? sc_err_set(err, SC_ENOMEM, "out of memory") : 0;
}

int sc_ofd_doc_write_mem(const sc_ofd_doc *doc, uint8_t **out, size_t *len, sc_err *err)
{
    xw m = { 0 };
    int rc;

    *out = NULL;
    *len = 0;
    if ((rc = sc_ofd_doc_write(doc, to_mem, &m, err)) != 0) {
        free(m.p);
        return rc;
    }
    *out = (uint8_t *)m.p;
    *len = m.len;
    return 0;
}
