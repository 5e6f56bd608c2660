/* svc_test.h: fixtures shared by the service's tests: the development PKI (made once per
 * process), a fresh store and service per test with a clock the test moves, clients of every
 * role, a unit, seals made through the real lifecycle, verification of what the service
 * signs, raw SQL on the store file, and code + message assertions. */
#ifndef SS_SVC_TEST_H
#define SS_SVC_TEST_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "audit.h"
#include "service.h"
#include "sealcore/verify.h"

typedef struct fx {
    char db[512];
    ss_store *st;
    ss_svc *svc;
    sc_key *ca_key, *maker_key;
    uint8_t *ca_cert, *maker_cert, *png;
    size_t ca_cert_len, maker_cert_len, png_len;
    sc_trust *trust;                     /* root-ca anchor, seal-ca for chains */
    ss_svc_actor admin, officer, officer2, oper, oper2, auditor;
    int64_t unit;
    _Atomic int64_t now;                 /* the service's clock */
} fx;

/* cmocka setup/teardown: *state is a new fx with its store and service. */
int fx_setup(void **state);
int fx_teardown(void **state);

/* (Re)make f->svc on f->st with the fixture's configuration and this signer cap. */
void fx_service(fx *f, unsigned sign_threads);
/* The same with an external CA issuing the signer certificates (f->ca_cert stands for its
 * certificate; the seal CA key is not given to the service). */
void fx_service_ext(fx *f, unsigned sign_threads, ss_svc_cert_fn issue, void *ctx);

/* The service's clock: seconds since the epoch; starts a little after the real time (the
 * dev PKI was just made, so its certificates are valid from about now). */
void fx_set_now(fx *f, int64_t t);
int64_t fx_now(fx *f);

/* Apply as f->officer for a seal valid [vf, vt] named name. Returns the application id. */
int64_t fx_apply(fx *f, const char *name, int64_t vf, int64_t vt);
/* Apply (valid now - 1 day .. now + 1 year) and approve as f->officer2: es_id out. */
void fx_make_seal(fx *f, char es_id[SS_ES_ID_MAX + 1]);
/* Grant client a seal (as admin); returns the grant id. */
int64_t fx_grant(fx *f, int64_t client, const char *es_id, int64_t expires, int64_t limit);
/* The grant's use count. */
int64_t fx_uses(fx *f, int64_t client, const char *es_id);

/* Verify a DER SES_Signature against the dev root with the data (or its SM3): every check
 * that applies passed, data_hash and cert_chain included. */
void fx_verify_sig(fx *f, const uint8_t *sig, size_t len, const uint8_t *data, size_t dlen);

/* Audit records with this action (and, when result is not NULL, "result":"<result>"). */
int fx_audit_count(fx *f, const char *action, const char *result);
/* The audit chain verifies; returns the number of records. */
int64_t fx_audit_ok(fx *f);

/* SQL on the store file through a separate connection; the sqlite3_exec code. */
int fx_sql(fx *f, const char *sql);
/* One integer from a query (-1 when no row). */
int64_t fx_sql_int(fx *f, const char *sql);

void fx_expect(int rc, const sc_err *err, int code, const char *frag, const char *file,
               int line);
#define EXPECT(rc, err, code, frag) fx_expect((rc), (err), (code), (frag), __FILE__, __LINE__)
#define OK(rc, err) fx_expect((rc), (err), 0, NULL, __FILE__, __LINE__)

/* A new A4 OFD of one page with text (new buffer). */
uint8_t *fx_ofd(const char *text, size_t *len);

/* The 营业执照 example type (tests/data/license-template-yyzz.xml): its code, its fields and a
 * valid row, and its two files: a font stub the OFD writer accepts (an sfnt table directory,
 * no glyphs) and f->png as the background. */
#define FX_LIC_TYPE "11100000000013127D001"
#define FX_LIC_NFIELDS 12
extern const char *const fx_lic_names[FX_LIC_NFIELDS];
extern const char *const fx_lic_good[FX_LIC_NFIELDS];
void fx_lic_files(const fx *f, ss_lic_type_file files[2]);

#endif
