/* ipsec key manual pre-share PEER and the (config-manual-key) mode. Keys are
 * kept and shown only masked; the journal gets the masked form. */
#include <ctype.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_check.h"
#include "cmds.h"

static int h_psk(cli_exec_t *x, const cli_args_t *a)
{
  const char *peer = cli_arg(a, "peer");
  Erx__Cfg__PeerType type;
  if (cfg_check_peer(x, peer, &type))
    return -1;
  if (!cfg_psk_add(x->model, x->ctx.vr, peer, type))
    return cfg_err(x, "out of memory");
  x->ctx.mode = CFG_MODE_MANUAL_KEY;
  snprintf(x->ctx.object, sizeof x->ctx.object, "%s", peer);
  return 0;
}

typedef struct {
  const char *vr, *peer;
} psk_ref_t;

static bool uses_psk(const cfg_tunnel_t *t, const void *arg)
{
  const psk_ref_t *r = arg;
  return strcmp(t->transport_vr, r->vr) == 0 &&
         ((t->destination.type != ERX__CFG__ENDPOINT_TYPE__EP_NONE && strcmp(t->destination.value, r->peer) == 0) ||
          (t->backup.type != ERX__CFG__ENDPOINT_TYPE__EP_NONE && strcmp(t->backup.value, r->peer) == 0));
}

static int h_no_psk(cli_exec_t *x, const cli_args_t *a)
{
  const char *peer = cli_arg(a, "peer");
  if (!cfg_psk_get(x->model, x->ctx.vr, peer))
    return cfg_err(x, "No pre-shared key for %s in virtual-router %s", peer, x->ctx.vr);
  psk_ref_t ref = {x->ctx.vr, peer};
  char *users = cfg_tunnels_where(x->model, uses_psk, &ref);
  if (users) {
    cfg_err(x, "The pre-shared key for %s is in use by tunnel(s) %s", peer, users);
    free(users);
    return -1;
  }
  cfg_psk_del(x->model, x->ctx.vr, peer);
  return 0;
}

static cfg_psk_t *current_psk(cli_exec_t *x)
{
  return cfg_psk_get(x->model, x->ctx.vr, x->ctx.object);
}

static int h_key(cli_exec_t *x, const cli_args_t *a)
{
  const char *key = cli_arg(a, "key-text");
  size_t len = strlen(key);
  if (len == 0 || len > CFG_PSK_MAX)
    return cfg_err(x, "A pre-shared key is 1 to %d characters (%zu given)", CFG_PSK_MAX, len);
  for (size_t i = 0; i < len; i++)
    if (!isprint((unsigned char)key[i]))
      return cfg_err(x, "A pre-shared key may contain only printable characters");
  cfg_psk_t *p = current_psk(x);
  char *masked = erx_mask(x->masker, (const uint8_t *)key, len);
  if (!p || !masked) {
    free(masked);
    return cfg_err(x, "could not mask the key");
  }
  size_t jl = strlen(masked) + 16;
  x->journal_line = malloc(jl);
  if (!x->journal_line) {
    free(masked);
    return cfg_err(x, "out of memory");
  }
  snprintf(x->journal_line, jl, "masked-key \"%s\"", masked);
  cfg_psk_set_key(p, masked, (const uint8_t *)key, len);
  cfg_psk_touched(x->model, p);
  return 0;
}

static int h_masked_key(cli_exec_t *x, const cli_args_t *a)
{
  const char *masked = cli_arg(a, "masked");
  char why[160];
  size_t len = 0;
  uint8_t *secret = erx_unmask(x->masker, masked, &len, why, sizeof why);
  if (!secret)
    return cfg_err(x, "Masked key refused: %s", why);
  cfg_psk_t *p = current_psk(x);
  char *copy = strdup(masked);
  int rc = 0;
  if (!p || !copy || len == 0 || len > CFG_PSK_MAX) {
    free(copy);
    rc = cfg_err(x, "Masked key refused: not a pre-shared key");
  } else if (!p->masked || strcmp(p->masked, copy) != 0) {
    cfg_psk_set_key(p, copy, secret, len);
    cfg_psk_touched(x->model, p);
  } else {
    free(copy);
  }
  OPENSSL_cleanse(secret, len);
  free(secret);
  return rc;
}

static int h_no_key(cli_exec_t *x, const cli_args_t *a)
{
  cfg_psk_t *p = current_psk(x);
  if (p && p->masked) {
    cfg_psk_set_key(p, NULL, NULL, 0);
    cfg_psk_touched(x->model, p);
  }
  return 0;
}

static const cli_cmd_t config_cmds[] = {
    {"ipsec key manual pre-share WORD$peer", h_psk, 0, NULL},
    {"no ipsec key manual pre-share WORD$peer", h_no_psk, 0, NULL},
};

static const cli_cmd_t manual_key_cmds[] = {
    {"key WORD$key-text", h_key, 0, "key=Enter the key in clear text (it is stored and shown masked)"},
    {"masked-key WORD$masked", h_masked_key, 0, NULL},
    {"no key", h_no_key, 0, NULL},
};

const cfg_cmd_span_t cfg_psk_config = CFG_SPAN(config_cmds);
const cfg_cmd_span_t cfg_psk_manual_key = CFG_SPAN(manual_key_cmds);
