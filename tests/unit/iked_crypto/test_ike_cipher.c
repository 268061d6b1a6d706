/* IKE payload encryption and IV chaining against gen_vectors.py's pure-
 * Python DES/3DES/AES-CBC, for every cipher and hash. */
#include <criterion/criterion.h>
#include <string.h>

#include "ike_cipher.h"
#include "ike_vectors.h"

static const ikv_group_t *group2(void)
{
  for (size_t i = 0; i < ikv_group_count; i++)
    if (ikv_groups[i].id == 2)
      return &ikv_groups[i];
  return NULL;
}

static ike_cipher_t *cipher_of(const ikv_cbc_t *v)
{
  char err[128];
  ike_cipher_t *c = ike_cipher_new((ike_enc_t)v->enc, v->key.p, v->key.len, err, sizeof err);
  cr_assert(c, "%s: %s", ike_enc_name((ike_enc_t)v->enc), err);
  return c;
}

Test(ike_cipher, chained_messages_match_the_vectors)
{
  cr_assert_eq(ikv_cbc_count, 15, "3 hashes x 5 ciphers");
  const ikv_group_t *g = group2();
  char err[128];
  for (size_t i = 0; i < ikv_cbc_count; i++) {
    const ikv_cbc_t *v = &ikv_cbc[i];
    const char *name = ike_enc_name((ike_enc_t)v->enc);
    ike_cipher_t *c = cipher_of(v);
    size_t block = ike_cipher_block(c);
    ike_iv_t iv, next;
    cr_assert(ike_iv_phase1((ike_hash_t)v->hash, block, g->gxi.p, g->gxr.p, g->gxi.len, &iv));
    cr_expect(iv.len == v->iv1.len && IKV_SAME(iv.b, v->iv1), "%s phase-1 IV", name);
    uint8_t out[128], back[128];
    size_t out_len = 0;
    for (int m = 0; m < 3; m++) {
      if (m == 2) {
        /* a quick mode's first IV comes from the last phase-1 block */
        cr_assert(ike_iv_phase2((ike_hash_t)v->hash, &iv, ikv_mid, &iv));
        cr_expect(IKV_SAME(iv.b, v->iv3), "%s phase-2 IV", name);
      }
      ike_iv_t iv_before = iv;
      cr_assert(ike_cipher_encrypt(c, &iv, v->clear[m].p, v->clear[m].len, out, sizeof out, &out_len, &next, err,
                                   sizeof err),
                "%s", err);
      cr_expect_eq(out_len, v->cipher[m].len, "%s message %d length", name, m + 1);
      cr_expect_eq(out_len, ike_cipher_padded_len(c, v->clear[m].len));
      cr_expect(IKV_SAME(out, v->cipher[m]), "%s message %d ciphertext (hash %u)", name, m + 1, v->hash);
      cr_expect(memcmp(next.b, out + out_len - block, block) == 0, "%s next IV = last block", name);
      /* and back, from the receiver's copy of the IV */
      ike_iv_t rnext;
      cr_assert(ike_cipher_decrypt(c, &iv_before, out, out_len, back, &rnext, err, sizeof err), "%s", err);
      cr_expect(memcmp(back, v->clear[m].p, v->clear[m].len) == 0, "%s message %d decrypts", name, m + 1);
      for (size_t z = v->clear[m].len; z < out_len; z++)
        cr_expect_eq(back[z], 0, "%s padding byte %zu", name, z);
      cr_expect(memcmp(&rnext, &next, sizeof next) == 0, "%s both ends chain alike", name);
      iv = next;
    }
    ike_cipher_free(c);
  }
}

Test(ike_cipher, in_place_both_ways)
{
  char err[128];
  const ikv_cbc_t *v = &ikv_cbc[0];
  ike_cipher_t *c = cipher_of(v);
  ike_iv_t iv = {.len = v->iv1.len}, next;
  memcpy(iv.b, v->iv1.p, iv.len);
  uint8_t buf[128];
  size_t n = 0;
  memcpy(buf, v->clear[0].p, v->clear[0].len);
  /* next aliasing iv: the chain advances in place */
  ike_iv_t chained = iv;
  cr_assert(ike_cipher_encrypt(c, &chained, buf, v->clear[0].len, buf, sizeof buf, &n, &chained, err, sizeof err));
  cr_expect(IKV_SAME(buf, v->cipher[0]));
  cr_expect(memcmp(chained.b, buf + n - chained.len, chained.len) == 0);
  cr_assert(ike_cipher_decrypt(c, &iv, buf, n, buf, &next, err, sizeof err));
  cr_expect(memcmp(buf, v->clear[0].p, v->clear[0].len) == 0);
  cr_expect(memcmp(next.b, chained.b, next.len) == 0, "the next IV was saved before decryption overwrote it");
  ike_cipher_free(c);
}

