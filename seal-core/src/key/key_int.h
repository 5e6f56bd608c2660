/* key_int.h: what seal-core modules may know about keys beyond sealcore/key.h. */
#ifndef SC_KEY_INT_H
#define SC_KEY_INT_H

#include "sealcore/key.h"

/* The backend state if key uses ops, else NULL (lets key_soft.c recognise its own keys). */
void *sc__key_impl(const sc_key *key, const sc_key_ops *ops);

/* As sc_key_sign over pre || msg. A software key keeps its SM3 state after pre
 * (crypto/mid.c), so a prefix signed again (the seal at the head of every TBS_Sign) is not
 * hashed again; other backends are given the two joined. */
int sc__key_sign_split(const sc_key *key, const uint8_t *pre, size_t pre_len,
                       const uint8_t *msg, size_t len, uint8_t **sig, size_t *sig_len,
                       sc_err *err);
/* key_soft.c's part of it: SC_EUNSUPPORTED, err untouched, when key is no software key
 * with a signing template. */
int sc__soft_sign_split(const sc_key *key, const uint8_t *pre, size_t pre_len,
                        const uint8_t *msg, size_t len, uint8_t **sig, size_t *sig_len,
                        sc_err *err);
/* Signatures a software key started from a kept state (tests); 0 for other keys. */
unsigned long sc__soft_mid_hits(const sc_key *key);

#endif
