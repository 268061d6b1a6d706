/* Router-wide IPsec settings: local endpoints, the default SA lifetime, DPD,
 * invalid-cookie notifies, the licence and SA refresh requests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_check.h"
#include "cfg_ike.h"
#include "cfg_license.h"
#include "cfg_tunnel_check.h"
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

/* Why t has no SA to refresh that configd can tell by itself, or NULL:
 * nothing is negotiated for a licence-blocked or incomplete tunnel. */
static const char *no_sa_reason(const cli_exec_t *x, const cfg_tunnel_t *t, char *buf, size_t cap)
{
  if (x->lic && cfg_lic_blocked(x->lic, t->vr, t->name))
    return "the tunnel is blocked by licence";
  char problems[CFG_MAX_PROBLEMS][CFG_PROBLEM_LEN];
  if (cfg_tunnel_problems(x->model, t, problems) == 0)
    return NULL;
  snprintf(buf, cap, "its configuration is incomplete: %s", problems[0]);
  return buf;
}

/* Asks iked to refresh one tunnel's SAs and prints what it did.  0, or -1
 * (refused) if iked could not. */
static int clear_one(cli_exec_t *x, const cfg_tunnel_t *t, unsigned phase)
{
  char msg[320];
  cfg_ike_result_t r = x->ike ? cfg_ike_clear(x->ike, t->vr, t->name, phase, msg, sizeof msg) : CFG_IKE_NOT_RUNNING;
  switch (r) {
  case CFG_IKE_OK:
    cfg_out(x, "%s\n", msg);
    return 0;
  case CFG_IKE_REFUSED:
    return cfg_err(x, "Phase %u SAs of ipsec:%s not refreshed: %s", phase, t->name, msg);
  case CFG_IKE_NOT_RUNNING:
  case CFG_IKE_SILENT:
  default:
    return cfg_err(x, "No phase %u SA to refresh for ipsec:%s: %s", phase, t->name, cfg_ike_unavailable(r));
  }
}

/* (ext) ipsec clear sa all: phase 1 (and with it phase 2) of every signaled
 * tunnel, once per phase-1 SA: tunnels between the same two endpoints
 * share theirs, and clearing it again would cut the renegotiation short. */
static int clear_all(cli_exec_t *x)
{
  size_t n, asked = 0;
  int rc = 0;
  const char **keys = erx_strmap_sorted_keys(x->model->tunnels, &n);
  if (!keys && erx_strmap_count(x->model->tunnels))
    return cfg_err(x, "out of memory");
  for (size_t i = 0; i < n && rc == 0; i++) {
    const cfg_tunnel_t *t = erx_strmap_get(x->model->tunnels, keys[i]), *u = NULL;
    char why[CFG_PROBLEM_LEN + 64];
    if (t->signaling == ERX__CFG__SIGNALING__SIG_MANUAL || no_sa_reason(x, t, why, sizeof why))
      continue;
    for (size_t j = 0; j < i && !u; j++) {
      u = erx_strmap_get(x->model->tunnels, keys[j]);
      if (u->signaling == ERX__CFG__SIGNALING__SIG_MANUAL || no_sa_reason(x, u, why, sizeof why) ||
          strcmp(u->transport_vr, t->transport_vr) != 0 || strcmp(u->source.value, t->source.value) != 0 ||
          strcmp(u->destination.value, t->destination.value) != 0)
        u = NULL;
    }
    if (u)
      continue;
    asked++;
    rc = clear_one(x, t, 1);
  }
  free(keys);
  if (!asked)
    cfg_out(x, "%% No SA to refresh: no signaled tunnel is negotiated\n");
  return rc;
}

static int h_clear_sa(cli_exec_t *x, const cli_args_t *a)
{
  if (x->replay) /* not journaled; never done at start-up */
    return 0;
  const char *word = cli_arg(a, "tunnel-name");
  if (!word)
    return clear_all(x);
  const char *name = tunnel_name(word);
  unsigned phase = cfg_arg_u32(a, "phase-number");
  const cfg_tunnel_t *t = cfg_tunnel_get(x->model, x->ctx.vr, name);
  if (!t)
    return cfg_err(x, "Tunnel ipsec:%s does not exist in virtual-router %s", name, x->ctx.vr);
  if (t->signaling == ERX__CFG__SIGNALING__SIG_MANUAL)
    return cfg_err(x, "Tunnel ipsec:%s is a manual tunnel: it has no IKE SAs to refresh", name);
  char why[CFG_PROBLEM_LEN + 64];
  const char *none = no_sa_reason(x, t, why, sizeof why);
  if (none) {
    /* the seed clears such a tunnel: not an error, nothing to do */
    cfg_out(x, "%% No phase %u SA to refresh for ipsec:%s: %s\n", phase, name, none);
    return 0;
  }
  return clear_one(x, t, phase);
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
