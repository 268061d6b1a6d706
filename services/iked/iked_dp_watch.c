#include "iked_dp_watch.h"

#include <stdlib.h>

#include "bus.pb-c.h"
#include "clone_sub.h"
#include "endpoints.h"
#include "iked_peer_priv.h"
#include "log.h"

struct iked_dp_watch {
  erx_clone_sub_t *sub;
  iked_peer_t *pm;
  uint64_t epoch; /* datapathd's incarnation, 0 before the first snapshot */
};

static void on_set(void *arg, const char *topic, const char *key, const ProtobufCMessage *body)
{
  (void)topic;
  (void)key;
  iked_dp_watch_t *w = arg;
  if (body->descriptor != &erx__dp__sa_event__descriptor)
    return;
  const Erx__Dp__SaEvent *e = (const Erx__Dp__SaEvent *)body;
  if (!e->manual && e->life == ERX__DP__SA_LIFE__SA_SOFT_EXPIRED)
    iked_tun_soft_expired(w->pm, e->vr, e->tunnel, e->spi);
}

static void on_del(void *arg, const char *topic, const char *key)
{
  (void)arg;
  (void)topic;
  (void)key;
}

/* A restarted datapathd reinstalls our SAs from the Clone snapshot, but
 * its outbound sequence numbers start again at 1, below the peer's replay
 * window: every tunnel gets new SAs at once. */
static void on_sync(void *arg, bool synced)
{
  iked_dp_watch_t *w = arg;
  if (!synced)
    return;
  uint64_t e = erx_clone_sub_epoch(w->sub);
  if (w->epoch && e != w->epoch) {
    LOG_INFO("datapathd restarted: rekeying every tunnel (its outbound sequence numbers started again)");
    iked_tun_rekey_all(w->pm);
  }
  w->epoch = e;
}

iked_dp_watch_t *iked_dp_watch_new(erx_bus_t *bus, iked_peer_t *pm)
{
  char pub[256], snap[256];
  if (erx_endpoint(ERX_SVC_DATAPATHD, ERX_SOCK_PUB, false, pub, sizeof pub) ||
      erx_endpoint(ERX_SVC_DATAPATHD, ERX_SOCK_SNAP, false, snap, sizeof snap))
    return NULL;
  iked_dp_watch_t *w = calloc(1, sizeof *w);
  if (!w)
    return NULL;
  w->pm = pm;
  static const erx_clone_sub_cbs_t cbs = {.on_set = on_set, .on_del = on_del, .on_sync = on_sync};
  w->sub = erx_clone_sub_new(bus, "dp", pub, snap, "dp.sa", &cbs, w);
  if (!w->sub) {
    free(w);
    return NULL;
  }
  return w;
}

void iked_dp_watch_destroy(iked_dp_watch_t **w_p)
{
  iked_dp_watch_t *w = *w_p;
  if (!w)
    return;
  erx_clone_sub_destroy(&w->sub);
  free(w);
  *w_p = NULL;
}
