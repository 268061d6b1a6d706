/* Where licensed's vendor public key comes from: the lab key built into the
 * program (deploy/lab-license, embedded at build time so no path is needed
 * at run time) or a PEM file named on the command line. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <openssl/evp.h>

/* An Ed25519 key from a PEM file (public when priv is false); NULL with err. */
EVP_PKEY *lic_key_load(const char *path, bool priv, char *err, size_t errlen);
/* path NULL: the built-in lab key.  NULL with err. */
EVP_PKEY *lic_vendor_key(const char *path, char *err, size_t errlen);
