/* interface tunnel ipsec:NAME and the (config-if) mode.  Consistency between
 * signaling, transform set and session keys is judged when the tunnel is
 * brought up (cfg_tunnel_problems), not here: the seed itself types session
 * keys whose transforms differ from the set it assigns. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_check.h"
#include "cfg_license.h"
#include "cmds.h"
#include "log.h"
#include "transforms.h"

static const char *strip_ipsec(const char *word)
{
  return strncasecmp(word, "ipsec:", 6) == 0 ? word + 6 : word;
}

static int h_interface(cli_exec_t *x, const cli_args_t *a)
{
  const char *name = strip_ipsec(cli_arg(a, "tunnel-name"));
  const char *tvr = cli_arg(a, "tvr-name");
  if (cfg_check_name(x, "A tunnel name", name, CFG_NAME_MAX))
    return -1;
  if (tvr && cfg_check_name(x, "A virtual-router name", tvr, CFG_VR_NAME_MAX))
    return -1;
  cfg_tunnel_t *t = cfg_tunnel_get(x->model, x->ctx.vr, name);
  if (!t) {
    /* licensed admits a new tunnel before anything is stored; a saved
     * configuration being replayed is kept whole (licensed blocks extras) */
    char why[256], key[CFG_VR_NAME_MAX + CFG_NAME_MAX + 2];
    snprintf(key, sizeof key, "%s/%s", x->ctx.vr, name);
    const char *verdict = x->admitted ? erx_strmap_get(x->admitted, key) : NULL;
    if (verdict && *verdict)
      return cfg_err(x, "%s", verdict);
    if (!verdict && x->lic && !x->replay && cfg_lic_admit(x->lic, x->ctx.vr, name, why, sizeof why) != 0)
      return cfg_err(x, "%s", why);
    t = cfg_tunnel_add(x->model, x->ctx.vr, name, tvr ? tvr : x->ctx.vr);
    if (!t)
      return cfg_err(x, "out of memory");
    if (!x->replay)
      LOG_INFO("tunnel=%s:ipsec:%s created (transport virtual-router %s)", x->ctx.vr, name, t->transport_vr);
  } else if (tvr && strcmp(t->transport_vr, tvr) != 0) {
    snprintf(t->transport_vr, sizeof t->transport_vr, "%s", tvr);
    cfg_tunnel_touched(x->model, t);
  }
  x->ctx.mode = CFG_MODE_IF;
  snprintf(x->ctx.object, sizeof x->ctx.object, "%s", name);
  return 0;
}

static int h_no_interface(cli_exec_t *x, const cli_args_t *a)
{
  const char *name = strip_ipsec(cli_arg(a, "tunnel-name"));
  if (!cfg_tunnel_get(x->model, x->ctx.vr, name))
    return cfg_err(x, "Interface tunnel ipsec:%s does not exist in virtual-router %s", name, x->ctx.vr);
  cfg_tunnel_del(x->model, x->ctx.vr, name);
  LOG_INFO("tunnel=%s:ipsec:%s deleted", x->ctx.vr, name);
  return 0;
}

/* Handlers below edit a copy of the scalar fields and store it only if it differs. */
static cfg_tunnel_t *current(cli_exec_t *x)
{
  return cfg_tunnel_get(x->model, x->ctx.vr, x->ctx.object);
}

static int store_if_changed(cli_exec_t *x, cfg_tunnel_t *t, const cfg_tunnel_t *n)
{
  if (memcmp(t, n, sizeof *t) != 0) {
    memcpy(t, n, sizeof *t);
    cfg_tunnel_touched(x->model, t);
  }
  return 0;
}

#define EDIT_BEGIN                                                                                               \
  cfg_tunnel_t *t = current(x);                                                                                \
  if (!t)                                                                                                      \
    return cfg_err(x, "The tunnel no longer exists");                                                          \
  cfg_tunnel_t n = *t;                                                                                         \
  bool no = cli_has(a, "no");                                                                                  \
  (void)no

