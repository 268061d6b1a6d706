/* The lab key pair of deploy/lab-license, a fresh "other vendor" pair, and
 * a minting helper, for licensed's tests. */
#pragma once
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "license_token.h"
#include "vendor_key.h"

static inline EVP_PKEY *lt_lab_key(bool priv) {
  char err[256];
  EVP_PKEY *k = lic_key_load(priv ? LAB_LICENSE_DIR "/lab-vendor-private.pem" : LAB_LICENSE_DIR "/lab-vendor-public.pem",
                             priv, err, sizeof err);
  cr_assert_not_null(k, "lab key: %s", err);
  return k;
}

static inline EVP_PKEY *lt_other_key(void) {
  EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
  cr_assert_not_null(k);
  return k;
}

/* Mints into tok (LIC_TOKEN_MAX + 1 bytes) and returns its length. */
static inline size_t lt_mint(EVP_PKEY *signer, const char *id, uint32_t tunnels, const char *issued, char *tok) {
  lic_token_t t = {.tunnels = tunnels};
  snprintf(t.id, sizeof t.id, "%s", id);
  snprintf(t.issued, sizeof t.issued, "%s", issued);
  char err[256];
  int n = lic_token_mint(&t, signer, tok, LIC_TOKEN_MAX + 1, err, sizeof err);
  cr_assert_gt(n, 0, "mint: %s", err);
  return (size_t)n;
}
