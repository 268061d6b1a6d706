/* show commands (exec mode, and from every configuration mode). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_check.h"
#include "cfg_dp.h"
#include "cfg_ike.h"
#include "cfg_license.h"
#include "cfg_tunnel_check.h"
#include "cfg_writer.h"
#include "cmds.h"
#include "transforms.h"

static int h_show_config(cli_exec_t *x, const cli_args_t *a)
{
  cfg_write_config_filtered(x->model, cli_arg(a, "config-words"), &x->out);
  return 0;
}

static void tset_line(const cfg_tset_t *s, cfg_strbuf_t *out)
{
  cfg_sb_printf(out, "%-24s", s->name);
  for (size_t j = 0; j < s->n; j++) {
    const erx_transform_info_t *xf = erx_transform_by_id(s->xf[j]);
    cfg_sb_printf(out, "%s%s", j ? ", " : " ", xf ? xf->keyword : "?");
  }
  cfg_sb_puts(out, "\n");
}

static int h_show_tset(cli_exec_t *x, const cli_args_t *a)
{
  const char *name = cli_arg(a, "set-name");
  if (name) {
    const cfg_tset_t *s = cfg_tset_get(x->model, name);
    if (!s)
      return cfg_err(x, "Transform set %s does not exist", name);
    cfg_out(x, "%-24s Transforms (in order of preference)\n", "Transform set");
    tset_line(s, &x->out);
    return 0;
  }
  size_t n;
  const char **keys = erx_strmap_sorted_keys(x->model->tsets, &n);
  cfg_out(x, "%-24s Transforms (in order of preference)\n", "Transform set");
  for (size_t i = 0; i < n; i++)
    tset_line(erx_strmap_get(x->model->tsets, keys[i]), &x->out);
  free(keys);
  return 0;
}

static int h_show_local_endpoint(cli_exec_t *x, const cli_args_t *a)
{
  size_t n;
  char buf[ERX_ADDR_STRLEN];
  const char **keys = erx_strmap_sorted_keys(x->model->endpoints, &n);
  cfg_out(x, "%-26s %s\n", "Transport virtual router", "Local endpoint");
  for (size_t i = 0; i < n; i++)
    cfg_out(x, "%-26s %s\n", keys[i], erx_ipv4_format(*(uint32_t *)erx_strmap_get(x->model->endpoints, keys[i]), buf));
  free(keys);
  return 0;
}

static int h_show_lifetime(cli_exec_t *x, const cli_args_t *a)
{
  const cfg_model_t *m = x->model;
  cfg_out(x, "IPsec SA lifetime: %u seconds%s, %llu kilobytes%s\n", cfg_global_life_s(m), m->life_s ? "" : " (default)",
          (unsigned long long)cfg_global_life_kb(m), m->life_kb ? "" : " (default)");
  return 0;
}

static int h_show_option(cli_exec_t *x, const cli_args_t *a)
{
  const cfg_model_t *m = x->model;
  if (m->dpd)
    cfg_out(x, "Dead peer detection: enabled (probe after %u s idle, every %u s, %u retries)\n",
            m->dpd_idle ? m->dpd_idle : CFG_DPD_IDLE_DEFAULT,
            m->dpd_retry_interval ? m->dpd_retry_interval : CFG_DPD_RETRY_INTERVAL_DEFAULT,
            m->dpd_retries ? m->dpd_retries : CFG_DPD_RETRIES_DEFAULT);
  else
    cfg_out(x, "Dead peer detection: disabled\n");
  size_t n;
  const char **keys = erx_strmap_sorted_keys(m->vrs, &n);
  cfg_out(x, "Transmit invalid-cookie notifications:");
  size_t on = 0;
  for (size_t i = 0; i < n; i++) {
    const cfg_vr_t *v = erx_strmap_get(m->vrs, keys[i]);
    if (v->tx_invalid_cookie)
      cfg_out(x, "%s %s", on++ ? "," : "", v->name);
  }
  cfg_out(x, "%s\n", on ? "" : " disabled in every virtual router");
  free(keys);
  return 0;
}

static void rule_line(cli_exec_t *x, const cfg_ike_rule_t *r, const char *prio)
{
  cfg_out(x, "%-9s %-15s %-11s %-7s %-6u %-9u %s\n", prio, cfg_ike_auth_kw[r->auth], cfg_ike_enc_kw[r->enc],
          cfg_ike_hash_kw[r->hash], r->group, r->lifetime, cfg_aggr_kw[r->aggressive]);
}

static int h_show_rules(cli_exec_t *x, const cli_args_t *a)
{
  const char *hdr = "%-9s %-15s %-11s %-7s %-6s %-9s %s\n";
  if (cli_has(a, "priority")) {
    const cfg_ike_rule_t *r = cfg_rule_get(x->model, cfg_arg_u32(a, "priority"));
    if (!r)
      return cfg_err(x, "IKE policy rule %s does not exist", cli_arg(a, "priority"));
    cfg_out(x, hdr, "Priority", "Authentication", "Encryption", "Hash", "Group", "Lifetime", "Aggressive mode");
    rule_line(x, r, cli_arg(a, "priority"));
    return 0;
  }
  size_t n;
  const char **keys = erx_strmap_sorted_keys(x->model->rules, &n);
  cfg_out(x, hdr, "Priority", "Authentication", "Encryption", "Hash", "Group", "Lifetime", "Aggressive mode");
  for (size_t i = 0; i < n; i++) {
    const cfg_ike_rule_t *r = erx_strmap_get(x->model->rules, keys[i]);
    char prio[12];
    snprintf(prio, sizeof prio, "%u", r->priority);
    rule_line(x, r, prio);
  }
  if (n == 0) {
    cfg_ike_rule_t d = {.group = 2, .lifetime = CFG_IKE_LIFE_DEFAULT};
    rule_line(x, &d, "default");
  }
  free(keys);
  return 0;
}

static const char *ep_text(const cfg_endpoint_t *ep)
{
  return ep->type == ERX__CFG__ENDPOINT_TYPE__EP_NONE ? "-" : ep->value;
}

static bool blocked(const cli_exec_t *x, const cfg_tunnel_t *t)
{
  return x->lic && cfg_lic_blocked(x->lic, t->vr, t->name);
}

/* "ipsec:NAME", or "VR:ipsec:NAME" outside the default virtual router */
static void tunnel_label(const char *vr, const char *name, char *buf, size_t cap)
{
  if (strcmp(vr, CFG_DEFAULT_VR) == 0)
    snprintf(buf, cap, "ipsec:%s", name);
  else
    snprintf(buf, cap, "%s:ipsec:%s", vr, name);
}

