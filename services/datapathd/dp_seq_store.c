#include "dp_seq_store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strmap.h"

struct dp_seq_store {
  char path[4096], tmp[4100];
  erx_strmap_t *map; /* "vr/name spi" -> uint32_t* */
};

static void map_key(char *buf, size_t cap, const char *tunnel, uint32_t spi)
{
  snprintf(buf, cap, "%s %" PRIu32, tunnel, spi);
}

static int put(dp_seq_store_t *s, const char *key, uint32_t v)
{
  uint32_t *p = erx_strmap_get(s->map, key);
  if (p) {
    *p = v;
    return 0;
  }
  p = malloc(sizeof *p);
  if (!p)
    return -1;
  *p = v;
  if (erx_strmap_put(s->map, key, p, NULL) != 0) {
    free(p);
    return -1;
  }
  return 0;
}

dp_seq_store_t *dp_seq_store_open(const char *state_dir, char *err, size_t errlen)
{
  err[0] = 0;
  dp_seq_store_t *s = calloc(1, sizeof *s);
  if (!s || !(s->map = erx_strmap_new())) {
    free(s);
    return NULL;
  }
  snprintf(s->path, sizeof s->path, "%s/outbound-seq", state_dir);
  snprintf(s->tmp, sizeof s->tmp, "%s.tmp", s->path);
  FILE *f = fopen(s->path, "r");
  if (!f)
    return s;
  char line[512];
  unsigned lineno = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    char tunnel[256], key[300];
    uint32_t spi, reserved;
    if (sscanf(line, "%255s %" SCNu32 " %" SCNu32, tunnel, &spi, &reserved) != 3) {
      snprintf(err, errlen, "%s line %u is not '<vr>/<tunnel> <spi> <reserved>'; skipped", s->path, lineno);
      continue;
    }
    map_key(key, sizeof key, tunnel, spi);
    if (put(s, key, reserved) != 0)
      break;
  }
  fclose(f);
  return s;
}

void dp_seq_store_close(dp_seq_store_t **s_p)
{
  dp_seq_store_t *s = *s_p;
  if (!s)
    return;
  erx_strmap_destroy(&s->map, free);
  free(s);
  *s_p = NULL;
}

uint32_t dp_seq_store_get(const dp_seq_store_t *s, const char *tunnel, uint32_t spi)
{
  char key[300];
  map_key(key, sizeof key, tunnel, spi);
  const uint32_t *p = erx_strmap_get(s->map, key);
  return p ? *p : 0;
}

static int rewrite(dp_seq_store_t *s, char *err, size_t errlen);

int dp_seq_store_set(dp_seq_store_t *s, const char *tunnel, uint32_t spi, uint32_t reserved, char *err, size_t errlen)
{
  char key[300];
  map_key(key, sizeof key, tunnel, spi);
  if (put(s, key, reserved) != 0) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  return rewrite(s, err, errlen);
}

int dp_seq_store_drop(dp_seq_store_t *s, const char *tunnel, char *err, size_t errlen)
{
  size_t n, tl = strlen(tunnel), dropped = 0;
  const char **keys = erx_strmap_sorted_keys(s->map, &n);
  char **gone = keys ? calloc(n ? n : 1, sizeof *gone) : NULL;
  for (size_t i = 0; gone && i < n; i++)
    if (strncmp(keys[i], tunnel, tl) == 0 && keys[i][tl] == ' ')
      gone[dropped++] = strdup(keys[i]);
  free(keys);
  for (size_t i = 0; gone && i < dropped; i++) {
    if (gone[i])
      free(erx_strmap_del(s->map, gone[i]));
    free(gone[i]);
  }
  free(gone);
  return dropped ? rewrite(s, err, errlen) : 0;
}

static int rewrite(dp_seq_store_t *s, char *err, size_t errlen)
{
  FILE *f = fopen(s->tmp, "w");
  if (!f) {
    snprintf(err, errlen, "%s: %s", s->tmp, strerror(errno));
    return -1;
  }
  size_t n;
  const char **keys = erx_strmap_sorted_keys(s->map, &n);
  for (size_t i = 0; keys && i < n; i++)
    fprintf(f, "%s %" PRIu32 "\n", keys[i], *(uint32_t *)erx_strmap_get(s->map, keys[i]));
  free(keys);
  int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
  bad |= fclose(f) != 0;
  if (bad || rename(s->tmp, s->path) != 0) {
    snprintf(err, errlen, "%s: %s", s->path, strerror(errno));
    unlink(s->tmp);
    return -1;
  }
  return 0;
}
