#include "ike_qm_testlib.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "isakmp.h"
#include "isakmp_build.h"

static void qmt_fill(uint8_t *p, size_t n, uint8_t seed)
{
  for (size_t i = 0; i < n; i++)
    p[i] = (uint8_t)(seed + 7 * i);
}

static void qmt_p1_one(ike_p1sa_t *sa, bool initiator, ike_enc_t enc, ike_hash_t hash)
{
  memset(sa, 0, sizeof *sa);
  qmt_fill(sa->icookie, 8, 0x11);
  qmt_fill(sa->rcookie, 8, 0x22);
  sa->initiator = initiator;
  sa->enc = enc;
  sa->hash = hash;
  sa->group = 2;
  sa->lifetime_s = 28800;
  ike_p1_keys_t *k = &sa->keys;
  k->hash = hash;
  k->len = ike_hash_len(hash);
  qmt_fill(k->skeyid, k->len, 0x31);
  qmt_fill(k->skeyid_d, k->len, 0x41);
  qmt_fill(k->skeyid_a, k->len, 0x51);
  qmt_fill(k->skeyid_e, k->len, 0x61);
  uint8_t key[32], gxi[128], gxr[128];
  char err[128];
  size_t kl = ike_enc_key_len(enc);
  cr_assert(ike_p1_enc_key(k, key, kl));
  sa->cipher = ike_cipher_new(enc, key, kl, err, sizeof err);
  cr_assert_not_null(sa->cipher, "%s", err);
  qmt_fill(gxi, sizeof gxi, 0x71);
  qmt_fill(gxr, sizeof gxr, 0x81);
  cr_assert(ike_iv_state_init(&sa->iv, hash, ike_enc_block(enc), gxi, gxr, sizeof gxi));
  uint32_t a = QMT_ADDR(192, 0, 2, 1), b = QMT_ADDR(192, 0, 2, 2);
  sa->local_addr = initiator ? a : b;
  sa->peer_addr = initiator ? b : a;
  sa->local_port = sa->peer_port = 500;
}

void qmt_p1_pair(ike_p1sa_t *i, ike_p1sa_t *r, ike_enc_t enc, ike_hash_t hash)
{
  qmt_p1_one(i, true, enc, hash);
  qmt_p1_one(r, false, enc, hash);
}

void qmt_p1_free(ike_p1sa_t *p1)
{
  ike_cipher_free(p1->cipher);
  memset(p1, 0, sizeof *p1);
}

static uint32_t qmt_spi_alloc(void *arg, uint8_t proto)
{
  (void)proto;
  qmt_spis_t *s = arg;
  if (s->next == 0)
    return 0; /* none free */
  s->allocated++;
  return s->next++;
}

static void qmt_spi_release(void *arg, uint8_t proto, uint32_t spi)
{
  (void)proto;
  qmt_spis_t *s = arg;
  s->released++;
  s->last_released = spi;
}

ike_qm_cfg_t qmt_cfg(const char *set, unsigned pfs, ike_qm_ident_t local, ike_qm_ident_t peer, qmt_spis_t *spis)
{
  ike_qm_cfg_t c = {.pfs_group = pfs, .local = local, .peer = peer, .life_seconds = 28800,
                    .life_kilobytes = 102400, .spi_alloc = qmt_spi_alloc, .spi_release = qmt_spi_release,
                    .spi_arg = spis};
  char buf[256];
  snprintf(buf, sizeof buf, "%s", set);
  for (char *save = NULL, *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
    const erx_transform_info_t *xf = erx_transform_by_keyword(w);
    cr_assert_not_null(xf, "transform %s", w);
    cr_assert_lt(c.nxf, IKE_QM_MAX_XF);
    c.xf[c.nxf++] = xf->id;
  }
  return c;
}

ike_qm_ident_t qmt_subnet(uint32_t net, unsigned bits)
{
  return (ike_qm_ident_t){.kind = IKE_QM_ID_SUBNET, .a = net, .b = bits ? ~0u << (32 - bits) : 0};
}