static int h_ip_address(cli_exec_t *x, const cli_args_t *a)
{
  EDIT_BEGIN;
  if (no) {
    n.has_address = false;
    n.address = n.mask = 0;
  } else {
    uint32_t addr, mask;
    erx_ipv4_parse(cli_arg(a, "if-address"), &addr);
    erx_ipv4_parse(cli_arg(a, "if-mask"), &mask);
    if (!erx_mask_valid(mask) || mask == 0)
      return cfg_err(x, "%s is not a valid mask", cli_arg(a, "if-mask"));
    n.has_address = true;
    n.address = addr;
    n.mask = mask;
  }
  return store_if_changed(x, t, &n);
}

static int h_transform_set(cli_exec_t *x, const cli_args_t *a)
{
  EDIT_BEGIN;
  const char *set = no ? "" : cli_arg(a, "set-name");
  if (!no && cfg_check_name(x, "A transform-set name", set, CFG_SET_NAME_MAX))
    return -1;
  snprintf(n.tset, sizeof n.tset, "%s", set);
  return store_if_changed(x, t, &n);
}

static int h_signaling(cli_exec_t *x, const cli_args_t *a)
{
  EDIT_BEGIN;
  const char *s = cli_arg(a, "signaling-type");
  n.signaling = s && strcmp(s, "manual") == 0 ? ERX__CFG__SIGNALING__SIG_MANUAL : ERX__CFG__SIGNALING__SIG_ISAKMP;
  return store_if_changed(x, t, &n);
}

/* <A.B.C.D | identity WORD> for destination and backup; plain fqdn for source */
static int parse_endpoint(cli_exec_t *x, const cli_args_t *a, const char *addr_cap, const char *name_cap,
                          cfg_endpoint_t *ep)
{
  const char *addr = cli_arg(a, addr_cap);
  const char *name = cli_arg(a, name_cap);
  memset(ep, 0, sizeof *ep);
  if (addr) {
    ep->type = ERX__CFG__ENDPOINT_TYPE__EP_ADDRESS;
    snprintf(ep->value, sizeof ep->value, "%s", addr);
    return 0;
  }
  if (!name)
    return 0;
  Erx__Cfg__PeerType pt;
  if (cfg_check_peer(x, name, &pt))
    return -1;
  if (pt == ERX__CFG__PEER_TYPE__PEER_ADDRESS) {
    ep->type = ERX__CFG__ENDPOINT_TYPE__EP_ADDRESS;
  } else {
    ep->type =
        pt == ERX__CFG__PEER_TYPE__PEER_FQDN ? ERX__CFG__ENDPOINT_TYPE__EP_FQDN : ERX__CFG__ENDPOINT_TYPE__EP_USER_FQDN;
  }
  snprintf(ep->value, sizeof ep->value, "%s", name);
  return 0;
}

static int h_source(cli_exec_t *x, const cli_args_t *a)
{
  EDIT_BEGIN;
  if (parse_endpoint(x, a, "src-address", "src-fqdn", &n.source))
    return -1;
  if (n.source.type == ERX__CFG__ENDPOINT_TYPE__EP_USER_FQDN)
    return cfg_err(x, "A tunnel source is an address or an fqdn, not user@fqdn");
  return store_if_changed(x, t, &n);
}

static int h_destination(cli_exec_t *x, const cli_args_t *a)
{
  EDIT_BEGIN;
  if (parse_endpoint(x, a, "dst-address", "dst-identity", &n.destination))
    return -1;
  return store_if_changed(x, t, &n);
}

static int h_backup(cli_exec_t *x, const cli_args_t *a)
{
  EDIT_BEGIN;
  if (parse_endpoint(x, a, "bk-address", "bk-identity", &n.backup))
    return -1;
  return store_if_changed(x, t, &n);
}

