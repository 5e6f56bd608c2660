/* ofd_text.h: finding text on an OFD page (internal; for keyword positioning of seals, and
 * the page objects a licence's tag entries name).
 *
 * Reads a page's Content.xml (already parsed with sc__ofd_xml_parse) and returns where a
 * keyword is drawn, in page millimetres (origin top-left, y down). */
#ifndef SC_OFD_TEXT_H
#define SC_OFD_TEXT_H

#include <stddef.h>

#include <libxml/tree.h>

#include "sealcore/error.h"

#define SC__OFD_TEXT_MAX_GLYPHS 200000u  /* non-blank glyphs on one page (a dense A4 has ~5000) */
#define SC__OFD_TEXT_MAX_NEEDLE 256u     /* non-blank code points in a keyword */
#define SC__OFD_TEXT_MAX_NUM 1e7         /* |any number| in Boundary, CTM, Size, X/Y, Delta */
#define SC__OFD_TEXT_JOIN 2.0            /* see "TextCodes join" below, in glyph heights */

typedef struct sc__ofd_box {
    double x, y, w, h;   /* page mm: left, top, width, height */
} sc__ofd_box;

/* Every occurrence of needle (UTF-8, compared by code point, case-sensitive) in the page's
 * text, in reading order, each as the smallest page box around its glyphs. Occurrences do not
 * overlap ("aa" is found once in "aaa").
 *
 * Text: the TextCode content of every TextObject (Visible="false" or "0" skipped) in every
 * Layer, inside PageBlocks at any depth, in document order; CompositeObject (a resource
 * reference), clip areas and templates are not read. Whitespace (space, tab, CR, LF, NBSP,
 * U+2000..U+200B, U+3000) is ignored in both needle and text: invoices space labels out
 * ("金  额") and split numbers into groups ("14754 82292"), and a blank advances the pen
 * but draws nothing.
 *
 * TextCodes join: glyphs of one TextCode always follow each other; across TextCodes and
 * TextObjects the next glyph continues a match only if its box is at most SC__OFD_TEXT_JOIN
 * glyph heights from the previous one (both axes), so "电子" and "证照" drawn side by side
 * (or 付/款/人 stacked) match "电子证照" / "付款人", but the "1" ending one field and the "2"
 * starting an unrelated one elsewhere do not make "12".
 *
 * Glyph positions (GB/T 33190 11.3): origin = Boundary origin + CTM applied to the glyph's
 * object-space point (identity without CTM); the point is TextCode X/Y (Y = baseline) plus
 * the DeltaX / DeltaY advances so far ("g N v" = N times v; a count is never expanded into
 * memory). A TextCode without X or Y takes the previous TextCode's value (the standard's
 * rule; 0 for the first). A DeltaX/DeltaY list shorter than the text reuses its last value
 * (what ofdrw's renderer does; real invoices write one value for a whole field, DeltaX="1.59"
 * for 12 digits); without DeltaX a glyph advances by its estimated width, without DeltaY by 0.
 * Fonts are not read, so a glyph's estimated width is Size for East Asian wide code points
 * and Size/2 for the rest; a glyph box is [baseline - Size, baseline] high and
 * min(advance to the next glyph, estimated width) wide (the estimate when there is no
 * positive advance), mapped through CTM.
 *
 * @param[out] hits new array, free(); NULL when n is 0 or on failure
 * @return 0 (also when nothing matches), SC_EINVAL (needle empty, blank only or not UTF-8),
 *         SC_EFORMAT (Boundary/Size missing, a number that does not parse; the message names
 *         the TextObject ID and line), SC_ELIMIT (a SC__OFD_TEXT_MAX_* exceeded), SC_ENOMEM */
int sc__ofd_text_find(const xmlDoc *content, const char *needle, sc__ofd_box **hits,
                      size_t *n, sc_err *err);

/* Every TextObject of a page's Content.xml (parsed with sc__ofd_xml_parse) in document
 * order, as sc__ofd_text_find reads them: in every Layer of Content, inside PageBlocks at any
 * depth (walked without recursion), Visible or not. visit is called with each; a non-zero
 * return stops the walk and is returned. @return 0 or what visit returned */
typedef int (*sc__ofd_text_visit)(void *ctx, const xmlNode *text_object, sc_err *err);
int sc__ofd_text_walk(const xmlDoc *content, sc__ofd_text_visit visit, void *ctx, sc_err *err);

#endif
