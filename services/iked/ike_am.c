/* Aggressive mode (RFC 2409 §5.4) with pre-shared keys: its state table
 * (run by ike_mm.c's engine, like main mode's) and its steps.
 *
 *   AM1  I->R  HDR, SA, KE, Ni, IDii, [VID...]
 *   AM2  R->I  HDR, SA, KE, Nr, IDir, HASH_R, [N(RESPONDER-LIFETIME)], [VID...], [NAT-D, NAT-D]
 *   AM3  I->R  HDR*, HASH_I, [NAT-D, NAT-D]
 *
 * AM1's KE fixes the DH group, so the offer holds only rules of one group
 * (mm_offer_rules).  The responder looks its key up by IDii, checks the
 * address rule of an address ID once AM3's NAT-D has told it about NATs,
 * and takes AM3 encrypted or in cleartext.  As in main mode, each step
 * checks everything that can refuse the message before it changes
 * anything; a hash that does not verify fails the negotiation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike_mm_priv.h"

#define P MM_PL
/* notifies and vendor IDs may come with any message */
#define ANY (P(ISAKMP_PL_VID) | P(ISAKMP_PL_N))

static mm_res_t am_i_send_am1(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err);
static mm_res_t am_r_am1(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err);
static mm_res_t am_i_am2(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err);
static mm_res_t am_r_am3(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err);

const mm_transition_t am_table[] = {
    /* initiator */
    {IKE_MMS_START_I, NULL, false, false, 0, 0, am_i_send_am1, IKE_MMS_AM_SA_I},
    {IKE_MMS_AM_SA_I, "AM2", false, false,
     P(ISAKMP_PL_SA) | P(ISAKMP_PL_KE) | P(ISAKMP_PL_NONCE) | P(ISAKMP_PL_ID) | P(ISAKMP_PL_HASH),
     ANY | P(ISAKMP_PL_NATD) | P(ISAKMP_PL_CR), am_i_am2, IKE_MMS_AM_FINAL_I},
    {IKE_MMS_AM_FINAL_I, NULL, false, false, 0, 0, mm_establish, IKE_MMS_DONE},
    /* responder; NAT-D in AM1 (before a hash is agreed) is ignored */
    {IKE_MMS_START_R, "AM1", false, false, P(ISAKMP_PL_SA) | P(ISAKMP_PL_KE) | P(ISAKMP_PL_NONCE) | P(ISAKMP_PL_ID),
     ANY | P(ISAKMP_PL_NATD) | P(ISAKMP_PL_CR), am_r_am1, IKE_MMS_AM_SA_R},
    {IKE_MMS_AM_SA_R, "AM3", true, true, P(ISAKMP_PL_HASH), ANY | P(ISAKMP_PL_NATD), am_r_am3, IKE_MMS_AM_DONE_R},
    {IKE_MMS_AM_DONE_R, NULL, false, false, 0, 0, mm_establish, IKE_MMS_DONE},
};
const size_t am_table_len = sizeof am_table / sizeof am_table[0];

static isakmp_id_t id_of(const uint8_t *b, size_t len)
{
  return (isakmp_id_t){.type = b[0], .data = b + 4, .len = len - 4};
}

static mm_res_t am_i_send_am1(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err)
{
  /* every offered rule has this group (mm_offer_rules) */
  mm_dh_job_t job = {.group = mm->rules[0].group};
  if (!mm_dh_run(&job))
    return mm_fail(err, 0, "AM1: Diffie-Hellman: %s", job.err);
  mm->dh = job.dh;
  mm->gx_len = ike_dh_group_of(mm->dh)->len;
  memcpy(mm->gxi, ike_dh_public(mm->dh), mm->gx_len);
  mm->ni_len = MM_NONCE_LEN;
  if (!mm_random(mm, mm->ni, mm->ni_len))
    return mm_fail(err, 0, "AM1: no random bytes for the nonce");
  mm->idi_len = mm_local_id_body(mm, mm->idi_b);
  const isakmp_id_t id = id_of(mm->idi_b, mm->idi_len);
  isakmp_wbuf_t w;
  isakmp_wbuf_init(&w, mm->tx, sizeof mm->tx);
  mm_put_hdr(&w, mm, 0, 0);
  mm_put_offer(&w, mm->rules, mm->nrules);
  isakmp_put_ke(&w, mm->gxi, mm->gx_len);
  isakmp_put_nonce(&w, mm->ni, mm->ni_len);
  isakmp_put_id(&w, &id);
  mm_put_vids(&w, mm);
  mm_res_t r = mm_finish_plain(mm, &w, err);
  return r == MM_OK ? mm_keep_sai_sent(mm, "AM1", err) : r;
}

