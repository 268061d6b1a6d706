#include "cfg_tunnel_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "transforms.h"

typedef struct {
  char (*out)[CFG_PROBLEM_LEN];
  size_t n;
} problems_t;

static void add(problems_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(problems_t *p, const char *fmt, ...)
{
  if (p->n >= CFG_MAX_PROBLEMS)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->out[p->n++], CFG_PROBLEM_LEN, fmt, ap);
  va_end(ap);
}

static bool set_has(const cfg_tset_t *s, Erx__Cfg__Transform xf)
{
  for (size_t i = 0; i < s->n; i++)
    if (s->xf[i] == xf)
      return true;
  return false;
}

static void check_manual_key(problems_t *p, const cfg_tunnel_t *t, const cfg_tset_t *set, const char *dir,
                             const cfg_session_key_t *k)
{
  if (!k->set) {
    add(p, "no %s session key (tunnel session-key-%s)", dir, dir);
    return;
  }
  const erx_transform_info_t *xf = erx_transform_by_id(k->xf);
  if (set && !set_has(set, k->xf))
    add(p, "manual SA transform %s is not in transform set %s", xf ? xf->keyword : "?", set->name);
}

size_t cfg_tunnel_problems(const cfg_model_t *m, const cfg_tunnel_t *t, char out[][CFG_PROBLEM_LEN])
{
  problems_t p = {out, 0};
  const cfg_tset_t *set = NULL;
  bool manual = t->signaling == ERX__CFG__SIGNALING__SIG_MANUAL;

  if (!cfg_vr_get(m, t->transport_vr))
    add(&p, "transport virtual-router %s does not exist", t->transport_vr);
  if (!t->tset[0])
    add(&p, "no transform set (tunnel transform-set)");
  else if (!(set = cfg_tset_get(m, t->tset)))
    add(&p, "transform set %s does not exist", t->tset);
  if (t->source.type == ERX__CFG__ENDPOINT_TYPE__EP_NONE)
    add(&p, "no tunnel source");
  if (t->destination.type == ERX__CFG__ENDPOINT_TYPE__EP_NONE)
    add(&p, "no tunnel destination");

  if (manual) {
    if (set && set->n != 1)
      add(&p, "a manual tunnel's transform set must hold exactly one transform (%s holds %zu)", set->name, set->n);
    if (t->source.type == ERX__CFG__ENDPOINT_TYPE__EP_FQDN ||
        (t->destination.type != ERX__CFG__ENDPOINT_TYPE__EP_NONE &&
         t->destination.type != ERX__CFG__ENDPOINT_TYPE__EP_ADDRESS))
      add(&p, "a manual tunnel needs address endpoints, not fqdn identities");
    check_manual_key(&p, t, set, "inbound", &t->in);
    check_manual_key(&p, t, set, "outbound", &t->out);
  } else if (t->destination.type != ERX__CFG__ENDPOINT_TYPE__EP_NONE) {
    const cfg_psk_t *k = cfg_psk_get(m, t->transport_vr, t->destination.value);
    if (!k && t->destination.type == ERX__CFG__ENDPOINT_TYPE__EP_USER_FQDN) {
      /* JUNOSe retries user@fqdn as the bare fqdn */
      const char *at = strchr(t->destination.value, '@');
      k = at ? cfg_psk_get(m, t->transport_vr, at + 1) : NULL;
    }
    if (!k || !k->masked)
      add(&p, "no pre-shared key for %s in virtual-router %s", t->destination.value, t->transport_vr);
  }
  return p.n;
}