/* What datapathd published about t; NULL if it is not running or does not hold t. */
static const cfg_dp_tunnel_t *dp_state(const cli_exec_t *x, const cfg_tunnel_t *t)
{
  return x->dp ? cfg_dp_tunnel(x->dp, t->vr, t->name) : NULL;
}

static bool oper_up(const cli_exec_t *x, const cfg_tunnel_t *t)
{
  const cfg_dp_tunnel_t *st = dp_state(x, t);
  return st && st->up;
}

/* ---- iked's side of signaled tunnels ---- */

/* One IkeStatusRequest per show command.  *res says why there is no reply. */
static erx_env_t *ike_status(cli_exec_t *x, const char *vr, const char *name, cfg_ike_result_t *res)
{
  char why[320];
  erx_env_t *rep = NULL;
  *res = x->ike ? cfg_ike_status(x->ike, vr, name, &rep, why, sizeof why) : CFG_IKE_NOT_RUNNING;
  return *res == CFG_IKE_OK ? rep : NULL;
}

static bool signaled(const cfg_tunnel_t *t)
{
  return t->signaling != ERX__CFG__SIGNALING__SIG_MANUAL;
}

/* datapathd's reason says no more than that IKE has not installed SAs yet */
static bool waiting_for_ike(const char *reason)
{
  return !reason[0] || strncasecmp(reason, "waiting for IKE", 15) == 0;
}

