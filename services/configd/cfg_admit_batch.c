#include "cfg_admit_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int add(cfg_batch_t *b, const char *vr, const char *name)
{
  if (b->n == b->cap) {
    size_t cap = b->cap ? 2 * b->cap : 64;
    char **v = realloc(b->vrs, cap * sizeof *v);
    if (!v)
      return -1;
    b->vrs = v;
    char **nm = realloc(b->names, cap * sizeof *nm);
    if (!nm)
      return -1;
    b->names = nm;
    b->cap = cap;
  }
  b->vrs[b->n] = strdup(vr);
  b->names[b->n] = strdup(name);
  if (!b->vrs[b->n] || !b->names[b->n]) {
    free(b->vrs[b->n]);
    free(b->names[b->n]);
    return -1;
  }
  b->n++;
  return 0;
}

void cfg_batch_prepare(cfg_batch_t *b, const cfg_cli_t *cli, const cfg_model_t *m, cfg_lic_t *lic, const char *vr0,
                       char *const *lines, size_t nlines)
{
  memset(b, 0, sizeof *b);
  if (!lic || nlines < 2)
    return;
  char vr[CFG_NAME_MAX + 8], arg[CFG_NAME_MAX + 8], key[2 * CFG_NAME_MAX + 20];
  snprintf(vr, sizeof vr, "%s", vr0);
  erx_strmap_t *seen = erx_strmap_new();
  for (size_t i = 0; seen && i < nlines; i++) {
    switch (cfg_cli_prescan(cli, lines[i], arg, sizeof arg)) {
    case 'v':
      if (strlen(arg) <= CFG_VR_NAME_MAX)
        memcpy(vr, arg, sizeof vr);
      break;
    case 't':
      /* names the handler would refuse are left to it */
      if (strlen(arg) > CFG_NAME_MAX || strchr(arg, '/') || cfg_tunnel_get(m, vr, arg))
        break;
      snprintf(key, sizeof key, "%s/%s", vr, arg);
      if (!erx_strmap_get(seen, key) && erx_strmap_put(seen, key, b, NULL) == 0)
        add(b, vr, arg);
      break;
    default:
      break;
    }
  }
  erx_strmap_destroy(&seen, NULL);
  if (b->n < 2)
    return; /* one tunnel: the handler asks as it always does */
  b->verdicts = erx_strmap_new();
  if (b->verdicts && cfg_lic_admit_batch(lic, b->vrs, b->names, b->n, b->verdicts) != 0)
    erx_strmap_destroy(&b->verdicts, free); /* not answered: one by one */
}

void cfg_batch_finish(cfg_batch_t *b, const cfg_model_t *m, cfg_lic_t *lic)
{
  if (b->verdicts) {
    /* admitted but not created: give the slots back now */
    size_t k = 0;
    for (size_t i = 0; i < b->n; i++) {
      char key[CFG_VR_NAME_MAX + CFG_NAME_MAX + 2];
      snprintf(key, sizeof key, "%s/%s", b->vrs[i], b->names[i]);
      const char *v = erx_strmap_get(b->verdicts, key);
      if (v && !*v && !cfg_tunnel_get(m, b->vrs[i], b->names[i])) {
        char *tv = b->vrs[k], *tn = b->names[k];
        b->vrs[k] = b->vrs[i], b->names[k] = b->names[i];
        b->vrs[i] = tv, b->names[i] = tn;
        k++;
      }
    }
    cfg_lic_release(lic, b->vrs, b->names, k);
  }
  for (size_t i = 0; i < b->n; i++) {
    free(b->vrs[i]);
    free(b->names[i]);
  }
  free(b->vrs);
  free(b->names);
  erx_strmap_destroy(&b->verdicts, free);
  memset(b, 0, sizeof *b);
}
