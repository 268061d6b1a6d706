/* licensed's licence key codec: the input as a key (checked against the lab
 * vendor key, so the seed keys reach a verified parse) and as a bare payload
 * (so the field parser is reached without a signature).  Oracles: a payload
 * that parses is one the minter would accept, prints back to exactly the
 * same bytes, and round-trips through mint and verify. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "lab_vendor_public.h"
#include "license_token.h"

static EVP_PKEY *lab_pub, *fuzz_priv, *fuzz_pub;

static void init(void) {
  char err[256];
  lab_pub = lic_key_from_pem(lab_vendor_public_pem, strlen(lab_vendor_public_pem), false, err, sizeof err);
  /* a fixed key, so a crash reproduces */
  static const uint8_t seed[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                   17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
  fuzz_priv = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof seed);
  uint8_t pub[32];
  size_t publen = sizeof pub;
  if (!lab_pub || !fuzz_priv || EVP_PKEY_get_raw_public_key(fuzz_priv, pub, &publen) != 1)
    abort();
  fuzz_pub = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, publen);
  if (!fuzz_pub)
    abort();
}

static void check_fields(const lic_token_t *t, const uint8_t *payload, size_t len) {
  char err[256];
  if (lic_token_check(t, err, sizeof err) != 0)
    abort(); /* parsed, yet the minter would refuse it */
  char again[LIC_TOKEN_MAX + 1];
  int n = snprintf(again, sizeof again, "erx-ipsec-license v1;id=%s;tunnels=%u;issued=%s", t->id,
                   (unsigned)t->tunnels, t->issued);
  if (payload && ((size_t)n != len || memcmp(again, payload, len) != 0))
    abort(); /* two spellings of one licence */
  char tok[LIC_TOKEN_MAX + 1];
  int tl = lic_token_mint(t, fuzz_priv, tok, sizeof tok, err, sizeof err);
  lic_token_t back;
  if (tl < 0 || lic_token_verify(tok, (size_t)tl, fuzz_pub, &back, err, sizeof err) != 0 ||
      memcmp(&back, t, sizeof back) != 0)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int ready;
  if (!ready) {
    init();
    ready = 1;
  }
  char err[256];
  lic_token_t t;
  memset(&t, 0, sizeof t);
  if (lic_token_verify((const char *)data, size, lab_pub, &t, err, sizeof err) == 0)
    check_fields(&t, NULL, 0);
  else if (strlen(err) == 0)
    abort(); /* every refusal says why */

  memset(&t, 0, sizeof t);
  if (lic_payload_parse(data, size, &t, err, sizeof err) == 0)
    check_fields(&t, data, size);
  return 0;
}