/* iked's reason why t is down, or NULL */
static const char *ike_down_reason(const Erx__Ike__IkeStatusReply *ike, const cfg_tunnel_t *t)
{
  const Erx__Ike__TunnelIke *ti = signaled(t) ? cfg_ike_tunnel(ike, t->vr, t->name) : NULL;
  return ti && ti->last_error[0] ? ti->last_error : NULL;
}

/* the IKE lines of show ipsec tunnel detail (signaled tunnels iked should hold) */
static void tunnel_ike(cli_exec_t *x, const cfg_tunnel_t *t, const Erx__Ike__IkeStatusReply *ike,
                       cfg_ike_result_t res, bool error_shown)
{
  if (!x->ike || !signaled(t))
    return;
  if (!ike) {
    cfg_out(x, "  IKE:                        unknown (%s)\n", cfg_ike_unavailable(res));
    return;
  }
  const Erx__Ike__TunnelIke *ti = cfg_ike_tunnel(ike, t->vr, t->name);
  if (!ti) {
    cfg_out(x, "  IKE:                        not negotiating (iked does not hold this tunnel)\n");
    return;
  }
  cfg_out(x, "  IKE:                        peer %s, phase 1 %s, phase 2 %s", ti->peer[0] ? ti->peer : "-",
          ti->phase1[0] ? ti->phase1 : "none", ti->phase2[0] ? ti->phase2 : "down");
  if (ti->phase2_seconds_left)
    cfg_out(x, " (%u seconds left)", ti->phase2_seconds_left);
  cfg_out(x, ", %u rekey%s\n", ti->rekeys, ti->rekeys == 1 ? "" : "s");
  if (ti->inbound_spi || ti->outbound_spi)
    cfg_out(x, "  IKE SPIs:                   in %u (0x%08x), out %u (0x%08x)\n", ti->inbound_spi, ti->inbound_spi,
            ti->outbound_spi, ti->outbound_spi);
  if (ti->last_error[0] && !error_shown)
    cfg_out(x, "  IKE last error:             %s\n", ti->last_error);
}

/* One StatsRequest per show command: NULL if datapathd did not answer. */
static erx_env_t *dp_stats(cli_exec_t *x, const char *vr, const char *name)
{
  char why[320];
  return x->dp ? cfg_dp_stats(x->dp, vr, name, why, sizeof why) : NULL;
}

static void counters(cli_exec_t *x, const Erx__Dp__StatsReply *stats, const Erx__Dp__TunnelCounters *c)
{
  if (!stats) {
    cfg_out(x, "  Counters: unavailable (datapathd is not running)\n");
    return;
  }
  if (!c) {
    cfg_out(x, "  Counters: none (the data path does not hold this tunnel)\n");
    return;
  }
  cfg_out(x,
          "  Inbound:  user %" PRIu64 " packets %" PRIu64 " octets, accepted %" PRIu64 " packets %" PRIu64
          " octets\n",
          c->in_user_packets, c->in_user_octets, c->in_accepted_packets, c->in_accepted_octets);
  cfg_out(x,
          "            errors: auth %" PRIu64 ", replay %" PRIu64 ", policy %" PRIu64 ", decrypt %" PRIu64
          ", pad %" PRIu64 ", other %" PRIu64 "\n",
          c->in_auth_errors, c->in_replay_errors, c->in_policy_errors, c->in_decrypt_errors, c->in_pad_errors,
          c->in_other_errors);
  cfg_out(x,
          "  Outbound: user %" PRIu64 " packets %" PRIu64 " octets, accepted %" PRIu64 " packets %" PRIu64
          " octets\n",
          c->out_user_packets, c->out_user_octets, c->out_accepted_packets, c->out_accepted_octets);
  cfg_out(x, "            errors: policy %" PRIu64 ", other %" PRIu64 "\n", c->out_policy_errors, c->out_other_errors);
}

