/* Main mode's cryptography: the Diffie-Hellman step (the slow part, kept
 * apart so that it can move to a helper thread), the keys of the ISAKMP SA
 * and the authentication hashes.  Keys never reach an error message. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike_mm_priv.h"

bool mm_dh_run(mm_dh_job_t *job)
{
  job->err[0] = '\0';
  if (!job->dh && !(job->dh = ike_dh_new(job->group, job->err, sizeof job->err)))
    return false;
  if (!job->peer)
    return true;
  const ike_dh_group_t *g = ike_dh_group_of(job->dh);
  if (!ike_dh_shared(job->dh, job->peer, job->peer_len, job->gxy, sizeof job->gxy, job->err, sizeof job->err))
    return false;
  job->gxy_len = g->len;
  return true;
}

mm_res_t mm_derive(ike_mm_t *mm, mm_dh_job_t *job, ike_mm_error_t *err)
{
  ike_p1sa_t *sa = &mm->sa;
  const ike_mm_proposal_t *c = &mm->chosen;
  ike_p1_in_t in = {
      .hash = c->hash,
      .psk = mm->psk,
      .psk_len = mm->psk_len,
      .ni = mm->ni,
      .ni_len = mm->ni_len,
      .nr = mm->nr,
      .nr_len = mm->nr_len,
      .gxy = job->gxy,
      .gxy_len = job->gxy_len,
      .cky_i = sa->icookie,
      .cky_r = sa->rcookie,
  };
  char why[160] = "";
  uint8_t key[64];
  size_t klen = ike_enc_key_len(c->enc);
  bool ok = ike_p1_derive(&in, &sa->keys, why, sizeof why) && klen <= sizeof key &&
            ike_p1_enc_key(&sa->keys, key, klen) &&
            (sa->cipher = ike_cipher_new(c->enc, key, klen, why, sizeof why)) != NULL &&
            ike_iv_state_init(&sa->iv, c->hash, ike_enc_block(c->enc), mm->gxi, mm->gxr, mm->gx_len);
  OPENSSL_cleanse(key, sizeof key);
  OPENSSL_cleanse(job->gxy, sizeof job->gxy);
  if (!ok)
    return mm_fail(err, 0, "cannot derive the ISAKMP SA's keys%s%s", why[0] ? ": " : "", why);
  sa->enc = c->enc;
  sa->hash = c->hash;
  sa->group = c->group;
  sa->lifetime_s = c->lifetime_s;
  return MM_OK;
}

bool mm_auth_hash(const ike_mm_t *mm, bool initiator, const uint8_t *id_b, size_t id_len, uint8_t *out)
{
  const ike_p1_auth_in_t in = {
      .gxi = mm->gxi,
      .gxr = mm->gxr,
      .gx_len = mm->gx_len,
      .cky_i = mm->sa.icookie,
      .cky_r = mm->sa.rcookie,
      .sai_b = mm->sai_b,
      .sai_len = mm->sai_len,
      .id_b = id_b,
      .id_len = id_len,
  };
  return initiator ? ike_hash_i(&mm->sa.keys, &in, out) : ike_hash_r(&mm->sa.keys, &in, out);
}
