/* key_int.h: what seal-core modules may know about keys beyond sealcore/key.h. */
#ifndef SC_KEY_INT_H
#define SC_KEY_INT_H

#include "sealcore/key.h"

/* The backend state if key uses ops, else NULL (lets key_soft.c recognise its own keys). */
void *sc__key_impl(const sc_key *key, const sc_key_ops *ops);

#endif