static void tunnel_detail(cli_exec_t *x, const cfg_tunnel_t *t, const Erx__Dp__StatsReply *stats,
                          const Erx__Ike__IkeStatusReply *ike, cfg_ike_result_t ike_res)
{
  const cfg_model_t *m = x->model;
  char a1[ERX_ADDR_STRLEN], a2[ERX_ADDR_STRLEN];
  char problems[CFG_MAX_PROBLEMS][CFG_PROBLEM_LEN];
  size_t np = cfg_tunnel_problems(m, t, problems);
  cfg_out(x, "Tunnel ipsec:%s\n", t->name);
  cfg_out(x, "  Operational virtual router: %s\n", t->vr);
  cfg_out(x, "  Transport virtual router:   %s\n", t->transport_vr);
  cfg_out(x, "  Type:                       %s\n",
          t->signaling == ERX__CFG__SIGNALING__SIG_MANUAL ? "manual" : "signaled (isakmp)");
  if (t->has_address)
    cfg_out(x, "  IP address:                 %s %s\n", erx_ipv4_format(t->address, a1), erx_ipv4_format(t->mask, a2));
  cfg_out(x, "  Transform set:              %s\n", t->tset[0] ? t->tset : "-");
  cfg_out(x, "  Source:                     %s\n", ep_text(&t->source));
  cfg_out(x, "  Destination:                %s\n", ep_text(&t->destination));
  cfg_out(x, "  Backup destination:         %s\n", ep_text(&t->backup));
  cfg_out(x, "  Local identity:             ");
  cfg_write_identity(&t->local_id, &x->out);
  cfg_out(x, "\n  Peer identity:              ");
  cfg_write_identity(&t->peer_id, &x->out);
  cfg_out(x, "\n");
  if (t->pfs_group)
    cfg_out(x, "  PFS group:                  %u\n", t->pfs_group);
  else
    cfg_out(x, "  PFS group:                  none\n");
  cfg_out(x, "  Lifetime:                   %u seconds, %llu kilobytes%s\n", t->life_s ? t->life_s : cfg_global_life_s(m),
          (unsigned long long)(t->life_kb ? t->life_kb : cfg_global_life_kb(m)),
          t->life_s || t->life_kb ? "" : " (global)");
  cfg_out(x, "  MTU:                        %u\n", t->mtu);
  const erx_transform_info_t *xf;
  if (t->in.set && (xf = erx_transform_by_id(t->in.xf)))
    cfg_out(x, "  Inbound manual SA:          spi %u %s\n", t->in.spi, xf->keyword);
  if (t->out.set && (xf = erx_transform_by_id(t->out.xf)))
    cfg_out(x, "  Outbound manual SA:         spi %u %s\n", t->out.spi, xf->keyword);
  cfg_out(x, "  Administrative state:       %s\n", blocked(x, t) ? "blocked by licence" : "enabled");
  /* the published state; before the first snapshot, the stats reply's */
  const cfg_dp_tunnel_t *st = dp_state(x, t);
  const Erx__Dp__TunnelCounters *c = stats ? cfg_dp_counters(stats, t->vr, t->name) : NULL;
  bool dp_known = (x->dp && cfg_dp_synced(x->dp)) || stats;
  bool up = false;
  const char *reason = "", *ifname = "";
  if (st) {
    up = st->up;
    reason = st->reason;
    ifname = st->ifname;
  } else if (c && !(x->dp && cfg_dp_synced(x->dp))) {
    up = c->up;
    reason = c->reason;
    ifname = c->ifname;
  }
  cfg_out(x, "  Operational state:          %s\n", up ? "up" : "down");
  if (ifname[0])
    cfg_out(x, "  Interface:                  %s\n", ifname);
  for (size_t i = 0; i < np; i++)
    cfg_out(x, "  Configuration incomplete:   %s\n", problems[i]);
  const char *ike_reason = up || np || !waiting_for_ike(reason) ? NULL : ike_down_reason(ike, t);
  if (!up && np == 0) {
    if (ike_reason)
      cfg_out(x, "  Down because:               IKE: %s\n", ike_reason);
    else if (reason[0])
      cfg_out(x, "  Down because:               %s\n", reason);
    else if (blocked(x, t))
      cfg_out(x, "  Down because:               blocked by licence\n");
    else if (dp_known)
      cfg_out(x, "  Down because:               not set up by the data path yet\n");
    else
      cfg_out(x, "  Down because:               no SA yet (the data-path service datapathd is not running)\n");
  }
  if (np == 0) { /* an incomplete tunnel carries nothing */
    tunnel_ike(x, t, ike, ike_res, ike_reason != NULL);
    counters(x, stats, c);
  }
}

