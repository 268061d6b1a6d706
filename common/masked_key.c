/* Masked secrets (format in masked_key.h).  Every check that can fail says
 * which one did, so an operator pasting a key from another box, a truncated
 * copy or a tampered string gets told which of those happened. */
#include "base64.h"
#include "service.h"
#include "be32.h"
#include "masked_key.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

enum {
  MASTER_LEN = 32,
  HDR_LEN = 16,
  NONCE_LEN = 12,
  TAG_LEN = 16,
  FORMAT_VERSION = 1,
  ALG_AES256GCM = 1,
  MAX_SECRET = 256,
  MAX_BLOB = HDR_LEN + NONCE_LEN + MAX_SECRET + TAG_LEN,
  MAX_B64 = 4 * ((MAX_BLOB + 2) / 3),
};

struct erx_masker {
  uint8_t key[MASTER_LEN];
  uint8_t key_id[4];
};

static void seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || errlen == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}


static int fsync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  int rc = fsync(fd);
  close(fd);
  return rc;
}

/* The key is written under a private temporary name and linked into place,
 * so a crash mid-write can never leave a short master.key that would block
 * every later start, and two racing first starts agree on one key (link
 * fails with EEXIST for the loser, who then reads the winner's). */
static int create_master(const char *dir, const char *path, char *err, size_t errlen) {
  uint8_t key[MASTER_LEN];
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s/master.key.tmp.%ld", dir, (long)getpid());
  if (RAND_bytes(key, sizeof key) != 1) {
    seterr(err, errlen, "cannot create %s: no random bytes from OpenSSL", path);
    return -1;
  }
  unlink(tmp); /* a leftover of an earlier process with our pid */
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    seterr(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
    OPENSSL_cleanse(key, sizeof key);
    return -1;
  }
  int rc = erx_write_all(fd, key, sizeof key) == 0 && fsync(fd) == 0 ? 0 : -1;
  int saved = errno;
  OPENSSL_cleanse(key, sizeof key);
  close(fd);
  if (rc == 0 && link(tmp, path) != 0 && errno != EEXIST) {
    saved = errno;
    rc = -1;
  }
  unlink(tmp);
  if (rc == 0 && fsync_dir(dir) != 0) {
    saved = errno;
    rc = -1;
  }
  if (rc != 0)
    seterr(err, errlen, "cannot create %s: %s", path, strerror(saved));
  return rc;
}

/* 1 = loaded, 0 = does not exist, -1 = unusable (err set). */
static int read_master(const char *path, uint8_t key[MASTER_LEN], char *err, size_t errlen) {
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return 0;
    seterr(err, errlen, "cannot open %s: %s", path, strerror(errno));
    return -1;
  }
  struct stat st;
  int rc = -1;
  if (fstat(fd, &st) != 0) {
    seterr(err, errlen, "cannot stat %s: %s", path, strerror(errno));
  } else if (!S_ISREG(st.st_mode)) {
    seterr(err, errlen, "%s is not a regular file", path);
  } else if (st.st_mode & 077) {
    /* Group/other access means the key may already have leaked (or been
     * swapped): refuse rather than silently chmod. */
    seterr(err, errlen, "%s is accessible by group or others (mode %04o): refusing to use it; chmod 600 it",
           path, (unsigned)(st.st_mode & 07777));
  } else if (st.st_size != MASTER_LEN) {
    seterr(err, errlen, "%s is %lld bytes, expected %d: refusing to use it", path, (long long)st.st_size,
           MASTER_LEN);
  } else {
    size_t got = 0;
    while (got < MASTER_LEN) {
      ssize_t r = read(fd, key + got, MASTER_LEN - got);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        break;
      got += (size_t)r;
    }
    if (got == MASTER_LEN)
      rc = 1;
    else
      seterr(err, errlen, "cannot read %s: short read", path);
  }
  close(fd);
  return rc;
}

