/* ofd_stamp_pos.c: where a seal goes on the pages (the StampAnnot Boundary and Clip of
 * sealcore/ofd_sign.h's PAGE_XY, KEYWORD and RIDING modes; spec/ofd-signature.md §3, §6;
 * riding seals as ofdrw's RidingStampPos, described in ofd_sign.h).
 * Not here: finding text (ofd_text.c), IDs and writing (ofd_stamp.c, ofd_stamp_xml.c).
 *
 * Every page involved is parsed (one at a time, freed before the next): the page must exist
 * and read, and its own Area/PhysicalBox, when it has one, is the page the seal is placed on
 * (a landscape page in a portrait document gets its riding slice on its own edge). */
#include "ofd/ofd_stamp_int.h"
#include "ofd/ofd_text.h"
#include "sc_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COORD 100000.0   /* |x|, |y| a caller may give, mm (as sc_ofd_doc's limit) */

typedef struct stamps {
    sc__ofd_stamp *a;
    size_t n, cap;
} stamps;

static int add(stamps *s, const sc__ofd_model *m, size_t page_ix, const double box[4],
               const double *clip, sc_err *err)
{
    sc__ofd_stamp *st;

    if (m->pages[page_ix].id == 0)
        return sc_err_set(err, SC_EFORMAT, "page %zu has no ID: a StampAnnot cannot refer to it",
                          page_ix + 1);
    if (s->n >= SC__OFD_MAX_ANNOTS)
        return sc_err_set(err, SC_ELIMIT, "more than %u StampAnnots in one signature (the most "
                          "a reader takes)", SC__OFD_MAX_ANNOTS);
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 8;
        sc__ofd_stamp *na = realloc(s->a, nc * sizeof(*na));
        if (na == NULL)
            return sc_err_set(err, SC_ENOMEM, "out of memory");
        s->a = na;
        s->cap = nc;
    }
    st = &s->a[s->n++];
    memset(st, 0, sizeof(*st));
    st->page_id = m->pages[page_ix].id;
    st->page_no = page_ix + 1;
    memcpy(st->box, box, sizeof(st->box));
    if (clip != NULL) {
        st->has_clip = 1;
        memcpy(st->clip, clip, sizeof(st->clip));
    }
    return 0;
}

/* Page page_ix's box (the page's Area/PhysicalBox, else the document's) and, when doc is not
 * NULL, the page parsed (*doc, caller frees). When only the box is wanted a page whose bytes
 * never mention PhysicalBox is not parsed: the box is the document's (parsing a page costs
 * as much as a tenth of the SM2 signature in a 1-page stamp). */
static int read_page(const sc__ofd_src *src, const sc__ofd_model *m, size_t page_ix, xmlDoc **doc,
                     double box[4], sc_err *err)
{
    const sc__ofd_page *pg = &m->pages[page_ix];
    xmlDoc *parsed = NULL;
    xmlNode *pb;
    uint8_t *raw = NULL;
    size_t ix, len;
    char *t;
    int rc;

    if (doc != NULL)
        *doc = NULL;
    memcpy(box, m->box, 4 * sizeof(double));
    if ((rc = sc__ofd_src_find(src, pg->entry, &ix, err)) == 0 &&
        (rc = sc__ofd_src_read(src, ix, &raw, &len, err)) == 0) {
        if (doc == NULL && memmem(raw, len, "PhysicalBox", 11) == NULL) {
            free(raw);
            return 0;
        }
        rc = sc__ofd_xml_parse(raw, len, pg->entry, &parsed, err);
        free(raw);
    }
    if (rc != 0) {
        if (rc == SC_ENOTFOUND) {   /* a missing page is damage, not "keyword not found" */
            sc_err_clear(err);
            return sc_err_set(err, SC_EFORMAT, "page %zu: its Content.xml %s is missing",
                              page_ix + 1, pg->entry);
        }
        sc_err_prefix(err, "page %zu", page_ix + 1);
        return rc;
    }
    pb = sc__ofd_child(sc__ofd_child(xmlDocGetRootElement(parsed), "Area"), "PhysicalBox");
    if (pb != NULL) {
        if ((t = sc__ofd_text(pb, err)) == NULL)
            rc = SC_ENOMEM;
        else if (sc__ofd_parse_box(t, box) != 0 || box[2] <= 0 || box[3] <= 0)
            rc = sc_err_set(err, SC_EFORMAT, "page %zu (%s): Area/PhysicalBox \"%.80s\" is not "
                            "a box", page_ix + 1, pg->entry, t);
        free(t);
    }
    if (rc == 0 && doc != NULL) {
        *doc = parsed;
        parsed = NULL;
    }
    xmlFreeDoc(parsed);
    return rc;
}