static int h_show_tunnel(cli_exec_t *x, const cli_args_t *a)
{
  const cfg_model_t *m = x->model;
  const char *only = cli_arg(a, "tunnel-name");
  if (only && strncasecmp(only, "ipsec:", 6) == 0)
    only += 6;
  bool detail = cli_has(a, "detail");
  if (cli_has(a, "summary")) {
    size_t total = erx_strmap_count(m->tunnels), nblocked = 0, nup = 0;
    erx_strmap_iter_t it = ERX_STRMAP_ITER_INIT;
    void *v;
    while (erx_strmap_next(m->tunnels, &it, NULL, &v)) {
      nblocked += blocked(x, v);
      nup += oper_up(x, v);
    }
    cfg_out(x, "Total tunnels: %zu\n", total);
    cfg_out(x, "Administrative state: %zu enabled, 0 disabled, %zu blocked by licence\n", total - nblocked, nblocked);
    cfg_out(x, "Operational state: %zu up, %zu down, 0 not-present\n", nup, total - nup);
    return 0;
  }
  if (only && !cfg_tunnel_get(m, x->ctx.vr, only))
    return cfg_err(x, "Tunnel ipsec:%s does not exist in virtual-router %s", only, x->ctx.vr);
  size_t n;
  const char **keys = erx_strmap_sorted_keys(m->tunnels, &n);
  erx_env_t *stats = detail && n ? dp_stats(x, only ? x->ctx.vr : NULL, only) : NULL;
  /* iked only when it has something to add: a signaled tunnel, or in the
   * table one that is down */
  bool want_ike = false;
  for (size_t i = 0; x->ike && i < n && !want_ike; i++) {
    const cfg_tunnel_t *t = erx_strmap_get(m->tunnels, keys[i]);
    want_ike = signaled(t) && (!only || (strcmp(t->name, only) == 0 && strcmp(t->vr, x->ctx.vr) == 0)) &&
               (detail || (!oper_up(x, t) && !blocked(x, t)));
  }
  cfg_ike_result_t ike_res = CFG_IKE_NOT_RUNNING;
  erx_env_t *ike = want_ike ? ike_status(x, only ? x->ctx.vr : NULL, only, &ike_res) : NULL;
  const Erx__Ike__IkeStatusReply *ir = ike ? ike->ike_status_reply : NULL;
  if (!detail)
    cfg_out(x, "%-28s %-8s %-10s %-16s %-20s %-20s %s\n", "Tunnel", "Type", "Transport", "Source", "Destination",
            "Transform set", "State");
  for (size_t i = 0; i < n; i++) {
    const cfg_tunnel_t *t = erx_strmap_get(m->tunnels, keys[i]);
    if (only && (strcmp(t->name, only) != 0 || strcmp(t->vr, x->ctx.vr) != 0))
      continue;
    if (detail) {
      tunnel_detail(x, t, stats ? stats->dp_stats_reply : NULL, ir, ike_res);
      continue;
    }
    char name[CFG_NAME_MAX + CFG_VR_NAME_MAX + 8];
    tunnel_label(t->vr, t->name, name, sizeof name);
    bool up = oper_up(x, t);
    const cfg_dp_tunnel_t *st = up ? NULL : dp_state(x, t);
    bool ike_says = !up && !blocked(x, t) && (!st || waiting_for_ike(st->reason));
    const char *ike_reason = ike_says ? ike_down_reason(ir, t) : NULL;
    char state[320];
    if (ike_reason) /* why, when all datapathd knows is that IKE has not finished */
      snprintf(state, sizeof state, "down (IKE: %s)", ike_reason);
    else
      snprintf(state, sizeof state, "%s", up ? "up" : blocked(x, t) ? "blocked" : "down");
    cfg_out(x, "%-28s %-8s %-10s %-16s %-20s %-20s %s\n", name, signaled(t) ? "signaled" : "manual",
            t->transport_vr, ep_text(&t->source), ep_text(&t->destination), t->tset[0] ? t->tset : "-", state);
  }
  erx_env_free(ike);
  erx_env_free(stats);
  free(keys);
  return 0;
}

