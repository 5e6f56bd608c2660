/* ofd_doc_int.h: what the OFD document writer's two halves share (internal): the recorded
 * document (ofd_doc.c fills it, checking every input) and its serialization to a package
 * (ofd_doc_xml.c). Not exported. */
#ifndef SC_OFD_DOC_INT_H
#define SC_OFD_DOC_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sealcore/ofd_doc.h"

#define SC__OFD_DOC_FIELDS 6       /* sc_ofd_doc_field values */

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
} sc__ofd_obj;

typedef struct sc__ofd_page {
    uint32_t id, layer;
    sc__ofd_obj *objs;
    size_t n, cap;
} sc__ofd_page;

typedef struct sc__ofd_font {
    uint32_t id;
    char *name;
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

struct sc_ofd_doc {
    double w, h;
    char doc_id[33];
    char *info[SC__OFD_DOC_FIELDS];    /* by sc_ofd_doc_field; NULL = not set */
    sc__ofd_custom *customs;           /* n*: used, c*: allocated */
    size_t ncustom, ccustom;
    sc__ofd_page *pages;
    size_t npages, cpages;
    sc__ofd_font *fonts;
    size_t nfonts, cfonts;
    sc__ofd_image *images;
    size_t nimages, cimages;
    size_t nobjs;
    uint32_t next_id;                  /* IDs given out so far: 1 .. next_id - 1 */
};

/* DocInfo element names by sc_ofd_doc_field. */
extern const char *const sc__ofd_doc_field_names[SC__OFD_DOC_FIELDS];

#endif
