#include "test_ike_mm_pair.h"

#include <stdlib.h>
#include <string.h>

bool mm_keyring_lookup(void *ctx, uint32_t peer, uint8_t *key, size_t cap, size_t *len)
{
  const mm_keyring_t *k = ctx;
  size_t n = strlen(k->key);
  if ((!k->any_peer && peer != k->peer) || n > cap)
    return false;
  memcpy(key, k->key, n);
  *len = n;
  return true;
}

void mm_pair_init(mm_pair_t *p, const ike_mm_proposal_t *ip, size_t ni, const ike_mm_proposal_t *rp, size_t nr)
{
  memset(p, 0, sizeof *p);
  p->ikey = (mm_keyring_t){.peer = ADDR_R, .key = "secret"};
  p->rkey = (mm_keyring_t){.peer = ADDR_I, .key = "secret"};
  p->icfg = (ike_mm_cfg_t){.local_addr = ADDR_I, .peer_addr = ADDR_R, .proposals = ip, .nproposals = ni,
                           .psk = mm_keyring_lookup, .psk_ctx = &p->ikey, .vid_dpd = true, .vid_natt = true};
  p->rcfg = (ike_mm_cfg_t){.local_addr = ADDR_R, .proposals = rp, .nproposals = nr, .psk = mm_keyring_lookup,
                           .psk_ctx = &p->rkey, .vid_dpd = true, .vid_natt = true};
  p->r_sees_i = ADDR_I;
}

void mm_pair_free(mm_pair_t *p)
{
  ike_mm_free(p->i);
  ike_mm_free(p->r);
  p->i = p->r = NULL;
}

void mm_pair_start(mm_pair_t *p)
{
  ike_mm_free(p->i);
  p->i = ike_mm_initiate(&p->icfg, p->msg, sizeof p->msg, &p->len, &p->err);
  cr_assert(p->i, "initiate: %s", p->err.msg);
  cr_assert_str_eq(ike_mm_state_name(ike_mm_state(p->i)), "mmSaI");
}

ike_mm_status_t mm_pair_to_r(mm_pair_t *p)
{
  uint8_t in[IKE_MM_MSG_MAX];
  size_t n = p->len;
  memcpy(in, p->msg, n);
  if (!p->r) {
    p->r = ike_mm_respond(&p->rcfg, in, n, p->r_sees_i, 500, p->msg, sizeof p->msg, &p->len, &p->err);
    return p->r ? IKE_MM_SEND : IKE_MM_FAILED;
  }
  return ike_mm_input(p->r, in, n, p->msg, sizeof p->msg, &p->len, &p->err);
}

ike_mm_status_t mm_pair_to_i(mm_pair_t *p)
{
  uint8_t in[IKE_MM_MSG_MAX];
  size_t n = p->len;
  memcpy(in, p->msg, n);
  return ike_mm_input(p->i, in, n, p->msg, sizeof p->msg, &p->len, &p->err);
}

static void keep(mm_pair_t *p, int k)
{
  memcpy(p->m[k], p->msg, p->len);
  p->mlen[k] = p->len;
  mm_assert_parses(p->msg, p->len, k >= 5);
}

void mm_pair_run_to(mm_pair_t *p, int upto)
{
  static const char *const after[7] = {"", "mmSaI", "mmSaR", "mmKeI", "mmKeR", "mmFinalI", "done"};
  mm_pair_start(p);
  keep(p, 1);
  for (int k = 2; k <= upto; k++) {
    ike_mm_status_t st = k % 2 ? mm_pair_to_i(p) : mm_pair_to_r(p);
    ike_mm_t *from = k % 2 ? p->i : p->r;
    cr_assert_eq(st, k == 6 ? IKE_MM_DONE : IKE_MM_SEND, "MM%d: status %d: %s", k, st, p->err.msg);
    cr_assert_str_eq(ike_mm_state_name(ike_mm_state(from)), after[k]);
    keep(p, k);
  }
}

void mm_pair_run(mm_pair_t *p)
{
  mm_pair_run_to(p, 6);
  cr_assert_eq(mm_pair_to_i(p), IKE_MM_DONE, "MM6: %s", p->err.msg);
  cr_assert_eq(p->len, 0, "nothing follows MM6");
  cr_assert_str_eq(ike_mm_state_name(ike_mm_state(p->i)), "done");
  cr_assert(ike_mm_sa(p->i) && ike_mm_sa(p->r));
}

void mm_assert_parses(const uint8_t *m, size_t len, bool encrypted)
{
  isakmp_msg_t msg;
  isakmp_error_t e;
  cr_assert_eq(isakmp_parse_message(m, len, &msg, &e), ISAKMP_OK, "%s", e.msg);
  cr_assert_eq(msg.hdr.exchange, ISAKMP_XCHG_MAIN);
  cr_assert_eq(!!(msg.hdr.flags & ISAKMP_FLAG_E), encrypted);
  /* encrypted payloads were parsed by the engine that accepted them */
  for (unsigned i = 0; i < msg.n; i++) {
    isakmp_decoded_t *d = malloc(sizeof *d);
    cr_assert_eq(isakmp_decode_payload(&msg.pl[i], d, &e), ISAKMP_OK, "%s", e.msg);
    free(d);
  }
}

uint16_t mm_notify_type(const uint8_t *m, size_t len)
{
  isakmp_msg_t msg;
  isakmp_error_t e;
  isakmp_notify_t n;
  cr_assert_eq(isakmp_parse_message(m, len, &msg, &e), ISAKMP_OK, "%s", e.msg);
  cr_assert_eq(msg.hdr.exchange, ISAKMP_XCHG_INFO);
  cr_assert_eq(msg.n, 1);
  cr_assert_eq(isakmp_parse_notify(msg.pl[0].body, msg.pl[0].len, &n, &e), ISAKMP_OK, "%s", e.msg);
  cr_assert_eq(n.protocol, ISAKMP_PROTO_ISAKMP);
  return n.type;
}
