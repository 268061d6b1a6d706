/* The steps of main mode, one per row of the state table (ike_mm.c).  Each
 * checks everything that can refuse the message before it changes
 * anything, so a refusal leaves the engine as it was. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike_mm_priv.h"

/* Decodes an SA payload into a heap copy (the structure is ~20 KB). */
mm_res_t mm_parse_sa(const char *what, const isakmp_payload_t *p, isakmp_sa_t **sa, ike_mm_error_t *err)
{
  isakmp_error_t e;
  *sa = malloc(sizeof **sa);
  if (!*sa)
    return mm_refuse(err, 0, "%s: out of memory", what);
  if (isakmp_parse_sa(p->body, p->len, *sa, &e) != ISAKMP_OK)
    return mm_refuse(err, isakmp_err_notify(e.code), "%s refused: %s", what, e.msg);
  return MM_OK;
}

bool mm_keep_sai(ike_mm_t *mm, const uint8_t *b, size_t len)
{
  mm->sai_b = malloc(len);
  if (mm->sai_b)
    memcpy(mm->sai_b, b, len);
  mm->sai_len = len;
  return mm->sai_b != NULL;
}

mm_res_t mm_keep_sai_sent(ike_mm_t *mm, const char *what, ike_mm_error_t *err)
{
  /* HASH_I and HASH_R cover SAi_b as sent: read it back from the message */
  isakmp_msg_t m;
  isakmp_error_t e = {0};
  if (isakmp_parse_message(mm->tx, mm->tx_len, &m, &e) != ISAKMP_OK || m.pl[0].type != ISAKMP_PL_SA)
    return mm_fail(err, 0, "%s does not read back: %s", what, e.msg);
  if (!mm_keep_sai(mm, m.pl[0].body, m.pl[0].len))
    return mm_fail(err, 0, "%s: out of memory", what);
  return MM_OK;
}

mm_res_t mm_i_send_mm1(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err)
{
  isakmp_wbuf_t w;
  isakmp_wbuf_init(&w, mm->tx, sizeof mm->tx);
  mm_put_hdr(&w, mm, 0, 0);
  mm_put_offer(&w, mm->rules, mm->nrules);
  mm_put_vids(&w, mm);
  mm_res_t r = mm_finish_plain(mm, &w, err);
  return r == MM_OK ? mm_keep_sai_sent(mm, "MM1", err) : r;
}

/* RESPONDER-LIFETIME (RFC 2407 §4.6.3.1) about the ISAKMP SA: we use less
 * than the initiator offered, and say so rather than change the transform
 * it must get back unchanged. */
void mm_put_responder_lifetime(isakmp_wbuf_t *w, const ike_mm_t *mm)
{
  uint32_t s = mm->chosen.lifetime_s;
  const uint8_t attrs[12] = {0x80, IKE_ATTR_LIFE_TYPE, 0, ISAKMP_LIFE_SECONDS, 0, IKE_ATTR_LIFE_DURATION, 0, 4,
                             s >> 24, s >> 16, s >> 8, s};
  isakmp_notify_t n = {.doi = ISAKMP_DOI_IPSEC, .protocol = ISAKMP_PROTO_ISAKMP, .spi_size = 16,
                       .type = ISAKMP_N_RESPONDER_LIFETIME, .data = attrs, .len = sizeof attrs};
  memcpy(n.spi, mm->sa.icookie, ISAKMP_COOKIE_LEN);
  memcpy(n.spi + ISAKMP_COOKIE_LEN, mm->sa.rcookie, ISAKMP_COOKIE_LEN);
  isakmp_put_notify(w, &n);
}

mm_res_t mm_r_mm1(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err)
{
  /* a responder that refuses MM1 is freed (ike_mm_respond), so filling it
   * in as we go is safe; the cookie first, for a failure's notify */
  memcpy(mm->sa.icookie, in->hdr.icookie, ISAKMP_COOKIE_LEN);
  isakmp_sa_t *sa = NULL;
  const isakmp_proposal_t *prop = NULL;
  const isakmp_transform_t *xf = NULL;
  uint32_t offered = 0;
  mm_res_t r = mm_parse_sa("MM1", in->sa, &sa, err);
  if (r == MM_OK)
    r = mm_select(sa, mm->rules, mm->nrules, false, &prop, &xf, &mm->chosen, &offered, err);
  if (r == MM_OK && !mm_keep_sai(mm, in->sa->body, in->sa->len))
    r = mm_fail(err, 0, "MM1: out of memory");
  if (r == MM_OK) {
    mm->peer_natt = in->vid_natt;
    mm->sa.natt = mm->vid_natt && in->vid_natt;
    mm->sa.dpd = in->vid_dpd;
    isakmp_wbuf_t w;
    isakmp_wbuf_init(&w, mm->tx, sizeof mm->tx);
    mm_put_hdr(&w, mm, 0, 0);
    mm_put_chosen(&w, sa, prop, xf);
    if (mm->chosen.lifetime_s < offered)
      mm_put_responder_lifetime(&w, mm);
    mm_put_vids(&w, mm);
    r = mm_finish_plain(mm, &w, err);
  }
  free(sa);
  return r;
}