/* The seal's box centred on (cx, cy). */
static void centred(double cx, double cy, double w, double h, double box[4])
{
    box[0] = cx - w / 2;
    box[1] = cy - h / 2;
    box[2] = w;
    box[3] = h;
}

static int page_xy(const sc__ofd_src *src, const sc__ofd_model *m, const sc_ofd_sign_params *p,
                   double w, double h, stamps *s, sc_err *err)
{
    double pb[4], box[4];
    int rc;

    if (p->page < 1 || p->page > m->npages)
        return sc_err_set(err, SC_EINVAL, "page %zu: the document has pages 1 to %zu", p->page,
                          m->npages);
    if (!isfinite(p->x_mm) || !isfinite(p->y_mm) || fabs(p->x_mm) > MAX_COORD ||
        fabs(p->y_mm) > MAX_COORD)
        return sc_err_set(err, SC_EINVAL, "seal position (%g, %g) mm: not a number within "
                          "+-%g", p->x_mm, p->y_mm, MAX_COORD);
    if ((rc = read_page(src, m, p->page - 1, NULL, pb, err)) != 0)
        return rc;
    centred(p->x_mm, p->y_mm, w, h, box);
    /* Touching only an edge shows nothing either; a seal partly on the page is the
     * caller's choice (a seal over the margin is common). */
    if (box[0] + box[2] <= pb[0] || box[0] >= pb[0] + pb[2] || box[1] + box[3] <= pb[1] ||
        box[1] >= pb[1] + pb[3]) {
        return sc_err_set(err, SC_EINVAL, "page %zu: a %gx%g mm seal centred at (%g, %g) lies "
                          "entirely outside the page (%g %g %g %g)", p->page, w, h, p->x_mm,
                          p->y_mm, pb[0], pb[1], pb[2], pb[3]);
    }
    return add(s, m, p->page - 1, box, NULL, err);
}

static int keyword(const sc__ofd_src *src, const sc__ofd_model *m, const sc_ofd_sign_params *p,
                   double w, double h, stamps *s, sc_err *err)
{
    const int occ = p->occurrence;
    size_t total = 0, chosen_page = 0;
    double chosen[4] = { 0, 0, 0, 0 };
    int rc = 0, done = 0;

    if (p->keyword == NULL || p->keyword[0] == '\0')
        return sc_err_set(err, SC_EINVAL, "keyword: empty");
    if (occ < SC_OFD_OCCUR_LAST)
        return sc_err_set(err, SC_EINVAL, "keyword occurrence %d: not all (0), last (-1) or "
                          "N >= 1", occ);
    for (size_t i = 0; i < m->npages && rc == 0 && !done; i++) {
        xmlDoc *doc = NULL;
        sc__ofd_box *hits = NULL;
        size_t nh = 0;
        double pb[4];
        if ((rc = read_page(src, m, i, &doc, pb, err)) == 0 &&
            (rc = sc__ofd_text_find(doc, p->keyword, &hits, &nh, err)) != 0)
            sc_err_prefix(err, "keyword \"%.100s\" on page %zu", p->keyword, i + 1);
        for (size_t k = 0; k < nh && rc == 0 && !done; k++) {
            double box[4];
            total++;
            centred(hits[k].x + hits[k].w / 2, hits[k].y + hits[k].h / 2, w, h, box);
            if (occ == SC_OFD_OCCUR_ALL) {
                rc = add(s, m, i, box, NULL, err);
            } else if (occ == SC_OFD_OCCUR_LAST || (size_t)occ == total) {
                memcpy(chosen, box, sizeof(chosen));
                chosen_page = i + 1;
                done = occ != SC_OFD_OCCUR_LAST;
            }
        }
        free(hits);
        xmlFreeDoc(doc);
    }
    if (rc != 0)
        return rc;
    if (total == 0)
        return sc_err_set(err, SC_ENOTFOUND, "keyword \"%.100s\" does not occur in the document "
                          "(%zu pages searched)", p->keyword, m->npages);
    if (occ == SC_OFD_OCCUR_ALL)
        return 0;
    if (chosen_page == 0)
        return sc_err_set(err, SC_ENOTFOUND, "keyword \"%.100s\" occurs %zu times; occurrence "
                          "%d was asked for", p->keyword, total, occ);
    return add(s, m, chosen_page - 1, chosen, NULL, err);
}

