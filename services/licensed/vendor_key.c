#include "vendor_key.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "lab_vendor_public.h"
#include "license_token.h"

/* PEM Ed25519 keys are ~120 bytes; anything near this is not one. */
#define KEY_FILE_MAX 16384

EVP_PKEY *lic_key_load(const char *path, bool priv, char *err, size_t errlen) {
  char pem[KEY_FILE_MAX];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
    return NULL;
  }
  size_t got = 0;
  ssize_t r = 0;
  while (got < sizeof pem && ((r = read(fd, pem + got, sizeof pem - got)) > 0 || (r < 0 && errno == EINTR)))
    got += r > 0 ? (size_t)r : 0;
  int e = errno;
  close(fd);
  EVP_PKEY *k = NULL;
  char why[160];
  if (r < 0)
    snprintf(err, errlen, "cannot read %s: %s", path, strerror(e));
  else if (got == sizeof pem)
    snprintf(err, errlen, "%s: too large to be a PEM key", path);
  else if (!(k = lic_key_from_pem(pem, got, priv, why, sizeof why)))
    snprintf(err, errlen, "%s: %s", path, why);
  OPENSSL_cleanse(pem, sizeof pem); /* may have held a private key */
  return k;
}

EVP_PKEY *lic_vendor_key(const char *path, char *err, size_t errlen) {
  if (path)
    return lic_key_load(path, false, err, errlen);
  char why[160];
  EVP_PKEY *k = lic_key_from_pem(lab_vendor_public_pem, strlen(lab_vendor_public_pem), false, why, sizeof why);
  if (!k)
    snprintf(err, errlen, "built-in lab vendor key: %s", why);
  return k;
}
