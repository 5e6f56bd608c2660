/* hash.h: the SM3 (GB/T 32905) implementation seal-core hashes with, and SHA-256, each
 * fetched once, for callers that hash alongside it (the server's signatures, audit details,
 * tokens and request hashes). */
#ifndef SEALCORE_HASH_H
#define SEALCORE_HASH_H

#include <openssl/types.h>

#include "sealcore/error.h"

/** SM3, fetched from OpenSSL's default provider once for the process: EVP_sm3() looks it up
 *  in the provider store, under a lock, at every use, which threads hashing at once contend
 *  on. Never NULL (falls back to EVP_sm3(), which reports a missing provider when used).
 *  Owned by the library: do not free. Thread-safe. */
SC_API const EVP_MD *sc_sm3_md(void);
/** SHA-256 the same way (the server's token and certificate hashes, its request hashes). */
SC_API const EVP_MD *sc_sha256_md(void);

#endif