static int parse_identity(cli_exec_t *x, const cli_args_t *a, cfg_identity_t *id)
{
  char buf[ERX_ADDR_STRLEN];
  memset(id, 0, sizeof *id);
  if (cli_has(a, "no"))
    return 0; /* subnet 0.0.0.0 0.0.0.0: anything routed into the tunnel */
  if (cli_has(a, "subnet")) {
    id->type = ERX__CFG__IDENTITY_TYPE__ID_SUBNET;
    erx_ipv4_parse(cli_arg(a, "id-net"), &id->a1);
    erx_ipv4_parse(cli_arg(a, "id-mask"), &id->a2);
    if (!erx_mask_valid(id->a2))
      return cfg_err(x, "%s is not a valid mask", cli_arg(a, "id-mask"));
    if (id->a1 & ~id->a2)
      return cfg_err(x, "%s %s has host bits set; the subnet is %s", cli_arg(a, "id-net"), cli_arg(a, "id-mask"),
                     erx_ipv4_format(id->a1 & id->a2, buf));
  } else if (cli_has(a, "address")) {
    id->type = ERX__CFG__IDENTITY_TYPE__ID_ADDRESS;
    erx_ipv4_parse(cli_arg(a, "id-addr"), &id->a1);
  } else {
    id->type = ERX__CFG__IDENTITY_TYPE__ID_RANGE;
    erx_ipv4_parse(cli_arg(a, "id-lo"), &id->a1);
    erx_ipv4_parse(cli_arg(a, "id-hi"), &id->a2);
    if (id->a1 > id->a2)
      return cfg_err(x, "The range %s %s ends before it starts", cli_arg(a, "id-lo"), cli_arg(a, "id-hi"));
  }
  return 0;
}

static int h_local_identity(cli_exec_t *x, const cli_args_t *a)
{
  EDIT_BEGIN;
  if (parse_identity(x, a, &n.local_id))
    return -1;
  return store_if_changed(x, t, &n);
}

static int h_peer_identity(cli_exec_t *x, const cli_args_t *a)
{
  EDIT_BEGIN;
  if (parse_identity(x, a, &n.peer_id))
    return -1;
  return store_if_changed(x, t, &n);
}

static int h_pfs(cli_exec_t *x, const cli_args_t *a)
{
  EDIT_BEGIN;
  n.pfs_group = no ? 0 : cfg_arg_u32(a, "pfs-group");
  return store_if_changed(x, t, &n);
}

static int h_lifetime(cli_exec_t *x, const cli_args_t *a)
{
  EDIT_BEGIN;
  n.life_s = cfg_arg_u32(a, "life-seconds");
  n.life_kb = cfg_arg_u64(a, "life-kilobytes");
  return store_if_changed(x, t, &n);
}

static int h_mtu(cli_exec_t *x, const cli_args_t *a)
{
  EDIT_BEGIN;
  n.mtu = no ? CFG_MTU_DEFAULT : cfg_arg_u32(a, "mtu-size");
  return store_if_changed(x, t, &n);
}

/* ---- manual session keys ---- */

static bool spi_in_use(const cfg_model_t *m, uint32_t spi)
{
  erx_strmap_iter_t it = ERX_STRMAP_ITER_INIT;
  const char *k;
  void *v;
  while (erx_strmap_next(m->tunnels, &it, &k, &v)) {
    const cfg_tunnel_t *t = v;
    if (t->in.set && t->in.spi == spi)
      return true;
  }
  return false;
}

static uint32_t allocate_spi(const cfg_model_t *m)
{
  for (uint32_t spi = 256; spi != 0; spi++)
    if (!spi_in_use(m, spi))
      return spi;
  return 0;
}