/* MM3 or MM4: our public value and nonce, and NAT-D when both do NAT-T. */
static mm_res_t send_ke(ike_mm_t *mm, const uint8_t *gx, const uint8_t *nonce, size_t nonce_len,
                        ike_mm_error_t *err)
{
  isakmp_wbuf_t w;
  isakmp_wbuf_init(&w, mm->tx, sizeof mm->tx);
  mm_put_hdr(&w, mm, 0, 0);
  isakmp_put_ke(&w, gx, mm->gx_len);
  isakmp_put_nonce(&w, nonce, nonce_len);
  mm_put_natd(&w, mm);
  return mm_finish_plain(mm, &w, err);
}

void mm_take_reply(ike_mm_t *mm, const mm_in_t *in, ike_mm_proposal_t chosen, bool natt)
{
  if (in->responder_lifetime && in->responder_lifetime < chosen.lifetime_s)
    chosen.lifetime_s = in->responder_lifetime;
  memcpy(mm->sa.rcookie, in->hdr.rcookie, ISAKMP_COOKIE_LEN);
  mm->chosen = chosen;
  mm->peer_natt = in->vid_natt;
  mm->sa.natt = natt;
  mm->sa.dpd = in->vid_dpd;
}

mm_res_t mm_i_mm2(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err)
{
  isakmp_sa_t *sa = NULL;
  ike_mm_proposal_t chosen;
  mm_res_t r = mm_parse_sa("MM2", in->sa, &sa, err);
  if (r == MM_OK)
    r = mm_check_reply("MM2", sa, mm->rules, mm->nrules, &chosen, err);
  free(sa);
  if (r != MM_OK)
    return r;
  mm_take_reply(mm, in, chosen, mm->vid_natt && in->vid_natt);

  mm_dh_job_t job = {.group = chosen.group};
  if (!mm_dh_run(&job))
    return mm_fail(err, 0, "MM3: Diffie-Hellman: %s", job.err);
  mm->dh = job.dh;
  mm->gx_len = ike_dh_group_of(mm->dh)->len;
  memcpy(mm->gxi, ike_dh_public(mm->dh), mm->gx_len);
  mm->ni_len = MM_NONCE_LEN;
  if (!mm_random(mm, mm->ni, mm->ni_len))
    return mm_fail(err, 0, "MM3: no random bytes for the nonce");
  return send_ke(mm, mm->gxi, mm->ni, mm->ni_len, err);
}

/* The peer's KE and nonce of MM3 or MM4: checked (with the NAT-D
 * payloads), then kept in gx and nonce. */
static mm_res_t take_ke_nonce(ike_mm_t *mm, const mm_in_t *in, const char *what, uint8_t *gx, uint8_t *nonce,
                              size_t *nonce_len, ike_mm_error_t *err)
{
  char why[160];
  const ike_dh_group_t *g = ike_dh_group(mm->chosen.group);
  if (!ike_dh_check_peer(g, in->ke->body, in->ke->len, why, sizeof why))
    return mm_refuse(err, ISAKMP_N_INVALID_KEY_INFORMATION, "%s refused: KE: %s", what, why);
  mm_res_t r = mm_natd_check(mm, in, err);
  if (r != MM_OK)
    return r;
  mm->gx_len = g->len;
  memcpy(gx, in->ke->body, g->len);
  memcpy(nonce, in->nonce->body, in->nonce->len);
  *nonce_len = in->nonce->len;
  return MM_OK;
}

mm_res_t mm_responder_dh(ike_mm_t *mm, const char *step, ike_mm_error_t *err)
{
  mm_dh_job_t job = {.group = mm->chosen.group, .peer = mm->gxi, .peer_len = mm->gx_len};
  bool ok = mm_dh_run(&job);
  mm->dh = job.dh;
  if (!ok)
    return mm_fail(err, 0, "%s: Diffie-Hellman: %s", step, job.err);
  memcpy(mm->gxr, ike_dh_public(mm->dh), mm->gx_len);
  mm->nr_len = MM_NONCE_LEN;
  if (!mm_random(mm, mm->nr, mm->nr_len))
    return mm_fail(err, 0, "%s: no random bytes for the nonce", step);
  return mm_derive(mm, &job, err);
}

