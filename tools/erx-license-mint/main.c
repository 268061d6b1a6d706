/* erx-license-mint: signs IPsec tunnel licence keys for labs and tests.
 *
 * By default it signs with the lab vendor key of deploy/lab-license, built
 * in, which licensed also trusts by default.  --new-signer writes a fresh
 * key pair, for testing what a licence from another vendor does. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "lab_vendor_private.h"
#include "license_token.h"
#include "vendor_key.h"

static void usage(void) {
  fprintf(stderr, "usage: erx-license-mint [--signing-key PRIVATE.pem] --tunnels N --id ID [--issued YYYY-MM-DD]\n"
                  "       erx-license-mint --new-signer DIR\n"
                  "  N: 1000, 2000, 4000 or 5000; ID: 1 to 32 letters, digits or '-'; issued: today (UTC)\n"
                  "  --new-signer writes DIR/vendor-private.pem and DIR/vendor-public.pem\n");
}

/* Creates path with mode (never through a symlink) and writes key into it. */
static int write_key(const char *path, mode_t mode, EVP_PKEY *key, int priv) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!f) {
    fprintf(stderr, "erx-license-mint: cannot create %s: %s\n", path, strerror(errno));
    if (fd >= 0)
      close(fd);
    return -1;
  }
  int ok = priv ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) : PEM_write_PUBKEY(f, key);
  if (fflush(f) != 0 || fsync(fileno(f)) != 0)
    ok = 0;
  if (fclose(f) != 0)
    ok = 0;
  if (!ok)
    fprintf(stderr, "erx-license-mint: cannot write %s\n", path);
  return ok ? 0 : -1;
}

static int new_signer(const char *dir) {
  if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
    fprintf(stderr, "erx-license-mint: cannot create %s: %s\n", dir, strerror(errno));
    return 1;
  }
  EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
  if (!key) {
    fprintf(stderr, "erx-license-mint: Ed25519 key generation failed\n");
    return 1;
  }
  char priv[4096], pub[4096];
  snprintf(priv, sizeof priv, "%s/vendor-private.pem", dir);
  snprintf(pub, sizeof pub, "%s/vendor-public.pem", dir);
  int rc = write_key(priv, 0600, key, 1) == 0 && write_key(pub, 0644, key, 0) == 0 ? 0 : 1;
  EVP_PKEY_free(key);
  if (rc == 0)
    printf("%s\n%s\n", priv, pub);
  return rc;
}

static int mint(const char *key_path, const char *tunnels, const char *id, const char *issued) {
  lic_token_t t = {0};
  char *end;
  errno = 0;
  unsigned long n = strtoul(tunnels, &end, 10);
  if (errno || end == tunnels || *end || n > UINT32_MAX) {
    fprintf(stderr, "erx-license-mint: --tunnels wants a number (1000, 2000, 4000 or 5000)\n");
    return 2;
  }
  t.tunnels = (uint32_t)n;
  /* an overlong ID is left empty so that the codec's check names the rule */
  if (strlen(id) < sizeof t.id)
    memcpy(t.id, id, strlen(id) + 1);
  if (issued) {
    if (strlen(issued) != LIC_DATE_LEN) {
      fprintf(stderr, "erx-license-mint: --issued wants a date YYYY-MM-DD\n");
      return 2;
    }
    memcpy(t.issued, issued, LIC_DATE_LEN + 1);
  } else {
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(t.issued, sizeof t.issued, "%Y-%m-%d", &tm);
  }
  char err[320];
  if (lic_token_check(&t, err, sizeof err) != 0) {
    fprintf(stderr, "erx-license-mint: %s\n", err);
    return 2;
  }
  EVP_PKEY *signer = key_path ? lic_key_load(key_path, true, err, sizeof err)
                              : lic_key_from_pem(lab_vendor_private_pem, strlen(lab_vendor_private_pem), true, err,
                                                 sizeof err);
  if (!signer) {
    fprintf(stderr, "erx-license-mint: signing key: %s\n", err);
    return 1;
  }
  char tok[LIC_TOKEN_MAX + 1];
  int len = lic_token_mint(&t, signer, tok, sizeof tok, err, sizeof err);
  EVP_PKEY_free(signer);
  if (len < 0) {
    fprintf(stderr, "erx-license-mint: %s\n", err);
    return 1;
  }
  printf("%s\n", tok);
  return 0;
}

int main(int argc, char **argv) {
  const char *key_path = NULL, *tunnels = NULL, *id = NULL, *issued = NULL, *signer_dir = NULL;
  static const struct option longopts[] = {
      {"signing-key", required_argument, NULL, 'k'}, {"tunnels", required_argument, NULL, 't'},
      {"id", required_argument, NULL, 'i'},          {"issued", required_argument, NULL, 'd'},
      {"new-signer", required_argument, NULL, 'n'},  {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  int c;
  while ((c = getopt_long(argc, argv, "k:t:i:d:n:h", longopts, NULL)) != -1) {
    switch (c) {
    case 'k':
      key_path = optarg;
      break;
    case 't':
      tunnels = optarg;
      break;
    case 'i':
      id = optarg;
      break;
    case 'd':
      issued = optarg;
      break;
    case 'n':
      signer_dir = optarg;
      break;
    default:
      usage();
      return c == 'h' ? 0 : 2;
    }
  }
  bool minting = key_path || tunnels || id || issued;
  if (optind != argc || (signer_dir && minting) || (!signer_dir && (!tunnels || !id))) {
    usage();
    return 2;
  }
  fprintf(stderr, "erx-license-mint: LAB ONLY: %s\n",
          key_path || signer_dir ? "a tool for labs and tests, not a licensing system"
                                 : "signed with the lab vendor key of deploy/lab-license, which anyone can use");
  return signer_dir ? new_signer(signer_dir) : mint(key_path, tunnels, id, issued);
}