ike_qm_ident_t qmt_address(uint32_t a) { return (ike_qm_ident_t){.kind = IKE_QM_ID_ADDRESS, .a = a}; }

ike_qm_ident_t qmt_range(uint32_t lo, uint32_t hi)
{
  return (ike_qm_ident_t){.kind = IKE_QM_ID_RANGE, .a = lo, .b = hi};
}

const ike_qm_cfg_t *qmt_lookup(void *arg, const ike_p1sa_t *p1, const ike_qm_ident_t *idci,
                               const ike_qm_ident_t *idcr)
{
  (void)p1;
  qmt_lookup_t *l = arg;
  l->calls++;
  l->idci = *idci;
  l->idcr = *idcr;
  return l->cfg;
}

void qmt_exchange(qmt_run_t *x, ike_p1sa_t *pi, ike_p1sa_t *pr, const ike_qm_cfg_t *ci, qmt_lookup_t *lk)
{
  memset(x, 0, sizeof *x);
  x->i = ike_qm_initiate(pi, ci, x->msg[0], IKE_QM_MSG_MAX, &x->len[0], &x->err);
  cr_assert_not_null(x->i, "initiate: %s", x->err.reason);
  cr_assert_eq(ike_qm_state(x->i), IKE_QMS_HASH_SA_I);
  x->r = ike_qm_respond(pr, qmt_lookup, lk, x->msg[0], x->len[0], x->msg[1], IKE_QM_MSG_MAX, &x->len[1], &x->err);
  cr_assert_not_null(x->r, "respond: %s", x->err.reason);
  cr_assert_eq(ike_qm_state(x->r), IKE_QMS_HASH_SA_R);
  ike_qm_status_t st = ike_qm_input(x->i, x->msg[1], x->len[1], x->msg[2], IKE_QM_MSG_MAX, &x->len[2], &x->err);
  cr_assert_eq(st, IKE_QM_DONE, "QM2: %s", x->err.reason);
  cr_assert_gt(x->len[2], 0);
  size_t none = 1;
  uint8_t scratch[16];
  st = ike_qm_input(x->r, x->msg[2], x->len[2], scratch, sizeof scratch, &none, &x->err);
  cr_assert_eq(st, IKE_QM_DONE, "QM3: %s", x->err.reason);
  cr_assert_eq(none, 0);
  cr_assert_eq(ike_qm_state(x->i), IKE_QMS_DONE);
  cr_assert_eq(ike_qm_state(x->r), IKE_QMS_DONE);
}

void qmt_run_free(qmt_run_t *x)
{
  ike_qm_free(x->i);
  ike_qm_free(x->r);
  x->i = x->r = NULL;
}

/* The IV of message k of the exchange in msg[] */
static ike_iv_t qmt_iv(const ike_p1sa_t *p1, uint8_t (*msg)[IKE_QM_MSG_MAX], const size_t *len, size_t k)
{
  isakmp_hdr_t h;
  isakmp_error_t pe;
  cr_assert_eq(isakmp_parse_header(msg[0], len[0], &h, &pe), ISAKMP_OK, "%s", pe.msg);
  ike_iv_t iv;
  cr_assert(ike_iv_phase2(p1->iv.hash, &p1->iv.phase1, h.msgid, &iv));
  for (size_t j = 0; j < k; j++)
    ike_iv_chain(&iv, msg[j] + ISAKMP_HDR_LEN, len[j] - ISAKMP_HDR_LEN);
  return iv;
}