erx_masker_t *erx_masker_open(const char *state_dir, char *err, size_t errlen) {
  char path[4096];
  if (snprintf(path, sizeof path, "%s/master.key", state_dir) >= (int)sizeof path) {
    seterr(err, errlen, "state directory path too long");
    return NULL;
  }
  erx_masker_t *m = calloc(1, sizeof *m);
  if (!m) {
    seterr(err, errlen, "out of memory");
    return NULL;
  }
  int rc = read_master(path, m->key, err, errlen);
  if (rc == 0 && create_master(state_dir, path, err, errlen) == 0)
    rc = read_master(path, m->key, err, errlen);
  if (rc == 0)
    seterr(err, errlen, "%s vanished while being created", path);
  uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned dlen = 0;
  if (rc == 1 && EVP_Digest(m->key, MASTER_LEN, digest, &dlen, EVP_sha256(), NULL) != 1) {
    seterr(err, errlen, "SHA-256 failed");
    rc = -1;
  }
  if (rc != 1) {
    erx_masker_destroy(&m);
    return NULL;
  }
  memcpy(m->key_id, digest, sizeof m->key_id);
  OPENSSL_cleanse(digest, sizeof digest);
  return m;
}

void erx_masker_destroy(erx_masker_t **m_p) {
  if (!m_p || !*m_p)
    return;
  OPENSSL_cleanse(*m_p, sizeof **m_p);
  free(*m_p);
  *m_p = NULL;
}

/* AES-256-GCM with the 16-byte header as AAD. Returns 0 on success; for
 * decryption a non-zero return means the tag did not verify. */
static int gcm(const erx_masker_t *m, bool enc, const uint8_t *hdr, const uint8_t *nonce, const uint8_t *in,
               size_t len, uint8_t *out, uint8_t *tag) {
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  int outl = 0, ok = ctx != NULL;
  ok = ok && EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1;
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1;
  ok = ok && EVP_CipherInit_ex(ctx, NULL, NULL, m->key, nonce, enc) == 1;
  ok = ok && EVP_CipherUpdate(ctx, NULL, &outl, hdr, HDR_LEN) == 1;
  ok = ok && EVP_CipherUpdate(ctx, out, &outl, in, (int)len) == 1;
  if (!enc)
    ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1;
  ok = ok && EVP_CipherFinal_ex(ctx, out + outl, &outl) == 1;
  if (enc)
    ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1;
  EVP_CIPHER_CTX_free(ctx); /* also cleanses the expanded key schedule */
  return ok ? 0 : -1;
}

char *erx_mask(const erx_masker_t *m, const uint8_t *secret, size_t len) {
  if (!m || !secret || len == 0 || len > MAX_SECRET)
    return NULL;
  uint8_t blob[MAX_BLOB];
  size_t blen = HDR_LEN + NONCE_LEN + len + TAG_LEN;
  uint8_t *nonce = blob + HDR_LEN, *ct = nonce + NONCE_LEN, *tag = ct + len;
  erx_put_be32(blob, (uint32_t)len);
  erx_put_be32(blob + 4, FORMAT_VERSION);
  erx_put_be32(blob + 8, ALG_AES256GCM);
  memcpy(blob + 12, m->key_id, 4);
  char *out = NULL;
  if (RAND_bytes(nonce, NONCE_LEN) == 1 && gcm(m, true, blob, nonce, secret, len, ct, tag) == 0) {
    out = malloc(4 * ((blen + 2) / 3) + 1);
    if (out)
      EVP_EncodeBlock((unsigned char *)out, blob, (int)blen);
  }
  /* GCM ciphertext is the plaintext XOR keystream: the scratch copy is not
   * harmless if this stack frame is ever dumped next to the nonce. */
  OPENSSL_cleanse(blob, sizeof blob);
  return out;
}

/* Strict canonical base64: EVP_DecodeBlock alone skips whitespace, ignores
 * padding when sizing its output and accepts non-zero leftover bits, so
 * different strings would decode to one blob.  Returns the decoded length
 * or -1. */
