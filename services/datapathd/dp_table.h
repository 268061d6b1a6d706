/* What the control thread and the two workers share: tunnels and raw sockets
 * (each with a slot id that goes into epoll data, so a stale event for a
 * closed descriptor finds nothing), the inbound SA index, the workers' epoll
 * sets and one reader-writer lock.  Workers hold the read lock for one batch
 * at a time; the control thread takes the write lock (writers preferred) to
 * change anything a worker may be reading. */
#pragma once
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "dp_idmap.h"
#include "dp_tunnel.h"

typedef struct dp_slots {
  void **ptr;
  uint32_t *gen;
  uint32_t cap;
} dp_slots_t;

typedef struct dp_table {
  pthread_rwlock_t lock;
  dp_slots_t tunnels, socks;
  dp_idmap_t spi_index; /* (socket id low 32 bits << 32 | SPI) -> inbound dp_sa_slot_t */
  int ep_out;           /* TUN devices -> outbound worker */
  int ep_in;            /* raw sockets -> inbound worker */
  int stop_fd;          /* eventfd in both sets: written once at shutdown */
  int stopping;
} dp_table_t;

int dp_table_init(dp_table_t *t, char *err, size_t errlen);
void dp_table_destroy(dp_table_t *t);

void dp_table_wrlock(dp_table_t *t);
void dp_table_rdlock(dp_table_t *t);
void dp_table_unlock(dp_table_t *t);

/* Slot ids are never 0.  Call with the write lock (add/del) or any lock (get). */
uint64_t dp_slots_add(dp_slots_t *s, void *p);
void *dp_slots_get(const dp_slots_t *s, uint64_t id);
void dp_slots_del(dp_slots_t *s, uint64_t id);

/* Write lock held.  The tunnel's TUN fd joins the outbound set, its inbound
 * SPIs the index (false: an SPI is taken, *other names the tunnel). */
bool dp_table_add_tunnel(dp_table_t *t, dp_tunnel_t *tun, const dp_tunnel_t **other);
void dp_table_del_tunnel(dp_table_t *t, dp_tunnel_t *tun);
/* Write lock held: one inbound SA of a tunnel whose socket is set. */
bool dp_table_add_in(dp_table_t *t, dp_sa_slot_t *sa, const dp_tunnel_t **other);
void dp_table_del_in(dp_table_t *t, dp_sa_slot_t *sa);
bool dp_table_add_sock(dp_table_t *t, dp_rawsock_t *s);
void dp_table_del_sock(dp_table_t *t, dp_rawsock_t *s);

/* Read lock held: the inbound SA with spi on socket s (sa->tunnel is its tunnel). */
static inline dp_sa_slot_t *dp_table_find_in(const dp_table_t *t, const dp_rawsock_t *s, uint32_t spi)
{
  return dp_idmap_get(&t->spi_index, (s->id & 0xffffffffu) << 32 | spi);
}