static int session_key(cli_exec_t *x, const cli_args_t *a, bool inbound)
{
  cfg_tunnel_t *t = current(x);
  if (!t)
    return cfg_err(x, "The tunnel no longer exists");
  cfg_session_key_t *slot = inbound ? &t->in : &t->out;
  if (cli_has(a, "no")) {
    if (slot->set) {
      cfg_session_key_clear(slot);
      cfg_tunnel_touched(x->model, t);
    }
    return 0;
  }
  const erx_transform_info_t *xf = erx_transform_by_keyword(cli_arg(a, "sk-transform"));
  if (!xf)
    return cfg_err(x, "Unknown transform");
  cfg_session_key_t k = {.set = true, .xf = xf->id, .enc_len = xf->enc_key_len, .auth_len = xf->auth_key_len};
  k.spi = cli_has(a, "spi") ? cfg_arg_u32(a, "spi") : 0;
  const char *masked = cli_arg(a, "sk-masked");
  size_t need = k.enc_len + k.auth_len;
  int rc = -1;
  if (masked) {
    char why[160];
    size_t len = 0;
    uint8_t *blob = erx_unmask(x->masker, masked, &len, why, sizeof why);
    if (!blob)
      return cfg_err(x, "Masked key refused: %s", why);
    if (len != need) {
      cfg_err(x, "Masked key refused: it holds %zu bytes of key, %s needs %zu", len, xf->keyword, need);
    } else {
      memcpy(k.key, blob, need);
      rc = 0;
    }
    OPENSSL_cleanse(blob, len);
    free(blob);
    if (rc)
      return rc;
  } else {
    size_t nkeys = cli_argc(a, "sk-key");
    size_t want = (k.enc_len ? 1 : 0) + (k.auth_len ? 1 : 0);
    if (nkeys != want) {
      if (k.enc_len && k.auth_len)
        return cfg_err(x, "%s needs an encryption key (%zu hex digits) and an authentication key (%zu hex digits)",
                       xf->keyword, 2 * k.enc_len, 2 * k.auth_len);
      return cfg_err(x, "%s needs one %s key of %zu hex digits", xf->keyword, k.enc_len ? "encryption" : "authentication",
                     2 * (k.enc_len + k.auth_len));
    }
    size_t i = 0;
    if (k.enc_len && cfg_parse_hex(x, "The encryption key", cli_argv(a, "sk-key", i++), k.key, k.enc_len))
      goto wipe;
    if (k.auth_len && cfg_parse_hex(x, "The authentication key", cli_argv(a, "sk-key", i), k.key + k.enc_len, k.auth_len))
      goto wipe;
  }
  if (inbound && k.spi == 0) {
    k.spi = (slot->set && slot->spi) ? slot->spi : allocate_spi(x->model);
    if (k.spi == 0) {
      cfg_err(x, "No free SPI");
      goto wipe;
    }
  }
  if (inbound && k.spi != slot->spi && spi_in_use(x->model, k.spi)) {
    cfg_err(x, "Inbound SPI %u is already used by another tunnel", k.spi);
    goto wipe;
  }
  k.masked = masked ? strdup(masked) : erx_mask(x->masker, k.key, need);
  if (!k.masked) {
    cfg_err(x, "could not mask the key");
    goto wipe;
  }
  size_t jl = strlen(k.masked) + 96;
  x->journal_line = malloc(jl);
  if (!x->journal_line) {
    cfg_err(x, "out of memory");
    goto wipe;
  }
  snprintf(x->journal_line, jl, "tunnel session-key-%s %s %u masked-key \"%s\"", inbound ? "inbound" : "outbound",
           xf->keyword, k.spi, k.masked);
  if (slot->set && slot->xf == k.xf && slot->spi == k.spi && memcmp(slot->key, k.key, need) == 0) {
    /* same key: keep the stored masked form so show configuration does not churn */
    free(k.masked);
    OPENSSL_cleanse(&k, sizeof k);
    return 0;
  }
  cfg_session_key_clear(slot);
  *slot = k;
  cfg_tunnel_touched(x->model, t);
  return 0;
wipe:
  OPENSSL_cleanse(&k, sizeof k);
  return -1;
}

static int h_sk_in(cli_exec_t *x, const cli_args_t *a)
{
  return session_key(x, a, true);
}

