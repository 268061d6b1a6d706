/* ipsec transform-set: ordered lists of acceptable transforms. */
#include <stdlib.h>
#include <string.h>

#include "cfg_check.h"
#include "cmds.h"
#include "transforms.h"

static int h_tset(cli_exec_t *x, const cli_args_t *a)
{
  const char *name = cli_arg(a, "set-name");
  if (cfg_check_name(x, "A transform-set name", name, CFG_SET_NAME_MAX))
    return -1;
  size_t n = cli_argc(a, "transform");
  if (n > CFG_MAX_TRANSFORMS)
    return cfg_err(x, "A transform set holds at most %d transforms (%zu given)", CFG_MAX_TRANSFORMS, n);
  Erx__Cfg__Transform xf[CFG_MAX_TRANSFORMS];
  for (size_t i = 0; i < n; i++) {
    const erx_transform_info_t *t = erx_transform_by_keyword(cli_argv(a, "transform", i));
    if (!t)
      return cfg_err(x, "Unknown transform %s", cli_argv(a, "transform", i));
    for (size_t j = 0; j < i; j++)
      if (xf[j] == t->id)
        return cfg_err(x, "Transform %s is listed twice", t->keyword);
    xf[i] = t->id;
  }
  cfg_tset_t *old = cfg_tset_get(x->model, name);
  if (old && old->n == n && memcmp(old->xf, xf, n * sizeof *xf) == 0)
    return 0;
  if (!cfg_tset_put(x->model, name, xf, n))
    return cfg_err(x, "out of memory");
  return 0;
}

static bool uses_set(const cfg_tunnel_t *t, const void *name)
{
  return strcmp(t->tset, name) == 0;
}

static int h_no_tset(cli_exec_t *x, const cli_args_t *a)
{
  const char *name = cli_arg(a, "set-name");
  if (!cfg_tset_get(x->model, name))
    return cfg_err(x, "Transform set %s does not exist", name);
  char *users = cfg_tunnels_where(x->model, uses_set, name);
  if (users) {
    cfg_err(x, "Transform set %s is in use by tunnel(s) %s", name, users);
    free(users);
    return -1;
  }
  cfg_tset_del(x->model, name);
  return 0;
}

static const cli_cmd_t config_cmds[] = {
    {"ipsec transform-set WORD$set-name " CFG_XFORMS "$transform...", h_tset, 0, NULL},
    {"no ipsec transform-set WORD$set-name", h_no_tset, 0, NULL},
};

const cfg_cmd_span_t cfg_tset_config = CFG_SPAN(config_cmds);
