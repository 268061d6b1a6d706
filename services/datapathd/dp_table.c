#include "dp_table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

int dp_table_init(dp_table_t *t, char *err, size_t errlen)
{
  memset(t, 0, sizeof *t);
  t->ep_out = t->ep_in = t->stop_fd = -1;
  pthread_rwlockattr_t attr;
  pthread_rwlockattr_init(&attr);
  /* two readers that take turns would otherwise starve the control thread */
  pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
  int rc = pthread_rwlock_init(&t->lock, &attr);
  pthread_rwlockattr_destroy(&attr);
  if (rc != 0) {
    snprintf(err, errlen, "rwlock: %s", strerror(rc));
    return -1;
  }
  dp_idmap_init(&t->spi_index);
  t->ep_out = epoll_create1(EPOLL_CLOEXEC);
  t->ep_in = epoll_create1(EPOLL_CLOEXEC);
  t->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0};
  if (t->ep_out < 0 || t->ep_in < 0 || t->stop_fd < 0 || epoll_ctl(t->ep_out, EPOLL_CTL_ADD, t->stop_fd, &ev) != 0 ||
      epoll_ctl(t->ep_in, EPOLL_CTL_ADD, t->stop_fd, &ev) != 0) {
    snprintf(err, errlen, "epoll/eventfd: %s", strerror(errno));
    dp_table_destroy(t);
    return -1;
  }
  return 0;
}

void dp_table_destroy(dp_table_t *t)
{
  if (t->ep_out >= 0)
    close(t->ep_out);
  if (t->ep_in >= 0)
    close(t->ep_in);
  if (t->stop_fd >= 0)
    close(t->stop_fd);
  t->ep_out = t->ep_in = t->stop_fd = -1;
  free(t->tunnels.ptr);
  free(t->tunnels.gen);
  free(t->socks.ptr);
  free(t->socks.gen);
  dp_idmap_free(&t->spi_index);
  pthread_rwlock_destroy(&t->lock);
}

void dp_table_wrlock(dp_table_t *t) { pthread_rwlock_wrlock(&t->lock); }
void dp_table_rdlock(dp_table_t *t) { pthread_rwlock_rdlock(&t->lock); }
void dp_table_unlock(dp_table_t *t) { pthread_rwlock_unlock(&t->lock); }

/* id = generation << 32 | (index + 1): a reused index gets a new generation */
uint64_t dp_slots_add(dp_slots_t *s, void *p)
{
  uint32_t i = 0;
  while (i < s->cap && s->ptr[i])
    i++;
  if (i == s->cap) {
    uint32_t cap = s->cap ? s->cap * 2 : 64;
    void **np = realloc(s->ptr, cap * sizeof *np);
    if (!np)
      return 0;
    s->ptr = np;
    uint32_t *ng = realloc(s->gen, cap * sizeof *ng);
    if (!ng)
      return 0;
    s->gen = ng;
    for (uint32_t j = s->cap; j < cap; j++) {
      s->ptr[j] = NULL;
      s->gen[j] = 0;
    }
    s->cap = cap;
  }
  s->ptr[i] = p;
  s->gen[i]++;
  return (uint64_t)s->gen[i] << 32 | (i + 1);
}

void *dp_slots_get(const dp_slots_t *s, uint64_t id)
{
  uint32_t i = (uint32_t)id - 1;
  if ((uint32_t)id == 0 || i >= s->cap || s->gen[i] != (uint32_t)(id >> 32))
    return NULL;
  return s->ptr[i];
}

void dp_slots_del(dp_slots_t *s, uint64_t id)
{
  if (dp_slots_get(s, id))
    s->ptr[(uint32_t)id - 1] = NULL;
}

static uint64_t spi_key(const dp_rawsock_t *s, uint32_t spi) { return (s->id & 0xffffffffu) << 32 | spi; }

bool dp_table_add_in(dp_table_t *t, dp_sa_slot_t *sa, const dp_tunnel_t **other)
{
  *other = NULL;
  dp_rawsock_t *s = sa->sock;
  if (!s)
    return false;
  const dp_sa_slot_t *o = dp_idmap_get(&t->spi_index, spi_key(s, sa->spi));
  if (o == sa)
    return true;
  if (o) {
    *other = o->tunnel;
    return false;
  }
  return dp_idmap_put(&t->spi_index, spi_key(s, sa->spi), sa);
}

void dp_table_del_in(dp_table_t *t, dp_sa_slot_t *sa)
{
  dp_rawsock_t *s = sa->sock;
  if (s && dp_idmap_get(&t->spi_index, spi_key(s, sa->spi)) == sa)
    dp_idmap_del(&t->spi_index, spi_key(s, sa->spi));
}

bool dp_table_add_tunnel(dp_table_t *t, dp_tunnel_t *tun, const dp_tunnel_t **other)
{
  *other = NULL;
  for (unsigned i = 0; i < tun->n_in; i++) {
    const dp_sa_slot_t *o = dp_idmap_get(&t->spi_index, spi_key(tun->in[i]->sock, tun->in[i]->spi));
    if (o && o->tunnel != tun) {
      *other = o->tunnel;
      return false;
    }
  }
  if (!tun->tun_id) {
    tun->tun_id = dp_slots_add(&t->tunnels, tun);
    if (!tun->tun_id)
      return false;
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tun->tun_id};
    if (epoll_ctl(t->ep_out, EPOLL_CTL_ADD, tun->tun.fd, &ev) != 0) {
      dp_slots_del(&t->tunnels, tun->tun_id);
      tun->tun_id = 0;
      return false;
    }
  }
  for (unsigned i = 0; i < tun->n_in; i++)
    if (!dp_table_add_in(t, tun->in[i], other))
      return false;
  return true;
}

void dp_table_del_tunnel(dp_table_t *t, dp_tunnel_t *tun)
{
  for (unsigned i = 0; i < tun->n_in; i++)
    dp_table_del_in(t, tun->in[i]);
  if (tun->tun_id) {
    epoll_ctl(t->ep_out, EPOLL_CTL_DEL, tun->tun.fd, NULL);
    dp_slots_del(&t->tunnels, tun->tun_id);
    tun->tun_id = 0;
  }
}

bool dp_table_add_sock(dp_table_t *t, dp_rawsock_t *s)
{
  s->id = dp_slots_add(&t->socks, s);
  if (!s->id)
    return false;
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = s->id};
  if (epoll_ctl(t->ep_in, EPOLL_CTL_ADD, s->raw.fd, &ev) != 0) {
    dp_slots_del(&t->socks, s->id);
    s->id = 0;
    return false;
  }
  return true;
}

void dp_table_del_sock(dp_table_t *t, dp_rawsock_t *s)
{
  if (!s->id)
    return;
  epoll_ctl(t->ep_in, EPOLL_CTL_DEL, s->raw.fd, NULL);
  dp_slots_del(&t->socks, s->id);
  s->id = 0;
}