static int h_show_vr(cli_exec_t *x, const cli_args_t *a)
{
  size_t n;
  const char **keys = erx_strmap_sorted_keys(x->model->vrs, &n);
  for (size_t i = 0; i < n; i++)
    cfg_out(x, "%s\n", keys[i]);
  free(keys);
  return 0;
}

static int h_show_license(cli_exec_t *x, const cli_args_t *a)
{
  const cfg_lic_view_t *v = x->lic ? cfg_lic_refresh(x->lic) : NULL;
  if (!v || !v->known)
    return cfg_err(x, "licence service unavailable (licensed is not running)");
  if (v->installed)
    cfg_out(x, "IPsec tunnel licence:  %s (%u tunnels, issued %s)\n", v->id, v->tier, v->issued);
  else
    cfg_out(x, "IPsec tunnel licence:  none (10 tunnels without a licence)\n");
  if (v->problem[0])
    cfg_out(x, "Stored licence:        not in force: %s\n", v->problem);
  cfg_out(x, "Chassis:               %s (ceiling %u tunnels)\n", v->chassis, v->ceiling);
  cfg_out(x, "Maximum tunnels:       %u\n", v->maximum);
  if (!v->counted) {
    cfg_out(x, "Tunnels in use:        not counted yet (waiting for configd's snapshot)\n");
    return 0;
  }
  cfg_out(x, "Tunnels in use:        %u\n", v->in_use);
  if (v->blocked)
    cfg_out(x, "Blocked by licence:    %u tunnel%s (kept in the configuration, administratively blocked)\n",
            v->blocked, v->blocked == 1 ? "" : "s");
  return 0;
}

/* numeric order of dotted quads; unparsable ones last, by text */
static int addr_cmp(const char *a, const char *b)
{
  uint32_t x, y;
  bool px = erx_ipv4_parse(a, &x), py = erx_ipv4_parse(b, &y);
  if (px && py)
    return x < y ? -1 : x > y;
  if (px != py)
    return px ? -1 : 1;
  return strcmp(a, b);
}

/* by transport VR, remote, local, initiator first */
static int ike_sa_order(const void *pa, const void *pb)
{
  const Erx__Ike__IkeSa *a = *(const Erx__Ike__IkeSa *const *)pa, *b = *(const Erx__Ike__IkeSa *const *)pb;
  int c = strcmp(a->transport_vr, b->transport_vr);
  if (!c)
    c = addr_cmp(a->remote, b->remote);
  if (!c)
    c = addr_cmp(a->local, b->local);
  if (!c)
    c = (int)b->initiator - (int)a->initiator;
  return c;
}

/* 8 bytes as 16 hex digits; absent (not chosen yet) as zeros */
static const char *cookie_hex(const ProtobufCBinaryData *c, char *buf, size_t cap)
{
  size_t n = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < c->len && n + 3 <= cap; i++)
    n += (size_t)snprintf(buf + n, cap - n, "%02x", c->data[i]);
  if (!c->len)
    snprintf(buf, cap, "0000000000000000");
  return buf;
}

