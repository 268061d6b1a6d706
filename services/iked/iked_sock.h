/* iked's UDP sockets: one per (transport virtual router, local address,
 * port), opened inside the virtual router's network namespace and watched
 * by the event loop: 500, and 4500 for NAT traversal (the non-ESP marker
 * is the caller's, iked_input.c / iked_peer.c). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
typedef struct iked_sock iked_sock_t;

/* One datagram from from:port (host order); msg valid during the call. */
typedef void (*iked_sock_recv_fn)(void *arg, iked_sock_t *s, const uint8_t *msg, size_t len, uint32_t from,
                                  uint16_t port);

/* ns: the network namespace to open it in (NULL: where iked runs).  The
 * local address need not exist yet (IP_FREEBIND).  NULL with err. */
iked_sock_t *iked_sock_open(struct event_base *base, const char *ns, const char *vr, uint32_t local, uint16_t port,
                            iked_sock_recv_fn fn, void *arg, char *err, size_t errlen);
/* 0, or -1 with errno (the datagram is lost: retransmission covers it) */
int iked_sock_send(iked_sock_t *s, uint32_t to, uint16_t port, const uint8_t *msg, size_t len);
const char *iked_sock_vr(const iked_sock_t *s);
uint32_t iked_sock_local(const iked_sock_t *s);
void iked_sock_close(iked_sock_t *s);
