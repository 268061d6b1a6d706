/* Moving between modes, hostname and virtual routers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_check.h"
#include "cmds.h"

static int h_configure(cli_exec_t *x, const cli_args_t *a)
{
  x->ctx.mode = CFG_MODE_CONFIG;
  x->ctx.object[0] = '\0';
  return 0;
}

static int h_exit(cli_exec_t *x, const cli_args_t *a)
{
  switch (x->ctx.mode) {
  case CFG_MODE_EXEC:
    x->exit_session = true;
    break;
  case CFG_MODE_CONFIG:
    x->ctx.mode = CFG_MODE_EXEC;
    break;
  default:
    x->ctx.mode = CFG_MODE_CONFIG;
    x->ctx.object[0] = '\0';
    break;
  }
  return 0;
}

static int h_end(cli_exec_t *x, const cli_args_t *a)
{
  x->ctx.mode = CFG_MODE_EXEC;
  x->ctx.object[0] = '\0';
  return 0;
}

static int h_hostname(cli_exec_t *x, const cli_args_t *a)
{
  const char *name = cli_arg(a, "hostname-name");
  if (!name)
    name = "host1";
  else if (cfg_check_name(x, "A hostname", name, CFG_HOSTNAME_MAX))
    return -1;
  if (strcmp(x->model->hostname, name) != 0) {
    snprintf(x->model->hostname, sizeof x->model->hostname, "%s", name);
    cfg_model_dirty(x->model, "system");
  }
  return 0;
}

static int h_virtual_router(cli_exec_t *x, const cli_args_t *a)
{
  const char *vr = cli_arg(a, "vr-name");
  if (cfg_check_name(x, "A virtual-router name", vr, CFG_VR_NAME_MAX))
    return -1;
  if (!cfg_vr_add(x->model, vr))
    return cfg_err(x, "out of memory");
  snprintf(x->ctx.vr, sizeof x->ctx.vr, "%s", vr);
  x->ctx.mode = CFG_MODE_CONFIG;
  x->ctx.object[0] = '\0';
  return 0;
}

static bool tunnel_uses_vr(const cfg_tunnel_t *t, const void *vr)
{
  return strcmp(t->vr, vr) == 0 || strcmp(t->transport_vr, vr) == 0;
}

static int h_no_virtual_router(cli_exec_t *x, const cli_args_t *a)
{
  const char *vr = cli_arg(a, "vr-name");
  if (strcmp(vr, CFG_DEFAULT_VR) == 0)
    return cfg_err(x, "The default virtual router cannot be removed");
  if (!cfg_vr_get(x->model, vr))
    return cfg_err(x, "virtual-router %s does not exist", vr);
  char *users = cfg_tunnels_where(x->model, tunnel_uses_vr, vr);
  if (users) {
    cfg_err(x, "virtual-router %s is in use by tunnel(s) %s", vr, users);
    free(users);
    return -1;
  }
  /* the VR's own objects go with it */
  size_t n = 0;
  const char **keys = erx_strmap_sorted_keys(x->model->psks, &n);
  for (size_t i = 0; i < n; i++) {
    cfg_psk_t *p = erx_strmap_get(x->model->psks, keys[i]);
    if (strcmp(p->vr, vr) == 0) {
      char peer[CFG_NAME_MAX + 1];
      snprintf(peer, sizeof peer, "%s", p->peer);
      cfg_psk_del(x->model, vr, peer);
    }
  }
  free(keys);
  free(erx_strmap_del(x->model->endpoints, vr));
  cfg_model_dirty(x->model, "local-endpoint/%s", vr);
  cfg_vr_del(x->model, vr);
  if (strcmp(x->ctx.vr, vr) == 0)
    snprintf(x->ctx.vr, sizeof x->ctx.vr, "%s", CFG_DEFAULT_VR);
  return 0;
}

static const cli_cmd_t exec_cmds[] = {
    {"configure [terminal]", h_configure, 0, NULL},
    {"exit", h_exit, 0, "exit=Leave the CLI"},
};

static const cli_cmd_t config_cmds[] = {
    {"exit", h_exit, 0, NULL},
    {"end", h_end, 0, NULL},
    {"hostname WORD$hostname-name", h_hostname, 0, NULL},
    {"no hostname", h_hostname, 0, NULL},
    {"virtual-router WORD$vr-name", h_virtual_router, 0, NULL},
    {"no virtual-router WORD$vr-name", h_no_virtual_router, 0, NULL},
};

static const cli_cmd_t submode_cmds[] = {
    {"exit", h_exit, 0, NULL},
    {"end", h_end, 0, NULL},
};

const cfg_cmd_span_t cfg_session_exec = CFG_SPAN(exec_cmds);
const cfg_cmd_span_t cfg_session_config = CFG_SPAN(config_cmds);
const cfg_cmd_span_t cfg_session_submode = CFG_SPAN(submode_cmds);