static int h_show_ike_sa(cli_exec_t *x, const cli_args_t *a)
{
  cfg_ike_result_t res;
  erx_env_t *rep = ike_status(x, NULL, NULL, &res);
  if (!rep) {
    if (res == CFG_IKE_REFUSED)
      return cfg_err(x, "The IKE service (iked) could not answer: no IKE SAs");
    cfg_out(x, "%% The IKE service (iked) is not %s: no IKE SAs\n",
            res == CFG_IKE_NOT_RUNNING ? "running" : "answering");
    return 0;
  }
  const Erx__Ike__IkeStatusReply *r = rep->ike_status_reply;
  if (!r->n_sas) {
    cfg_out(x, "No IKE SAs\n");
    erx_env_free(rep);
    return 0;
  }
  const Erx__Ike__IkeSa **sas = malloc(r->n_sas * sizeof *sas);
  if (!sas) {
    erx_env_free(rep);
    return cfg_err(x, "out of memory");
  }
  memcpy(sas, r->sas, r->n_sas * sizeof *sas);
  qsort(sas, r->n_sas, sizeof *sas, ike_sa_order);
  bool detail = cli_has(a, "detail");
  const char *fmt = "%-21s %-21s %-10s %-10s %-4s %-19s %9s %-16s %s\n";
  cfg_out(x, fmt, "Remote", "Local", "VR", "Direction", "Done", "State", "Remaining", "Local cookie", "Remote cookie");
  for (size_t i = 0; i < r->n_sas; i++) {
    const Erx__Ike__IkeSa *sa = sas[i];
    char remote[48], local[48], left[16], ic[40], rc[40];
    snprintf(remote, sizeof remote, "%s:%u", sa->remote, sa->remote_port);
    snprintf(local, sizeof local, "%s:%u", sa->local, sa->local_port);
    if (sa->done)
      snprintf(left, sizeof left, "%u", sa->seconds_left);
    else
      snprintf(left, sizeof left, "-");
    cookie_hex(&sa->icookie, ic, sizeof ic);
    cookie_hex(&sa->rcookie, rc, sizeof rc);
    cfg_out(x, fmt, remote, local, sa->transport_vr, sa->initiator ? "initiator" : "responder", sa->done ? "yes" : "no",
            sa->state[0] ? sa->state : "-", left, sa->initiator ? ic : rc, sa->initiator ? rc : ic);
    if (!detail)
      continue;
    cfg_out(x, "    %s mode, proposal %s, NAT-T %s, DPD %s, tunnels", sa->mode[0] ? sa->mode : "main",
            sa->proposal[0] ? sa->proposal : "-", sa->nat ? "yes (UDP 4500)" : "no",
            sa->dpd ? "yes" : "no");
    for (size_t j = 0; j < sa->n_tunnels; j++)
      cfg_out(x, "%s ipsec:%s", j ? "," : "", sa->tunnels[j]);
    cfg_out(x, "%s\n", sa->n_tunnels ? "" : " none");
  }
  free(sas);
  erx_env_free(rep);
  return 0;
}

/* by tunnel (vr, name), inbound before outbound, then SPI */
static int sa_order(const void *pa, const void *pb)
{
  const Erx__Dp__SaInfo *a = *(const Erx__Dp__SaInfo *const *)pa, *b = *(const Erx__Dp__SaInfo *const *)pb;
  int c = strcmp(a->vr, b->vr);
  if (!c)
    c = strcmp(a->tunnel, b->tunnel);
  if (!c)
    c = (int)b->inbound - (int)a->inbound;
  if (!c)
    c = a->spi < b->spi ? -1 : a->spi > b->spi;
  return c;
}

/* "manual", "expired", or what is left of each limit: "<s>s/<kb>KB", "<s>s"
 * or "<kb>KB", with " (rekey)" once the soft lifetime has passed */
static void life_left(const Erx__Dp__SaInfo *sa, char *buf, size_t cap)
{
  if (sa->manual) {
    snprintf(buf, cap, "manual");
    return;
  }
  if (sa->life == ERX__DP__SA_LIFE__SA_HARD_EXPIRED) {
    snprintf(buf, cap, "expired");
    return;
  }
  if (!sa->life_s && !sa->life_kb) {
    snprintf(buf, cap, "no limit");
    return;
  }
  char s[16] = "", kb[32] = "";
  if (sa->life_s)
    snprintf(s, sizeof s, "%us", sa->life_s > sa->age_s ? sa->life_s - sa->age_s : 0);
  uint64_t used_kb = sa->bytes / 1024;
  if (sa->life_kb)
    snprintf(kb, sizeof kb, "%" PRIu64 "KB", sa->life_kb > used_kb ? sa->life_kb - used_kb : 0);
  snprintf(buf, cap, "%s%s%s%s", s, s[0] && kb[0] ? "/" : "", kb,
           sa->life == ERX__DP__SA_LIFE__SA_SOFT_EXPIRED ? " (rekey)" : "");
}

