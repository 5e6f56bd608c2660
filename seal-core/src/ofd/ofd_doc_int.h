/* ofd_doc_int.h: what the OFD document writer's two halves share (internal): the recorded
 * document (ofd_doc.c fills it, checking every input) and its serialization to a package
 * (ofd_doc_xml.c). Not exported. */
#ifndef SC_OFD_DOC_INT_H
#define SC_OFD_DOC_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sealcore/ofd_doc.h"

#define SC__OFD_DOC_FIELDS 6       /* sc_ofd_doc_field values */
#define SC__OFD_DOC_ROOT "Doc_0/Document.xml"   /* OFD.xml's DocRoot, and its entry */
#define SC__OFD_DOC_PAGE_ENTRY "Doc_0/Pages/Page_%zu/Content.xml"

enum { SC__OFD_TEXT, SC__OFD_IMAGE, SC__OFD_PATH };

typedef struct sc__ofd_obj {
    int kind;
    uint32_t id;
    double box[4];                 /* Boundary: x y w h, page mm */
    /* text */
    uint32_t font;
    double size;
    char *text;
    /* image */
    uint32_t res;
    /* path: points in page mm (a line: 2, a rectangle: 4, closed) */
    double pts[8];
    size_t npts;
    int close;
    double line_width;
    int has_fill, has_stroke;
    sc_ofd_rgb fill, stroke;
    /* QR code (a filled path): AbbreviatedData in whole modules (ofd_doc_qr.c traces the
     * outlines of the dark areas), qr_width modules wide inside a quiet zone, in box; NULL
     * otherwise. */
    char *qr;
    size_t qr_len;
    uint32_t qr_width;
} sc__ofd_obj;

typedef struct sc__ofd_doc_page {
    uint32_t id, layer;
    sc__ofd_obj *objs;
    size_t n, cap;
} sc__ofd_doc_page;

typedef struct sc__ofd_font {
    uint32_t id;
    char *name;
    char *family;                  /* FamilyName; NULL: the name */
    uint8_t *file;                 /* embedded font file (FontFile); NULL: none */
    size_t file_len;
    const char *ext;               /* static: "ttf" or "otf" */
} sc__ofd_font;

typedef struct sc__ofd_image {
    uint32_t id;
    uint8_t *data;
    size_t len;
    const char *format, *ext;      /* static strings: "PNG", "png" */
} sc__ofd_image;

typedef struct sc__ofd_custom {
    char *name, *value;
} sc__ofd_custom;

/* One sc_ofd_doc_add_tag entry: written into the tag document of its TypeID. */
typedef struct sc__ofd_tag {
    size_t type;                   /* index into doc->tag_types */
    char *name, *value;            /* value NULL: none given */
    uint32_t page_id;              /* PageRef of every ObjectRef */
    uint32_t *ids;                 /* ObjectRefs, in the caller's order; NULL when nids 0 */
    size_t nids;
} sc__ofd_tag;

struct sc_ofd_doc {
    double w, h;
    char doc_id[33];
    char *info[SC__OFD_DOC_FIELDS];    /* by sc_ofd_doc_field; NULL = not set */
    sc__ofd_custom *customs;           /* n*: used, c*: allocated */
    size_t ncustom, ccustom;
    sc__ofd_doc_page *pages;
    size_t npages, cpages;
    sc__ofd_font *fonts;
    size_t nfonts, cfonts;
    sc__ofd_image *images;
    size_t nimages, cimages;
    char **tag_types;                  /* TypeIDs in order of first use */
    size_t ntag_types, ctag_types;
    sc__ofd_tag *tags;
    size_t ntags, ctags;
    size_t nobjs;
    uint32_t next_id;                  /* IDs given out so far: 1 .. next_id - 1 */
    uint32_t last_obj;                 /* ID of the last page object added; 0: none */
};

/* DocInfo element names by sc_ofd_doc_field. */
extern const char *const sc__ofd_doc_field_names[SC__OFD_DOC_FIELDS];

/* Input checks and bookkeeping shared by ofd_doc.c and the parts in ofd_doc_*.c. */

/* UTF-8 whose every character XML 1.0 allows, at most SC_OFD_DOC_MAX_STRING bytes;
 * counts characters and the ASCII ones among them (either pointer may be NULL).
 * @return 0, SC_EINVAL, SC_ELIMIT; what names the string in the message */
int sc__ofd_doc_check_str(const char *s, const char *what, size_t *nchars, size_t *nascii,
                          sc_err *err);
/* v finite and in [lo, hi]. @return 0 or SC_EINVAL */
int sc__ofd_doc_check_num(double v, double lo, double hi, const char *what, sc_err *err);
/* Grow *arr (n elements of sz bytes, *cap allocated) to hold one more. 0 or SC_ENOMEM */
int sc__ofd_doc_grow(void **arr, size_t n, size_t *cap, size_t sz, sc_err *err);
/* The bytes of an embedded file (what names it: "image", "font file"): not NULL, 1 ..
 * SC_OFD_MAX_ENTRY bytes, checked before any is read. @return 0, SC_EINVAL, SC_ELIMIT */
int sc__ofd_doc_check_bytes(const uint8_t *p, size_t len, const char *what, sc_err *err);
/* A copy of s (free()); NULL with err on ENOMEM. */
char *sc__ofd_doc_dup(const char *s, sc_err *err);
/* Room for one more object on page pg (zeroed), not yet counted; the caller fills it and
 * then calls sc__ofd_doc_commit_obj, which gives it the next ID. Nothing to undo when the
 * caller gives up before committing (it owns what it put in *o until then).
 * @return 0, SC_EINVAL (no such page), SC_ELIMIT (SC_OFD_DOC_MAX_OBJECTS), SC_ENOMEM */
int sc__ofd_doc_new_obj(sc_ofd_doc *doc, size_t pg, sc__ofd_obj **o, sc_err *err);
void sc__ofd_doc_commit_obj(sc_ofd_doc *doc, size_t pg, sc__ofd_obj *o);
/* The index in doc->fonts of font name, registered (next ID) on first use (ofd_doc_font.c).
 * @return 0, SC_ELIMIT (SC_OFD_DOC_MAX_FONTS), SC_ENOMEM */
int sc__ofd_doc_font(sc_ofd_doc *doc, const char *name, size_t *ix, sc_err *err);
void sc__ofd_doc_free_fonts(sc_ofd_doc *doc);
/* Free what sc_ofd_doc_add_tag recorded (ofd_doc_tags.c), for sc_ofd_doc_free. */
void sc__ofd_doc_free_tags(sc_ofd_doc *doc);

#endif
