/* Router-wide IPsec settings: local endpoints, the default SA lifetime, DPD,
 * invalid-cookie notifies, the licence and SA refresh requests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_check.h"
#include "cfg_license.h"
#include "cmds.h"

static int h_local_endpoint(cli_exec_t *x, const cli_args_t *a)
{
  const char *tvr = cli_arg(a, "tvr-name");
  if (!tvr)
    tvr = x->ctx.vr;
  else if (cfg_check_name(x, "A virtual-router name", tvr, CFG_VR_NAME_MAX))
    return -1;
  uint32_t addr;
  if (!erx_ipv4_parse(cli_arg(a, "endpoint-address"), &addr))
    return cfg_err(x, "Bad address");
  uint32_t *cur = erx_strmap_get(x->model->endpoints, tvr);
  if (cur && *cur == addr)
    return 0;
  if (!cur) {
    cur = malloc(sizeof *cur);
    if (!cur || erx_strmap_put(x->model->endpoints, tvr, cur, NULL)) {
      free(cur);
      return cfg_err(x, "out of memory");
    }
  }
  *cur = addr;
  cfg_model_dirty(x->model, "local-endpoint/%s", tvr);
  return 0;
}

static int h_no_local_endpoint(cli_exec_t *x, const cli_args_t *a)
{
  const char *tvr = cli_arg(a, "tvr-name");
  if (!tvr)
    tvr = x->ctx.vr;
  uint32_t *cur = erx_strmap_del(x->model->endpoints, tvr);
  if (cur) {
    free(cur);
    cfg_model_dirty(x->model, "local-endpoint/%s", tvr);
  }
  return 0;
}

static int h_lifetime(cli_exec_t *x, const cli_args_t *a)
{
  /* the command states the whole lifetime: an omitted limit returns to its default */
  uint32_t s = cfg_arg_u32(a, "life-seconds");
  uint64_t kb = cfg_arg_u64(a, "life-kilobytes");
  if (x->model->life_s != s || x->model->life_kb != kb) {
    x->model->life_s = s;
    x->model->life_kb = kb;
    cfg_global_touched(x->model);
  }
  return 0;
}

static int h_dpd(cli_exec_t *x, const cli_args_t *a)
{
  cfg_model_t *m = x->model;
  bool on = !cli_has(a, "no");
  uint32_t idle = on ? cfg_arg_u32(a, "dpd-idle") : 0;
  uint32_t retry = on ? cfg_arg_u32(a, "dpd-retry-interval") : 0;
  uint32_t retries = on ? cfg_arg_u32(a, "dpd-retries") : 0;
  if (m->dpd != on || m->dpd_idle != idle || m->dpd_retry_interval != retry || m->dpd_retries != retries) {
    m->dpd = on;
    m->dpd_idle = idle;
    m->dpd_retry_interval = retry;
    m->dpd_retries = retries;
    cfg_global_touched(m);
  }
  return 0;
}

static int h_tx_invalid_cookie(cli_exec_t *x, const cli_args_t *a)
{
  cfg_vr_t *v = cfg_vr_get(x->model, x->ctx.vr);
  bool on = !cli_has(a, "no");
  if (v && v->tx_invalid_cookie != on) {
    v->tx_invalid_cookie = on;
    cfg_vr_touched(x->model, v);
  }
  return 0;
}

/* licensed owns and persists the licence: configd only relays the command,
 * so the licence is not part of configd's configuration or journal */
static int h_license(cli_exec_t *x, const cli_args_t *a)
{
  char msg[320];
  if (!x->lic)
    return cfg_err(x, "licence service unavailable; the licence is unchanged");
  if (cfg_lic_install(x->lic, cli_has(a, "no") ? NULL : cli_arg(a, "license-key"), msg, sizeof msg) != 0)
    return cfg_err(x, "%s", msg);
  cfg_out(x, "%s\n", msg);
  return 0;
}

static const char *tunnel_name(const char *word)
{
  return strncasecmp(word, "ipsec:", 6) == 0 ? word + 6 : word;
}

static int h_clear_sa(cli_exec_t *x, const cli_args_t *a)
{
  const char *word = cli_arg(a, "tunnel-name");
  if (word) {
    const char *name = tunnel_name(word);
    if (!cfg_tunnel_get(x->model, x->ctx.vr, name))
      return cfg_err(x, "Tunnel ipsec:%s does not exist in virtual-router %s", name, x->ctx.vr);
    cfg_out(x, "%% No phase %s SA to refresh for ipsec:%s: the IKE service (iked) is not running\n",
            cli_arg(a, "phase-number"), name);
    return 0;
  }
  cfg_out(x, "%% No SA to refresh: the IKE service (iked) is not running\n");
  return 0;
}


static const cli_cmd_t config_cmds[] = {
    {"ipsec local-endpoint A.B.C.D$endpoint-address [transport-virtual-router WORD$tvr-name]", h_local_endpoint, 0,
     NULL},
    {"no ipsec local-endpoint [transport-virtual-router WORD$tvr-name]", h_no_local_endpoint, 0, NULL},
    {"ipsec lifetime " CFG_LIFETIME, h_lifetime, 0, "lifetime=Default lifetime of IPsec SAs"},
    {"no ipsec lifetime", h_lifetime, 0, NULL},
    {"ipsec option dpd [idle-interval (5-3600)$dpd-idle] [retry-interval (1-60)$dpd-retry-interval] "
     "[retries (1-10)$dpd-retries]",
     h_dpd, 0, NULL},
    {"no ipsec option dpd", h_dpd, 0, NULL},
    {"ipsec option tx-invalid-cookie", h_tx_invalid_cookie, 0, NULL},
    {"no ipsec option tx-invalid-cookie", h_tx_invalid_cookie, 0, NULL},
    {"license ipsec-tunnels WORD$license-key", h_license, 0, NULL},
    {"no license ipsec-tunnels", h_license, 0, NULL},
    {"ipsec clear sa tunnel ipsec:NAME$tunnel-name phase <1|2>$phase-number", h_clear_sa, 0,
     "1=Phase 1: the IKE (ISAKMP) SA\n2=Phase 2: the IPsec SAs\ntunnel=The SAs of one tunnel"},
    {"ipsec clear sa all", h_clear_sa, 0, NULL},
};

const cfg_cmd_span_t cfg_global_config = CFG_SPAN(config_cmds);