static int h_show_sa(cli_exec_t *x, const cli_args_t *a)
{
  erx_env_t *rep = dp_stats(x, NULL, NULL);
  if (!rep) {
    cfg_out(x, "%% The data path (datapathd) is not running: no IPsec SAs\n");
    return 0;
  }
  const Erx__Dp__StatsReply *r = rep->dp_stats_reply;
  const Erx__Dp__SaInfo **sas = NULL;
  if (r->n_sas) {
    sas = malloc(r->n_sas * sizeof *sas);
    if (!sas) {
      erx_env_free(rep);
      return cfg_err(x, "out of memory");
    }
    memcpy(sas, r->sas, r->n_sas * sizeof *sas);
    qsort(sas, r->n_sas, sizeof *sas, sa_order);
    cfg_out(x, "%-28s %-3s %-23s %-22s %10s %12s %8s %-24s %13s %11s\n", "Tunnel", "Dir", "SPI", "Transform",
            "Packets", "Bytes", "Age", "Lifetime left", "Replay errors", "Auth errors");
  } else {
    cfg_out(x, "No IPsec SAs\n");
  }
  for (size_t i = 0; i < r->n_sas; i++) {
    const Erx__Dp__SaInfo *sa = sas[i];
    char name[CFG_NAME_MAX + CFG_VR_NAME_MAX + 8], spi[32], age[16], life[48];
    tunnel_label(sa->vr, sa->tunnel, name, sizeof name);
    snprintf(spi, sizeof spi, "%u (0x%08x)", sa->spi, sa->spi);
    snprintf(age, sizeof age, "%us", sa->age_s);
    life_left(sa, life, sizeof life);
    const erx_transform_info_t *xf = erx_transform_by_id(sa->transform);
    cfg_out(x, "%-28s %-3s %-23s %-22s %10" PRIu64 " %12" PRIu64 " %8s %-24s %13" PRIu64 " %11" PRIu64 "\n", name,
            sa->inbound ? "in" : "out", spi, xf ? xf->keyword : "?", sa->packets, sa->bytes, age, life,
            sa->replay_errors, sa->auth_errors);
  }
  if (r->unknown_spi_packets)
    cfg_out(x, "IPsec packets for no SA of this router: %" PRIu64 "\n", r->unknown_spi_packets);
  free(sas);
  erx_env_free(rep);
  return 0;
}

static const cli_cmd_t exec_cmds[] = {
    {"show configuration [LINE$config-words]", h_show_config, 0, NULL},
    {"show ipsec transform-set [WORD$set-name]", h_show_tset, 0,
     "transform-set=Transform sets\nipsec=IPsec state and settings"},
    {"show ipsec local-endpoint", h_show_local_endpoint, 0,
     "local-endpoint=Local IKE endpoints per transport virtual router"},
    {"show ipsec lifetime", h_show_lifetime, 0, "lifetime=Default lifetime of IPsec SAs"},
    {"show ipsec option", h_show_option, 0, "option=IPsec options"},
    {"show ipsec ike-policy-rule [(1-10000)$priority]", h_show_rules, 0,
     "ike-policy-rule=IKE policy rules"},
    {"show ipsec tunnel [ipsec:NAME$tunnel-name] [detail]", h_show_tunnel, 0, "tunnel=IPsec tunnels"},
    {"show ipsec tunnel summary", h_show_tunnel, 0, NULL},
    {"show ipsec ike-sa [detail]", h_show_ike_sa, 0,
     "detail=Also the mode, proposal, NAT traversal, DPD and tunnels of each SA"},
    {"show ipsec sa", h_show_sa, 0, NULL},
    {"show license ipsec-tunnels", h_show_license, 0, "license=Licences"},
    {"show virtual-router", h_show_vr, 0, "virtual-router=Virtual routers"},
};

const cfg_cmd_span_t cfg_show_exec = CFG_SPAN(exec_cmds);
