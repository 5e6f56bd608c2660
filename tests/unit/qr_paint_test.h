/* qr_paint_test.h: the dark modules a QR code's path data paints, read independently of
 * the tracer in seal-core/src/ofd/ofd_doc_qr.c (winding numbers and crossings, not the
 * outline walk). Defined in qr_paint_test.c. */
#ifndef SC_QR_PAINT_TEST_H
#define SC_QR_PAINT_TEST_H

#include <stddef.h>
#include <stdint.h>

/* The w x w matrix (new, free()) that path data d paints: every subpath must be
 * "M x y L x y ... C" in whole modules inside the symbol after the 4-module quiet zone, its
 * sides alternately horizontal and vertical; a module is painted when NonZero and Even-Odd
 * both paint it, and the two must agree. *loops, *corners: what d holds. Fails the test
 * otherwise. */
uint8_t *qr_paint(const char *d, size_t w, size_t *loops, size_t *corners);

/* The corners the outlines of matrix mx's dark modules have (what a tracer that puts a
 * vertex only where an outline turns must write). */
size_t qr_corners(const uint8_t *mx, size_t w);

#endif