Test(ike_cipher, iv_state_tracks_each_exchange)
{
  char err[128];
  const ikv_group_t *g = group2();
  const ikv_cbc_t *v = &ikv_cbc[2]; /* SHA-1, AES-128 */
  cr_assert_eq(v->enc, IKE_ENC_AES128);
  ike_cipher_t *c = cipher_of(v);
  ike_iv_state_t s;
  cr_assert(ike_iv_state_init(&s, (ike_hash_t)v->hash, ike_cipher_block(c), g->gxi.p, g->gxr.p, g->gxi.len));
  uint8_t out[128];
  size_t n;
  ike_iv_t iv, next;
  /* main mode 5 and 6 on M-ID 0 */
  for (int m = 0; m < 2; m++) {
    cr_assert(ike_iv_state_get(&s, 0, &iv));
    cr_assert(ike_cipher_encrypt(c, &iv, v->clear[m].p, v->clear[m].len, out, sizeof out, &n, &next, err, sizeof err));
    cr_expect(IKV_SAME(out, v->cipher[m]), "phase-1 message %d", m + 1);
    ike_iv_state_advance(&s, 0, &next);
  }
  /* an informational exchange in between does not move either chain */
  ike_iv_t info;
  cr_assert(ike_iv_state_get(&s, 0x11111111, &info));
  ike_iv_state_forget(&s, 0x11111111);
  /* the quick mode's first message */
  cr_assert(ike_iv_state_get(&s, ikv_mid, &iv));
  cr_expect(IKV_SAME(iv.b, v->iv3));
  cr_assert(ike_cipher_encrypt(c, &iv, v->clear[2].p, v->clear[2].len, out, sizeof out, &n, &next, err, sizeof err));
  cr_expect(IKV_SAME(out, v->cipher[2]));
  ike_iv_state_advance(&s, ikv_mid, &next);
  cr_assert(ike_iv_state_get(&s, ikv_mid, &iv));
  cr_expect(memcmp(iv.b, out + n - 16, 16) == 0, "the quick mode's second message chains");
  /* a message that fails authentication is never advanced: the IV stays */
  cr_assert(ike_iv_state_get(&s, ikv_mid, &next));
  cr_expect(memcmp(&iv, &next, sizeof iv) == 0);
  /* many exchanges at once: the oldest is forgotten, the phase-1 chain stays */
  for (uint32_t mid = 100; mid < 100 + 2 * IKE_IV_EXCHANGES; mid++)
    cr_assert(ike_iv_state_get(&s, mid, &iv));
  cr_assert(ike_iv_state_get(&s, ikv_mid, &iv));
  cr_expect(IKV_SAME(iv.b, v->iv3), "re-derived from the phase-1 chain after eviction");
  ike_cipher_free(c);
}

Test(ike_cipher, bad_keys_lengths_and_ivs_are_refused)
{
  char err[128];
  uint8_t key[32] = {0}, buf[64] = {0};
  cr_expect_null(ike_cipher_new(IKE_ENC_3DES, key, 16, err, sizeof err));
  cr_expect_str_eq(err, "3des-cbc needs a 24-byte key, got 16");
  cr_expect_null(ike_cipher_new((ike_enc_t)9, key, 16, err, sizeof err));
  cr_expect_str_eq(err, "unknown IKE encryption 9");
  cr_expect_eq(ike_enc_key_len((ike_enc_t)9), 0);
  cr_expect_str_eq(ike_enc_name((ike_enc_t)9), "?");
  ike_cipher_t *c = ike_cipher_new(IKE_ENC_AES256, key, 32, err, sizeof err);
  cr_assert(c, "%s", err);
  ike_iv_t iv = {.len = 16}, next, short_iv = {.len = 8};
  size_t n;
  cr_expect_not(ike_cipher_decrypt(c, &iv, buf, 24, buf, &next, err, sizeof err));
  cr_expect_str_eq(err, "encrypted part is 24 bytes, not a whole number of 16-byte blocks");
  cr_expect_not(ike_cipher_decrypt(c, &iv, buf, 0, buf, &next, err, sizeof err));
  cr_expect_not(ike_cipher_decrypt(c, &short_iv, buf, 16, buf, &next, err, sizeof err));
  cr_expect_str_eq(err, "IV is 8 bytes, the cipher's block is 16");
  cr_expect_not(ike_cipher_encrypt(c, &iv, buf, 17, buf, 31, &n, &next, err, sizeof err));
  cr_expect_str_eq(err, "17 bytes encrypt to 32, buffer has 31");
  cr_expect_not(ike_cipher_encrypt(c, &iv, buf, 0, buf, sizeof buf, &n, &next, err, sizeof err));
  cr_expect(ike_cipher_encrypt(c, &iv, buf, 32, buf, 32, &n, &next, err, sizeof err), "%s", err);
  cr_expect_eq(n, 32, "aligned cleartext gets no padding");
  ike_cipher_free(c);
  ike_cipher_free(NULL);
}

Test(ike_cipher, iv_derivations_refuse_bad_sizes)
{
  ike_iv_t iv;
  uint8_t g[16] = {1};
  cr_expect_not(ike_iv_phase1(IKE_HASH_MD5, 32, g, g, sizeof g, &iv), "block larger than the IV buffer");
  cr_expect_not(ike_iv_phase1(IKE_HASH_SHA1, 0, g, g, sizeof g, &iv));
  cr_expect_not(ike_iv_phase1((ike_hash_t)5, 16, g, g, sizeof g, &iv));
  cr_expect_not(ike_iv_phase1(IKE_HASH_SHA1, 16, NULL, g, sizeof g, &iv));
  cr_expect(ike_iv_phase1(IKE_HASH_MD5, 16, g, g, sizeof g, &iv));
  cr_expect_eq(iv.len, 16);
}
