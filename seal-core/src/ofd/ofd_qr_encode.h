/* ofd_qr_encode.h: data to a QR Code symbol (internal; ofd_qr_encode.c). Shared by the
 * document writer's 2-D codes (ofd_doc_qr.c) and the tests that compare it with libqrencode. */
#ifndef SC_OFD_QR_ENCODE_H
#define SC_OFD_QR_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include <qrencode.h>

#include "sealcore/error.h"
#include "sealcore/ofd_doc.h"

/* The symbol libqrencode's QRcode_encodeString (data without NUL bytes: numeric,
 * alphanumeric and 8-bit segments, case-sensitive) or QRcode_encodeData (with NUL bytes)
 * gives for data at level ecl, module for module and flag for flag, in *out (the caller
 * QRcode_free()s it). fast = 0 forces libqrencode's own mask choice; otherwise the mask is
 * chosen here when the library exposes its internals (see the .c file), with the same
 * result. 0, or SC_ELIMIT (does not fit version 40), SC_ENOMEM, SC_EINVAL. */
int sc__ofd_qr_encode(const uint8_t *data, size_t len, sc_ofd_qr_ecl ecl, int fast,
                      QRcode **out, sc_err *err);

/* 1 when the fast path can be taken on this machine's libqrencode. */
int sc__ofd_qr_fast_available(void);

#endif