static int riding(const sc__ofd_src *src, const sc__ofd_model *m, const sc_ofd_sign_params *p,
                  double w, double h, stamps *s, sc_err *err)
{
    size_t first = p->first_page, last = p->last_page, k, sides;
    int rc = 0;

    if (p->riding < SC_OFD_RIDING_RIGHT || p->riding > SC_OFD_RIDING_BOTH)
        return sc_err_set(err, SC_EINVAL, "riding seal: side %u is not right (1), left (2) or "
                          "both (3)", p->riding);
    if (first == 0 && last == 0) {
        first = 1;
        last = m->npages;
    }
    if (first < 1 || first > last || last > m->npages)
        return sc_err_set(err, SC_EINVAL, "riding seal: pages %zu-%zu; the document has pages 1 "
                          "to %zu", first, last, m->npages);
    k = last - first + 1;
    sides = p->riding == SC_OFD_RIDING_BOTH ? 2 : 1;
    if (k > SC__OFD_MAX_ANNOTS / sides)
        return sc_err_set(err, SC_ELIMIT, "riding seal over %zu pages: %zu StampAnnots, more "
                          "than the %u a reader takes", k, k * sides, SC__OFD_MAX_ANNOTS);
    const double sw = w / (double)k;   /* one slice */
    for (size_t i = 0; i < k && rc == 0; i++) {
        double pb[4], box[4], clip[4];
        if ((rc = read_page(src, m, first - 1 + i, NULL, pb, err)) != 0)
            break;
        box[1] = pb[1] + pb[3] / 2 - h / 2;
        box[2] = w;
        box[3] = h;
        clip[1] = 0;
        clip[2] = sw;
        clip[3] = h;
        if (p->riding & SC_OFD_RIDING_RIGHT) {   /* slice i ends at the right edge */
            box[0] = pb[0] + pb[2] - (double)(i + 1) * sw;
            clip[0] = (double)i * sw;
            rc = add(s, m, first - 1 + i, box, clip, err);
        }
        if (rc == 0 && (p->riding & SC_OFD_RIDING_LEFT)) {   /* slice k-1-i starts at left */
            box[0] = pb[0] - (double)(k - 1 - i) * sw;
            clip[0] = (double)(k - 1 - i) * sw;
            rc = add(s, m, first - 1 + i, box, clip, err);
        }
    }
    return rc;
}

int sc__ofd_stamp_place(const sc__ofd_src *src, const sc__ofd_model *m, const sc_ofd_sign_params *p,
                        double w, double h, sc__ofd_stamp **out, size_t *n, sc_err *err)
{
    stamps s = { NULL, 0, 0 };
    int rc;

    *out = NULL;
    *n = 0;
    if (m->npages == 0)
        return sc_err_set(err, SC_EFORMAT, "%s: the document has no pages", m->doc_root);
    switch (p->place) {
    case SC_OFD_PLACE_PAGE_XY:
        rc = page_xy(src, m, p, w, h, &s, err);
        break;
    case SC_OFD_PLACE_KEYWORD:
        rc = keyword(src, m, p, w, h, &s, err);
        break;
    case SC_OFD_PLACE_RIDING:
        rc = riding(src, m, p, w, h, &s, err);
        break;
    default:
        rc = sc_err_set(err, SC_EINVAL, "placement %d: not PAGE_XY, KEYWORD or RIDING",
                        (int)p->place);
    }
    if (rc != 0) {
        free(s.a);
        return rc;
    }
    *out = s.a;
    *n = s.n;
    return 0;
}