static int h_sk_out(cli_exec_t *x, const cli_args_t *a)
{
  return session_key(x, a, false);
}

#define ENDPOINT(cap) "<A.B.C.D$" cap "-address|identity WORD$" cap "-identity>"
#define IDENTITY                                                                                                   \
  "<subnet A.B.C.D$id-net A.B.C.D$id-mask|address A.B.C.D$id-addr|range A.B.C.D$id-lo A.B.C.D$id-hi>"
#define SK_KEYS "<HEX$sk-key [HEX$sk-key]|masked-key WORD$sk-masked>"

static const cli_cmd_t config_cmds[] = {
    {"interface tunnel ipsec:NAME$tunnel-name [transport-virtual-router WORD$tvr-name]", h_interface, 0,
     "tunnel=IPsec tunnel interface"},
    {"no interface tunnel ipsec:NAME$tunnel-name", h_no_interface, 0, NULL},
};

static const cli_cmd_t if_cmds[] = {
    {"ip address A.B.C.D$if-address A.B.C.D$if-mask", h_ip_address, 0, "address=IP address of the interface"},
    {"no ip address", h_ip_address, 0, NULL},
    {"tunnel transform-set WORD$set-name", h_transform_set, 0,
     "transform-set=The transform set the tunnel negotiates with"},
    {"no tunnel transform-set", h_transform_set, 0,
     "transform-set=The transform set the tunnel negotiates with"},
    {"tunnel signaling <isakmp|manual>$signaling-type", h_signaling, 0, NULL},
    {"no tunnel signaling", h_signaling, 0, NULL},
    {"tunnel source <A.B.C.D$src-address|WORD$src-fqdn>", h_source, 0, NULL},
    {"no tunnel source", h_source, 0, NULL},
    {"tunnel destination " ENDPOINT("dst"), h_destination, 0, NULL},
    {"no tunnel destination", h_destination, 0, NULL},
    {"tunnel destination backup " ENDPOINT("bk"), h_backup, 0, NULL},
    {"no tunnel destination backup", h_backup, 0, NULL},
    {"tunnel local-identity " IDENTITY, h_local_identity, 0, NULL},
    {"no tunnel local-identity", h_local_identity, 0, NULL},
    {"tunnel peer-identity " IDENTITY, h_peer_identity, 0, NULL},
    {"no tunnel peer-identity", h_peer_identity, 0, NULL},
    {"tunnel pfs group <1|2|5|14>$pfs-group", h_pfs, 0,
     "1=768-bit MODP group\n2=1024-bit MODP group\n5=1536-bit MODP group\n14=2048-bit MODP group (ext)"},
    {"no tunnel pfs group", h_pfs, 0, NULL},
    {"tunnel lifetime " CFG_LIFETIME, h_lifetime, 0, "lifetime=Lifetime of this tunnel's IPsec SAs"},
    {"no tunnel lifetime", h_lifetime, 0, "lifetime=Lifetime of this tunnel's IPsec SAs"},
    {"tunnel mtu (160-9000)$mtu-size", h_mtu, 0, NULL},
    {"no tunnel mtu", h_mtu, 0, NULL},
    {"tunnel session-key-inbound " CFG_XFORMS "$sk-transform [(256-4294967295)$spi] " SK_KEYS, h_sk_in, 0, NULL},
    {"no tunnel session-key-inbound", h_sk_in, 0, NULL},
    {"tunnel session-key-outbound " CFG_XFORMS "$sk-transform (256-4294967295)$spi " SK_KEYS, h_sk_out, 0,
     "spi=Security parameter index, as the peer's inbound SA has it"},
    {"no tunnel session-key-outbound", h_sk_out, 0, NULL},
};

const cfg_cmd_span_t cfg_tunnel_config = CFG_SPAN(config_cmds);
const cfg_cmd_span_t cfg_tunnel_if = CFG_SPAN(if_cmds);