/* AM2 for an accepted AM1: DH, keys, HASH_R over our ID. */
static mm_res_t send_am2(ike_mm_t *mm, const mm_in_t *in, isakmp_sa_t *sa, const isakmp_proposal_t *prop,
                         const isakmp_transform_t *xf, uint32_t offered, ike_mm_error_t *err)
{
  char why[160];
  const ike_dh_group_t *g = ike_dh_group(mm->chosen.group);
  if (!ike_dh_check_peer(g, in->ke->body, in->ke->len, why, sizeof why))
    return mm_refuse(err, ISAKMP_N_INVALID_KEY_INFORMATION, "AM1 refused: KE for %s: %s", g->name, why);
  if (!mm_keep_sai(mm, in->sa->body, in->sa->len))
    return mm_fail(err, 0, "AM1: out of memory");
  memcpy(mm->idi_b, in->id->body, in->id->len);
  mm->idi_len = in->id->len;
  mm->gx_len = g->len;
  memcpy(mm->gxi, in->ke->body, g->len);
  memcpy(mm->ni, in->nonce->body, in->nonce->len);
  mm->ni_len = in->nonce->len;
  mm->peer_natt = in->vid_natt;
  mm->sa.natt = mm->vid_natt && in->vid_natt;
  mm->sa.dpd = in->vid_dpd;

  mm_res_t r = mm_responder_dh(mm, "AM2", err);
  if (r != MM_OK)
    return r;
  uint8_t id_b[IKE_ID_MAX], h[IKE_MAX_HASH];
  size_t id_len = mm_local_id_body(mm, id_b);
  if (!mm_auth_hash(mm, false, id_b, id_len, h))
    return mm_fail(err, 0, "AM2: cannot compute HASH_R");
  const isakmp_id_t id = id_of(id_b, id_len);
  isakmp_wbuf_t w;
  isakmp_wbuf_init(&w, mm->tx, sizeof mm->tx);
  mm_put_hdr(&w, mm, 0, 0);
  mm_put_chosen(&w, sa, prop, xf);
  isakmp_put_ke(&w, mm->gxr, mm->gx_len);
  isakmp_put_nonce(&w, mm->nr, mm->nr_len);
  isakmp_put_id(&w, &id);
  isakmp_put_hash(&w, h, ike_hash_len(mm->sa.hash));
  if (mm->chosen.lifetime_s < offered)
    mm_put_responder_lifetime(&w, mm);
  mm_put_vids(&w, mm);
  mm_put_natd(&w, mm);
  return mm_finish_plain(mm, &w, err);
}

static mm_res_t am_r_am1(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err)
{
  /* a responder that refuses AM1 is freed (ike_mm_respond), so filling it
   * in as we go is safe; the cookie first, for a failure's notify */
  memcpy(mm->sa.icookie, in->hdr.icookie, ISAKMP_COOKIE_LEN);
  /* the ID first: it finds the key, and a peer we have none for gets no
   * answer at all (not even NO-PROPOSAL-CHOSEN) */
  isakmp_id_t id;
  mm_res_t r = mm_parse_peer_id("AM1", in->id->body, in->id->len, &id, MM_REFUSE, err);
  if (r == MM_OK)
    r = mm_check_expected_id(mm, "AM1", &id, err);
  if (r == MM_OK)
    r = mm_lookup_psk(mm, id.type, id.data, id.len, err);
  if (r != MM_OK)
    return r;
  isakmp_sa_t *sa = NULL;
  const isakmp_proposal_t *prop = NULL;
  const isakmp_transform_t *xf = NULL;
  uint32_t offered = 0;
  r = mm_parse_sa("AM1", in->sa, &sa, err);
  if (r == MM_OK)
    r = mm_select(sa, mm->rules, mm->nrules, true, &prop, &xf, &mm->chosen, &offered, err);
  if (r == MM_OK)
    r = send_am2(mm, in, sa, prop, xf, offered, err);
  free(sa);
  return r;
}