size_t qmt_open(const ike_p1sa_t *p1, uint8_t (*msg)[IKE_QM_MSG_MAX], const size_t *len, size_t k, uint8_t *pt,
                ike_iv_t *iv, isakmp_payload_t *pl, unsigned *np)
{
  ike_iv_t next;
  char e[128];
  isakmp_error_t pe;
  size_t ct_len = len[k] - ISAKMP_HDR_LEN, pad = 0;
  *iv = qmt_iv(p1, msg, len, k);
  cr_assert(ike_cipher_decrypt(p1->cipher, iv, msg[k] + ISAKMP_HDR_LEN, ct_len, pt, &next, e, sizeof e), "%s", e);
  cr_assert_eq(isakmp_parse_chain(msg[k][16], pt, ct_len, pl, ISAKMP_MAX_PAYLOADS, np, &pad, &pe), ISAKMP_OK,
               "message %zu: %s", k, pe.msg);
  cr_assert_lt(pad, ike_enc_block(p1->enc), "message %zu: %zu bytes of padding", k, pad);
  return ct_len - pad;
}

/* pt (message k's whole plaintext) encrypted again in its place */
static void qmt_reseal(const ike_p1sa_t *p1, uint8_t (*msg)[IKE_QM_MSG_MAX], const size_t *len, size_t k,
                       const ike_iv_t *iv, const uint8_t *pt)
{
  size_t ct_len = len[k] - ISAKMP_HDR_LEN, out_len = 0;
  ike_iv_t next;
  char e[128];
  cr_assert(ike_cipher_encrypt(p1->cipher, iv, pt, ct_len, msg[k] + ISAKMP_HDR_LEN, ct_len, &out_len, &next, e,
                               sizeof e),
            "%s", e);
  cr_assert_eq(out_len, ct_len);
}

void qmt_decrypt_all(const ike_p1sa_t *p1, uint8_t (*msg)[IKE_QM_MSG_MAX], const size_t *len, size_t n,
                     uint8_t types[][16])
{
  for (size_t k = 0; k < n; k++) {
    isakmp_msg_t m;
    isakmp_error_t pe;
    cr_assert_eq(isakmp_parse_message(msg[k], len[k], &m, &pe), ISAKMP_OK, "message %zu: %s", k, pe.msg);
    cr_assert_eq(m.hdr.exchange, ISAKMP_XCHG_QUICK);
    cr_assert(m.hdr.flags & ISAKMP_FLAG_E);
    cr_assert(memcmp(m.hdr.icookie, p1->icookie, 8) == 0 && memcmp(m.hdr.rcookie, p1->rcookie, 8) == 0);
    static uint8_t pt[IKE_QM_MSG_MAX];
    isakmp_payload_t pl[ISAKMP_MAX_PAYLOADS];
    unsigned np = 0;
    ike_iv_t iv;
    qmt_open(p1, msg, len, k, pt, &iv, pl, &np);
    cr_assert_lt(np, 16);
    for (unsigned i = 0; i < np; i++) {
      static isakmp_decoded_t d;
      cr_assert_eq(isakmp_decode_payload(&pl[i], &d, &pe), ISAKMP_OK, "message %zu payload %u: %s", k, i, pe.msg);
      types[k][i] = pl[i].type;
    }
    types[k][np] = 0;
  }
}

void qmt_tamper(const ike_p1sa_t *p1, uint8_t (*msg)[IKE_QM_MSG_MAX], const size_t *len, size_t k, size_t pt_off)
{
  uint8_t pt[IKE_QM_MSG_MAX];
  isakmp_payload_t pl[ISAKMP_MAX_PAYLOADS];
  unsigned np = 0;
  ike_iv_t iv;
  size_t used = qmt_open(p1, msg, len, k, pt, &iv, pl, &np);
  cr_assert_lt(pt_off, used);
  pt[pt_off] ^= 0x01;
  qmt_reseal(p1, msg, len, k, &iv, pt);
}

