/* ofd_text.h: finding text on an OFD page (internal; for keyword positioning of seals).
 *
 * Reads a page's Content.xml (already parsed with sc__ofd_xml_parse) and returns where a
 * keyword is drawn, in page millimetres (origin top-left, y down). */
#ifndef SC_OFD_TEXT_H
#define SC_OFD_TEXT_H

#include <stddef.h>

#include <libxml/tree.h>

#include "sealcore/error.h"

typedef struct sc__ofd_box {
    double x, y, w, h;   /* page mm: left, top, width, height */
} sc__ofd_box;

/* Every occurrence of needle (UTF-8, compared by code point, non-empty) in the page's text,
 * in reading order, each as the box around its glyphs. Text is the TextCode content of every
 * TextObject in every Layer, inside PageBlocks at any depth, in document order; an occurrence
 * may span TextCodes and TextObjects. Glyph positions: TextCode X/Y (Y = baseline) plus DeltaX
 * / DeltaY (with the "g N v" repeat form), relative to the TextObject's Boundary origin, mapped
 * by its CTM when present. A glyph without a DeltaX advance is Size wide (Size/2 for ASCII).
 * @param[out] hits new array, free(); NULL when n is 0
 * @return 0 (also when nothing matches), SC_EINVAL (empty needle), SC_EFORMAT (a number that
 *         does not parse, with the element's ID), SC_ELIMIT, SC_ENOMEM */
int sc__ofd_text_find(const xmlDoc *content, const char *needle, sc__ofd_box **hits,
                      size_t *n, sc_err *err);

#endif