/* A hash over an ID from the peer: HASH_R (AM2) or HASH_I (AM3). */
static mm_res_t verify(const ike_mm_t *mm, const char *what, bool peer_is_i, const uint8_t *id_b, size_t id_len,
                       const isakmp_payload_t *hash, ike_mm_error_t *err)
{
  const char *hname = peer_is_i ? "HASH_I" : "HASH_R";
  uint8_t want[IKE_MAX_HASH];
  size_t hl = ike_hash_len(mm->sa.hash);
  char a[16];
  if (!mm_auth_hash(mm, peer_is_i, id_b, id_len, want))
    return mm_fail(err, 0, "%s: cannot compute %s", what, hname);
  if (hash->len != hl || CRYPTO_memcmp(hash->body, want, hl) != 0)
    return mm_fail(err, ISAKMP_N_AUTHENTICATION_FAILED, "%s from %s: %s does not verify (pre-shared keys differ?)",
                   what, mm_addr_str(mm->sa.peer_addr, a), hname);
  return MM_OK;
}

static mm_res_t am_i_am2(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err)
{
  char why[160];
  isakmp_sa_t *sa = NULL;
  ike_mm_proposal_t chosen;
  mm_res_t r = mm_parse_sa("AM2", in->sa, &sa, err);
  if (r == MM_OK)
    r = mm_check_reply("AM2", sa, mm->rules, mm->nrules, &chosen, err);
  free(sa);
  if (r != MM_OK)
    return r;
  const ike_dh_group_t *g = ike_dh_group_of(mm->dh);
  if (!ike_dh_check_peer(g, in->ke->body, in->ke->len, why, sizeof why))
    return mm_refuse(err, ISAKMP_N_INVALID_KEY_INFORMATION, "AM2 refused: KE for %s: %s", g->name, why);
  isakmp_id_t id;
  r = mm_parse_peer_id("AM2", in->id->body, in->id->len, &id, MM_REFUSE, err);
  if (r != MM_OK)
    return r;
  bool natt = mm->vid_natt && in->vid_natt;
  mm_natd_t nd;
  r = mm_natd_eval(mm, in, natt, chosen.hash, &nd, err);
  if (r != MM_OK)
    return r;

  /* AM2 is taken: from here a fault fails the negotiation */
  mm_take_reply(mm, in, chosen, natt);
  mm_natd_apply(mm, &nd);
  memcpy(mm->gxr, in->ke->body, mm->gx_len);
  memcpy(mm->nr, in->nonce->body, in->nonce->len);
  mm->nr_len = in->nonce->len;
  mm_dh_job_t job = {.group = chosen.group, .dh = mm->dh, .peer = mm->gxr, .peer_len = mm->gx_len};
  if (!mm_dh_run(&job))
    return mm_fail(err, 0, "AM2: Diffie-Hellman: %s", job.err);
  r = mm_derive(mm, &job, err);
  if (r == MM_OK)
    r = verify(mm, "AM2", false, in->id->body, in->id->len, in->hash, err);
  if (r == MM_OK)
    r = mm_accept_peer_id(mm, "AM2", in->id->body, in->id->len, err);
  if (r != MM_OK)
    return r;

  /* AM3: HASH_I over the IDii we sent, NAT-D, encrypted */
  uint8_t h[IKE_MAX_HASH], plain[IKE_MAX_HASH * 3 + 64];
  if (!mm_auth_hash(mm, true, mm->idi_b, mm->idi_len, h))
    return mm_fail(err, 0, "AM3: cannot compute HASH_I");
  isakmp_wbuf_t w;
  isakmp_wbuf_init(&w, plain, sizeof plain);
  isakmp_put_hash(&w, h, ike_hash_len(mm->sa.hash));
  mm_put_natd(&w, mm);
  isakmp_finish(&w); /* closes the last payload */
  return mm_finish_encrypted(mm, &w, err);
}

static mm_res_t am_r_am3(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err)
{
  mm_natd_t nd;
  mm_res_t r = mm_natd_eval(mm, in, mm->sa.natt, mm->chosen.hash, &nd, err);
  if (r != MM_OK)
    return r;
  r = verify(mm, "AM3", true, mm->idi_b, mm->idi_len, in->hash, err);
  if (r != MM_OK)
    return r;
  /* a cleartext AM3 leaves the phase-1 IV at hash(g^xi | g^xr) */
  if (in->hdr.flags & ISAKMP_FLAG_E)
    ike_iv_state_advance(&mm->sa.iv, 0, &in->iv_next);
  mm_natd_apply(mm, &nd);
  /* the address rule needed AM3's NAT-D */
  r = mm_accept_peer_id(mm, "AM3", mm->idi_b, mm->idi_len, err);
  if (r == MM_OK)
    mm->tx_len = 0; /* aggressive mode's last message: nothing to send, nothing to resend */
  return r;
}
