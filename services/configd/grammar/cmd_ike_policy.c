/* ipsec ike-policy-rule N (and its old name isakmp-policy-rule) and the
 * (config-ike-policy) mode: phase-1 proposals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_check.h"
#include "cmds.h"

static int h_rule(cli_exec_t *x, const cli_args_t *a)
{
  uint32_t prio = cfg_arg_u32(a, "priority");
  if (!cfg_rule_get(x->model, prio)) {
    if (erx_strmap_count(x->model->rules) >= CFG_MAX_IKE_RULES)
      return cfg_err(x, "At most %d IKE policy rules may exist; remove one first", CFG_MAX_IKE_RULES);
    if (!cfg_rule_add(x->model, prio))
      return cfg_err(x, "out of memory");
  }
  x->ctx.mode = CFG_MODE_IKE_POLICY;
  snprintf(x->ctx.object, sizeof x->ctx.object, "%u", prio);
  /* the journal and show configuration use the current name */
  x->journal_line = NULL;
  if (cli_has(a, "isakmp-policy-rule")) {
    x->journal_line = malloc(40);
    if (x->journal_line)
      snprintf(x->journal_line, 40, "ipsec ike-policy-rule %u", prio);
  }
  return 0;
}

static int h_no_rule(cli_exec_t *x, const cli_args_t *a)
{
  uint32_t prio = cfg_arg_u32(a, "priority");
  if (!cfg_rule_get(x->model, prio))
    return cfg_err(x, "IKE policy rule %u does not exist", prio);
  cfg_rule_del(x->model, prio);
  return 0;
}

/* keyword <-> enum tables, shared with show and the writer */
const char *const cfg_ike_enc_kw[] = {
    [ERX__CFG__IKE_ENCRYPTION__IKE_ENC_3DES] = "3des",     [ERX__CFG__IKE_ENCRYPTION__IKE_ENC_DES] = "des",
    [ERX__CFG__IKE_ENCRYPTION__IKE_ENC_AES128] = "aes128", [ERX__CFG__IKE_ENCRYPTION__IKE_ENC_AES192] = "aes192",
    [ERX__CFG__IKE_ENCRYPTION__IKE_ENC_AES256] = "aes256",
};
const char *const cfg_ike_hash_kw[] = {
    [ERX__CFG__IKE_HASH__IKE_HASH_SHA] = "sha",
    [ERX__CFG__IKE_HASH__IKE_HASH_MD5] = "md5",
    [ERX__CFG__IKE_HASH__IKE_HASH_SHA256] = "sha256",
};
const char *const cfg_ike_auth_kw[] = {
    [ERX__CFG__IKE_AUTH__IKE_AUTH_PRE_SHARE] = "pre-share",
    [ERX__CFG__IKE_AUTH__IKE_AUTH_RSA_SIG] = "rsa-sig",
};
const char *const cfg_aggr_kw[] = {
    [ERX__CFG__AGGRESSIVE_MODE__AGGR_NONE] = "none",
    [ERX__CFG__AGGRESSIVE_MODE__AGGR_ACCEPTED] = "accepted",
    [ERX__CFG__AGGRESSIVE_MODE__AGGR_REQUESTED] = "requested",
    [ERX__CFG__AGGRESSIVE_MODE__AGGR_REQUIRED] = "required",
};

static int kw_index(const char *const *tab, size_t n, const char *kw)
{
  for (size_t i = 0; i < n; i++)
    if (tab[i] && kw && strcmp(tab[i], kw) == 0)
      return (int)i;
  return 0; /* absent (a "no" form): index 0 is each table's default */
}
#define KW(tab, kw) kw_index(tab, sizeof(tab) / sizeof(tab[0]), kw)

static int h_param(cli_exec_t *x, const cli_args_t *a)
{
  cfg_ike_rule_t *r = cfg_rule_get(x->model, (uint32_t)strtoul(x->ctx.object, NULL, 10));
  if (!r)
    return cfg_err(x, "IKE policy rule %s no longer exists", x->ctx.object);
  cfg_ike_rule_t n = *r;
  if (cli_has(a, "encryption"))
    n.enc = (Erx__Cfg__IkeEncryption)KW(cfg_ike_enc_kw, cli_arg(a, "ike-enc"));
  if (cli_has(a, "hash"))
    n.hash = (Erx__Cfg__IkeHash)KW(cfg_ike_hash_kw, cli_arg(a, "ike-hash"));
  if (cli_has(a, "authentication")) {
    n.auth = (Erx__Cfg__IkeAuth)KW(cfg_ike_auth_kw, cli_arg(a, "ike-auth"));
    if (n.auth == ERX__CFG__IKE_AUTH__IKE_AUTH_RSA_SIG)
      return cfg_err(x, "rsa-sig authentication is not supported in this release (no certificates yet)");
  }
  if (cli_has(a, "group"))
    n.group = cli_has(a, "ike-group") ? cfg_arg_u32(a, "ike-group") : 2;
  if (cli_has(a, "lifetime"))
    n.lifetime = cli_has(a, "ike-lifetime") ? cfg_arg_u32(a, "ike-lifetime") : CFG_IKE_LIFE_DEFAULT;
  if (cli_has(a, "aggressive-mode"))
    n.aggressive = (Erx__Cfg__AggressiveMode)KW(cfg_aggr_kw, cli_arg(a, "ike-aggr"));
  if (memcmp(&n, r, sizeof n) != 0) {
    *r = n;
    cfg_rule_touched(x->model, r);
  }
  return 0;
}

static const cli_cmd_t config_cmds[] = {
    {"ipsec ike-policy-rule (1-10000)$priority", h_rule, 0, NULL},
    {"ipsec isakmp-policy-rule (1-10000)$priority", h_rule, 0,
     "isakmp-policy-rule=Configure an IKE policy rule (old name of ike-policy-rule)"},
    {"no ipsec ike-policy-rule (1-10000)$priority", h_no_rule, 0, NULL},
    {"no ipsec isakmp-policy-rule (1-10000)$priority", h_no_rule, 0,
     "isakmp-policy-rule=Remove an IKE policy rule (old name of ike-policy-rule)"},
};

static const cli_cmd_t policy_cmds[] = {
    {"encryption <des|3des|aes128|aes192|aes256>$ike-enc", h_param, 0, NULL},
    {"hash <md5|sha|sha256>$ike-hash", h_param, 0, NULL},
    {"authentication <pre-share|rsa-sig>$ike-auth", h_param, 0, NULL},
    {"group <1|2|5|14>$ike-group", h_param, 0,
     "1=768-bit MODP group\n2=1024-bit MODP group (default)\n5=1536-bit MODP group\n14=2048-bit MODP group (ext)"},
    {"lifetime (60-86400)$ike-lifetime", h_param, 0, "lifetime=IKE SA lifetime"},
    {"aggressive-mode <accepted|requested|required|none>$ike-aggr", h_param, 0, NULL},
    {"no encryption", h_param, 0, NULL},
    {"no hash", h_param, 0, NULL},
    {"no authentication", h_param, 0, NULL},
    {"no group", h_param, 0, NULL},
    {"no lifetime", h_param, 0, "lifetime=IKE SA lifetime"},
    {"no aggressive-mode", h_param, 0, NULL},
};

const cfg_cmd_span_t cfg_ike_config = CFG_SPAN(config_cmds);
const cfg_cmd_span_t cfg_ike_policy = CFG_SPAN(policy_cmds);