mm_res_t mm_r_mm3(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err)
{
  mm_res_t r = take_ke_nonce(mm, in, "MM3", mm->gxi, mm->ni, &mm->ni_len, err);
  if (r == MM_OK)
    r = mm_responder_dh(mm, "MM4", err);
  if (r != MM_OK)
    return r;
  return send_ke(mm, mm->gxr, mm->nr, mm->nr_len, err);
}

/* MM5 or MM6: our ID and HASH_I or HASH_R over it, encrypted. */
static mm_res_t send_final(ike_mm_t *mm, ike_mm_error_t *err)
{
  uint8_t id_b[IKE_ID_MAX];
  size_t id_len = mm_local_id_body(mm, id_b);
  uint8_t h[IKE_MAX_HASH];
  if (!mm_auth_hash(mm, mm->sa.initiator, id_b, id_len, h))
    return mm_fail(err, 0, "cannot compute %s", mm->sa.initiator ? "HASH_I" : "HASH_R");
  /* RFC 2407 §4.6.2: in phase 1 the ID's protocol and port are 0 (or UDP/500) */
  isakmp_id_t id = {.type = id_b[0], .data = id_b + 4, .len = id_len - 4};
  uint8_t plain[IKE_ID_MAX + IKE_MAX_HASH + 16];
  isakmp_wbuf_t w;
  isakmp_wbuf_init(&w, plain, sizeof plain);
  isakmp_put_id(&w, &id);
  isakmp_put_hash(&w, h, ike_hash_len(mm->sa.hash));
  isakmp_finish(&w); /* closes the last payload */
  return mm_finish_encrypted(mm, &w, err);
}

mm_res_t mm_i_mm4(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err)
{
  mm_res_t r = take_ke_nonce(mm, in, "MM4", mm->gxr, mm->nr, &mm->nr_len, err);
  if (r != MM_OK)
    return r;
  mm_dh_job_t job = {.group = mm->chosen.group, .dh = mm->dh, .peer = mm->gxr, .peer_len = mm->gx_len};
  if (!mm_dh_run(&job))
    return mm_fail(err, 0, "MM5: Diffie-Hellman: %s", job.err);
  r = mm_derive(mm, &job, err);
  return r == MM_OK ? send_final(mm, err) : r;
}

/* MM5 or MM6 from the peer: its hash over its ID proves it holds the same
 * key; then the ID must be the expected one, and an address ID its
 * address (or, behind a NAT, any address). */
static mm_res_t check_final(ike_mm_t *mm, const mm_in_t *in, const char *what, ike_mm_error_t *err)
{
  bool peer_is_i = !mm->sa.initiator;
  const char *hname = peer_is_i ? "HASH_I" : "HASH_R";
  uint8_t want[IKE_MAX_HASH];
  size_t hl = ike_hash_len(mm->sa.hash);
  char a[16];
  if (!mm_auth_hash(mm, peer_is_i, in->id->body, in->id->len, want))
    return mm_fail(err, 0, "%s: cannot compute %s", what, hname);
  if (in->hash->len != hl || CRYPTO_memcmp(in->hash->body, want, hl) != 0)
    return mm_fail(err, ISAKMP_N_AUTHENTICATION_FAILED, "%s from %s: %s does not verify (pre-shared keys differ?)",
                   what, mm_addr_str(mm->sa.peer_addr, a), hname);
  ike_iv_state_advance(&mm->sa.iv, 0, &in->iv_next);
  return mm_accept_peer_id(mm, what, in->id->body, in->id->len, err);
}

mm_res_t mm_r_mm5(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err)
{
  mm_res_t r = check_final(mm, in, "MM5", err);
  return r == MM_OK ? send_final(mm, err) : r;
}

mm_res_t mm_i_mm6(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err)
{
  mm_res_t r = check_final(mm, in, "MM6", err);
  if (r == MM_OK)
    mm->tx_len = 0; /* main mode's last message: nothing to send, nothing to resend */
  return r;
}

mm_res_t mm_establish(ike_mm_t *mm, const mm_in_t *in, ike_mm_error_t *err)
{
  /* what only the negotiation needed goes now; the SA keeps its keys */
  ike_dh_free(mm->dh);
  mm->dh = NULL;
  OPENSSL_cleanse(mm->psk, sizeof mm->psk);
  mm->psk_len = 0;
  return MM_OK;
}
