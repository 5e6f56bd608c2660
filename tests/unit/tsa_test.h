/* tsa_test.h: what test_tsa.c (the authority: requests, rejections, serials) and
 * test_tsa_verify.c (its tokens checked by others: sc_verify_sig and the openssl CLI) share:
 * the development PKI's TSA made once per program, requests built from their fields, answers
 * and tokens read back with the DER cursor. Defined in tsa_test.c, which tests/meson.build
 * compiles into both programs. */
#ifndef SC_TSA_TEST_H
#define SC_TSA_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "sc_int.h"
#include "sealcore/key.h"
#include "sealcore/trust.h"
#include "sealcore/tsa.h"

#define POLICY "1.2.3.4.1"
#define POLICY_DER "\x06\x04\x2a\x03\x04\x01"
#define DATA "the signature value a token time-stamps\n"
#define SPAN_I(lit) { (const uint8_t *)(lit), sizeof(lit) - 1 }   /* for static tables */
#define NONE_I { (const uint8_t *)"", 0 }                           /* leave the field out */
#define SPAN(lit) ((sc_span)SPAN_I(lit))
#define NONE ((sc_span)NONE_I)

/* Made by tsa_group_setup, freed by tsa_group_teardown. */
struct tsa_fix {
    const char *pki;
    uint8_t *tsa_der, *ca_der, *prov, *maker, *png;
    size_t tsa_len, ca_len, prov_len, maker_len, png_len;
    sc_key *ktsa, *kprov, *kmaker;
    sc_trust *trust;
    sc_tsa *tsa;            /* POLICY, seal-ca as chain, accuracy 1 s 500 ms */
    int64_t not_before, not_after;
    uint8_t mi[64];         /* MessageImprint of SM3(DATA), NULL parameters (as openssl writes) */
    size_t mi_len;
};
extern struct tsa_fix tf;

int tsa_group_setup(void **state);
int tsa_group_teardown(void **state);
/* A new TSA with the development PKI's tsa key and certificate; fails the test otherwise. */
sc_tsa *new_tsa(const sc_tsa_params *p);

/* The fields of a TimeStampReq as whole TLVs: p NULL takes the default (v1, tf.mi, no policy,
 * no nonce, certReq TRUE, no extensions), NONE leaves the field out. */
typedef struct rq {
    sc_span version, imprint, policy, nonce, cert_req, exts, extra;
} rq;
/* The request as a new buffer of exactly its length (ASan sees a read past it). */
uint8_t *build(const rq *r, size_t *len);

typedef struct answer {
    uint8_t *der;
    size_t len;
    sc_tsa_outcome o;
    int status, fail;       /* PKIStatus, failInfo bit (-1 absent) as read back */
    char text[300];         /* statusString */
    sc_span token;          /* p NULL when absent */
} answer;
/* a->der read back as a client would, into status, fail, text, token. */
void read_answer(answer *a);
/* tf.tsa's answer to a request (at now_ms; 0 = the clock), read back and checked against its
 * outcome; the test fails when no answer is made. Free .der. */
answer ask_at(const uint8_t *req, size_t len, int64_t now_ms);
answer ask(const rq *r);

/* The parts of a token tests look at, found with the DER cursor. */
typedef struct tok {
    sc_span tst;            /* TSTInfo DER (eContent) */
    sc_span certs;          /* [0] certificates content; p NULL when absent */
    sc_span attrs;          /* [0] signedAttrs, whole */
    sc_span sig;
    sc_span policy, imprint, serial, gentime, accuracy, nonce;   /* TSTInfo fields */
    int has_ordering;
} tok;
tok read_token(sc_span token);
/* sc__tsa_verify of token over DATA. */
int verify_token(sc_span token, const sc_trust *trust, char *why, size_t n);

#endif