static int b64_decode_strict(const char *s, size_t n, uint8_t *out, size_t outcap) {
  if (n == 0 || n % 4 != 0 || n > MAX_B64)
    return -1;
  size_t pad = s[n - 1] == '=' ? (s[n - 2] == '=' ? 2 : 1) : 0;
  for (size_t i = 0; i < n - pad; i++)
    if (erx_b64_value((unsigned char)s[i], false) < 0)
      return -1;
  /* The bits the padding says are unused must be zero. */
  int last = erx_b64_value((unsigned char)s[n - pad - 1], false);
  if ((pad == 1 && (last & 0x3)) || (pad == 2 && (last & 0xf)))
    return -1;
  size_t dlen = n / 4 * 3 - pad;
  if (dlen > outcap)
    return -1;
  uint8_t tmp[MAX_B64 / 4 * 3];
  int got = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)n);
  if (got < 0 || (size_t)got != n / 4 * 3) {
    OPENSSL_cleanse(tmp, sizeof tmp);
    return -1;
  }
  memcpy(out, tmp, dlen);
  OPENSSL_cleanse(tmp, sizeof tmp);
  return (int)dlen;
}

uint8_t *erx_unmask(const erx_masker_t *m, const char *masked, size_t *len, char *err, size_t errlen) {
  if (len)
    *len = 0;
  if (!m || !masked || !len) {
    seterr(err, errlen, "no masked key given");
    return NULL;
  }
  size_t n = strlen(masked);
  if (n >= 2 && masked[0] == '"' && masked[n - 1] == '"') {
    masked++;
    n -= 2;
  }
  uint8_t blob[MAX_BLOB];
  int got = b64_decode_strict(masked, n, blob, sizeof blob);
  if (got < 0) {
    seterr(err, errlen, n > MAX_B64 ? "too long to be a masked key" : "not base64");
    return NULL;
  }
  size_t blen = (size_t)got;
  uint8_t *out = NULL;
  /* The version is checked before the full length so a string from another
   * kind of router (the seed's sample has version 7 and is shorter than ours)
   * is named as such rather than as "too short". */
  if (blen < 8) {
    seterr(err, errlen, "too short to be a masked key");
    goto done;
  }
  uint32_t version = erx_get_be32(blob + 4);
  if (version != FORMAT_VERSION) {
    seterr(err, errlen, "unknown masked-key format version %u (masked by another kind of router?)", version);
    goto done;
  }
  if (blen < HDR_LEN + NONCE_LEN + 1 + TAG_LEN) {
    seterr(err, errlen, "too short to be a masked key");
    goto done;
  }
  uint32_t alg = erx_get_be32(blob + 8);
  if (alg != ALG_AES256GCM) {
    seterr(err, errlen, "unknown masked-key algorithm %u", alg);
    goto done;
  }
  uint32_t ctlen = erx_get_be32(blob);
  if (ctlen == 0 || ctlen > MAX_SECRET || HDR_LEN + NONCE_LEN + (size_t)ctlen + TAG_LEN != blen) {
    seterr(err, errlen, "masked key is damaged or was altered");
    goto done;
  }
  if (memcmp(blob + 12, m->key_id, 4) != 0) {
    seterr(err, errlen, "masked by another installation: it cannot be unmasked with this router's master key");
    goto done;
  }
  const uint8_t *nonce = blob + HDR_LEN, *ct = nonce + NONCE_LEN;
  out = malloc(ctlen);
  if (!out) {
    seterr(err, errlen, "out of memory");
    goto done;
  }
  if (gcm(m, false, blob, nonce, ct, ctlen, out, blob + HDR_LEN + NONCE_LEN + ctlen) != 0) {
    OPENSSL_cleanse(out, ctlen);
    free(out);
    out = NULL;
    seterr(err, errlen, "masked key is damaged or was altered");
    goto done;
  }
  *len = ctlen;
done:
  OPENSSL_cleanse(blob, sizeof blob);
  return out;
}
