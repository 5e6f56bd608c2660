/* lic_issue_int.h: what lic_issue.c (metadata, assembly, the seal) uses of lic_face.c (line
 * breaking and drawing a box of text). Not exported. */
#ifndef SC_LIC_ISSUE_INT_H
#define SC_LIC_ISSUE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sealcore/license.h"
#include "sealcore/ofd_doc.h"

/* Line pitch, in font sizes: the OFD writer's Boundary of a line runs from one size above the
 * baseline to a quarter below, so lines this far apart touch but never overlap. */
#define SC_LIC_LINE_PITCH 1.25

/* Break text (len bytes of UTF-8, no control characters: sc_lic_row_check's values) into lines
 * no wider than width_half half-ems. The metric is the OFD writer's advance (its TextCode
 * DeltaX): an ASCII character is half an em wide, every other character one em. Breaks go
 * anywhere between two non-ASCII characters; a run of ASCII is broken after its last space
 * that fits (a word longer than a line is cut), and a space that would overflow hangs at the
 * end of its line. Every line holds at least one character; the lines concatenated are text.
 * @param[out] starts new array (free()) of *n + 1 offsets: line i is [starts[i], starts[i+1])
 * @return 0 or SC_ENOMEM */
int sc__lic_wrap(const char *text, size_t len, unsigned long width_half, size_t **starts,
                 size_t *n, sc_err *err);

/* How many lines box b holds: 1 for a one-line box (height 0), else as many as fit with the
 * first baseline one size below the top and SC_LIC_LINE_PITCH between baselines. */
size_t sc__lic_box_lines(const sc_lic_box *b);

/* Draw text in box b on page 0 of doc, one TextObject per line (sc__lic_wrap at the box's
 * width and font size), aligned per line; what names the text in messages ("经营范围
 * (scope)"), misfit is the code when the lines do not fit the box.
 * @param[out] ids new array (free()) of the *n objects' IDs, top to bottom
 * @return 0, misfit ("<what>: 31 lines do not fit the box (max 12)"), or the writer's code */
int sc__lic_draw(sc_ofd_doc *doc, const sc_lic_box *b, const char *text, const char *what,
                 int misfit, uint32_t **ids, size_t *n, sc_err *err);

#endif
