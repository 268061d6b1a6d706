#include "test_ike_mm_pair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

void mm_idring_add(mm_idring_t *r, uint8_t type, const char *id, const char *key)
{
  cr_assert_lt(r->n, sizeof r->e / sizeof r->e[0]);
  r->e[r->n++] = (mm_idkey_t){type, id, key};
}

static const mm_idkey_t *idring_find(const mm_idring_t *r, uint8_t type, const char *id)
{
  for (unsigned i = 0; i < r->n; i++)
    if (r->e[i].type == type && strcasecmp(r->e[i].id, id) == 0)
      return &r->e[i];
  return NULL;
}

bool mm_idring_lookup(void *ctx, uint32_t peer, uint8_t type, const uint8_t *id, size_t id_len, uint8_t *key,
                      size_t cap, size_t *len)
{
  mm_idring_t *r = ctx;
  char text[300];
  r->calls++;
  r->last_type = type;
  r->last_peer = peer;
  if (type == 0 || type == ISAKMP_ID_IPV4_ADDR) {
    uint32_t a = peer;
    if (type) {
      cr_assert_eq(id_len, 4);
      a = (uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 | (uint32_t)id[2] << 8 | id[3];
    } else {
      cr_assert(id == NULL && id_len == 0);
    }
    snprintf(text, sizeof text, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
    type = ISAKMP_ID_IPV4_ADDR;
  } else {
    cr_assert(id_len > 0 && id_len < sizeof text);
    memcpy(text, id, id_len);
    text[id_len] = '\0';
  }
  snprintf(r->last_id, sizeof r->last_id, "%s", text);
  const mm_idkey_t *e = idring_find(r, type, text);
  /* JUNOSe: user@fqdn, then the bare fqdn */
  const char *at = strchr(text, '@');
  if (!e && type == ISAKMP_ID_USER_FQDN && at)
    e = idring_find(r, ISAKMP_ID_FQDN, at + 1);
  if (!e || strlen(e->key) > cap)
    return false;
  memcpy(key, e->key, strlen(e->key));
  *len = strlen(e->key);
  return true;
}

void mm_pair_use_ids(mm_pair_t *p)
{
  p->icfg.psk = p->rcfg.psk = NULL;
  p->icfg.psk_id = p->rcfg.psk_id = mm_idring_lookup;
  p->icfg.psk_ctx = &p->iids;
  p->rcfg.psk_ctx = &p->rids;
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

void mm_pair_init_aggr(mm_pair_t *p, ike_mm_aggr_t ia, ike_mm_aggr_t ra)
{
  mm_pair_init(p, &p->irule, 1, &p->rrule, 1);
  p->irule = p->rrule = ike_mm_default_proposal;
  p->irule.aggressive = ia;
  p->rrule.aggressive = ra;
  p->aggressive = ike_mm_wants_aggressive(&p->irule, 1);
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
  p->i = (p->aggressive ? ike_am_initiate : ike_mm_initiate)(&p->icfg, p->msg, sizeof p->msg, &p->len, &p->err);
  cr_assert(p->i, "initiate: %s", p->err.msg);
  cr_assert_str_eq(ike_mm_state_name(ike_mm_state(p->i)), p->aggressive ? "amSaI" : "mmSaI");
  cr_assert_eq(ike_mm_aggressive(p->i), p->aggressive);
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
  mm_assert_parses(p->msg, p->len, p->aggressive ? k == 3 : k >= 5);
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

void am_pair_run_to(mm_pair_t *p, int upto)
{
  cr_assert(p->aggressive);
  mm_pair_start(p);
  keep(p, 1);
  if (upto >= 2) {
    cr_assert_eq(mm_pair_to_r(p), IKE_MM_SEND, "AM1: %s", p->err.msg);
    cr_assert_str_eq(ike_mm_state_name(ike_mm_state(p->r)), "amSaR");
    cr_assert(ike_mm_aggressive(p->r));
    keep(p, 2);
  }
  if (upto >= 3) {
    /* AM2 verified, AM3 sent: the initiator is done */
    cr_assert_eq(mm_pair_to_i(p), IKE_MM_DONE, "AM2: %s", p->err.msg);
    cr_assert_str_eq(ike_mm_state_name(ike_mm_state(p->i)), "done");
    cr_assert_gt(p->len, 0, "AM3 goes with DONE");
    keep(p, 3);
  }
}

void am_pair_run(mm_pair_t *p)
{
  am_pair_run_to(p, 3);
  cr_assert_eq(mm_pair_to_r(p), IKE_MM_DONE, "AM3: %s", p->err.msg);
  cr_assert_eq(p->len, 0, "nothing follows AM3");
  cr_assert_str_eq(ike_mm_state_name(ike_mm_state(p->r)), "done");
  cr_assert(ike_mm_sa(p->i) && ike_mm_sa(p->r));
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
  cr_assert(msg.hdr.exchange == ISAKMP_XCHG_MAIN || msg.hdr.exchange == ISAKMP_XCHG_AGGRESSIVE);
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