void qmt_rewrite(const ike_p1sa_t *p1, uint8_t (*msg)[IKE_QM_MSG_MAX], const size_t *len, size_t k,
                 uint8_t pl_type, size_t body_off, uint8_t value)
{
  uint8_t pt[IKE_QM_MSG_MAX], pt0[IKE_QM_MSG_MAX];
  isakmp_payload_t pl[ISAKMP_MAX_PAYLOADS], pl0[ISAKMP_MAX_PAYLOADS];
  unsigned np = 0, np0 = 0;
  ike_iv_t iv, iv0;
  size_t used = qmt_open(p1, msg, len, k, pt, &iv, pl, &np);
  unsigned at = 1;
  while (at < np && pl[at].type != pl_type)
    at++;
  cr_assert_lt(at, np, "no payload of type %u", pl_type);
  cr_assert_lt(body_off, pl[at].len);
  ((uint8_t *)pl[at].body)[body_off] = value;

  uint32_t mid = (uint32_t)msg[k][20] << 24 | (uint32_t)msg[k][21] << 16 | (uint32_t)msg[k][22] << 8 | msg[k][23];
  const uint8_t *rest = pl[0].body + pl[0].len;
  size_t rest_len = (size_t)(pt + used - rest);
  uint8_t *h = (uint8_t *)pl[0].body;
  if (k == 0) {
    cr_assert(ike_qm_hash1(&p1->keys, mid, rest, rest_len, h));
  } else {
    /* HASH(2) covers Ni_b from QM1 */
    qmt_open(p1, msg, len, 0, pt0, &iv0, pl0, &np0);
    unsigned n = 1;
    while (n < np0 && pl0[n].type != ISAKMP_PL_NONCE)
      n++;
    cr_assert_lt(n, np0);
    cr_assert(ike_qm_hash2(&p1->keys, mid, pl0[n].body, pl0[n].len, rest, rest_len, h));
  }
  qmt_reseal(p1, msg, len, k, &iv, pt);
}

bool qmt_keys_equal(const ike_child_t *a, const ike_child_t *b)
{
  const ike_child_keys_t *x = &a->keys, *y = &b->keys;
  return a->spi == b->spi && a->transform == b->transform && x->enc_len == y->enc_len &&
         x->auth_len == y->auth_len && memcmp(x->enc, y->enc, x->enc_len) == 0 &&
         memcmp(x->auth, y->auth, x->auth_len) == 0;
}

void qmt_drop(const ike_p1sa_t *p1, uint8_t (*msg)[IKE_QM_MSG_MAX], size_t *len, uint8_t pl_type)
{
  uint8_t pt[IKE_QM_MSG_MAX], out[IKE_QM_MSG_MAX];
  isakmp_payload_t pl[ISAKMP_MAX_PAYLOADS];
  unsigned np = 0;
  ike_iv_t iv, next;
  qmt_open(p1, msg, len, 0, pt, &iv, pl, &np);
  isakmp_wbuf_t w;
  isakmp_wbuf_init(&w, out, sizeof out);
  isakmp_put_raw(&w, ISAKMP_PL_HASH, pl[0].body, pl[0].len);
  for (unsigned i = 1; i < np; i++)
    if (pl[i].type != pl_type)
      isakmp_put_raw(&w, pl[i].type, pl[i].body, pl[i].len);
  size_t plen = isakmp_finish(&w), hl = pl[0].len;
  cr_assert_gt(plen, 0);
  uint32_t mid = (uint32_t)msg[0][20] << 24 | (uint32_t)msg[0][21] << 16 | (uint32_t)msg[0][22] << 8 | msg[0][23];
  cr_assert(ike_qm_hash1(&p1->keys, mid, out + 4 + hl, plen - 4 - hl, out + 4));
  size_t ct_len = 0;
  char e[128];
  cr_assert(ike_cipher_encrypt(p1->cipher, &iv, out, plen, msg[0] + ISAKMP_HDR_LEN,
                               IKE_QM_MSG_MAX - ISAKMP_HDR_LEN, &ct_len, &next, e, sizeof e),
            "%s", e);
  len[0] = ISAKMP_HDR_LEN + ct_len;
  for (int i = 0; i < 4; i++)
    msg[0][24 + i] = (uint8_t)(len[0] >> (24 - 8 * i));
}
