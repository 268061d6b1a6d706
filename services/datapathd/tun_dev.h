/* A tunnel interface: a TUN device (IFF_TUN, no packet info) carrying the
 * tunnel's address and MTU, its full name as the interface alias, and routes
 * to the peer's protected subnets.  Created in the calling thread's network
 * namespace (see netns.h). */
#pragma once
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include <stdbool.h>

typedef struct dp_tun {
  int fd; /* non-blocking; one packet per read/write */
  char name[IFNAMSIZ];
  int ifindex;
  bool vnet; /* every read and write starts with a virtio-net header (tcp_gso.h) */
} dp_tun_t;

/* Creates (or attaches to) the TUN device name.  0, or -1 with err (errno
 * kept: EBUSY while a device of that name is still being removed). */
int dp_tun_open(dp_tun_t *t, const char *name, char *err, size_t errlen);
/* The same with a virtio-net header and TCP segmentation offload: the kernel
 * hands over TCP packets of up to 64 KB, and may leave checksums to us. */
int dp_tun_open_offload(dp_tun_t *t, const char *name, char *err, size_t errlen);
/* addr/mask host order; addr 0 = no address.  Brings the device up. */
int dp_tun_configure(const dp_tun_t *t, uint32_t addr, uint32_t mask, unsigned mtu, const char *alias, char *err,
                     size_t errlen);
/* Route net/mask (host order) through the device; an existing route is fine. */
int dp_tun_route(const dp_tun_t *t, uint32_t net, uint32_t mask, char *err, size_t errlen);
/* Closes the descriptor.  A persistent device (dp_tun_set_persist) stays,
 * with its address and routes, for the next datapathd to attach to. */
void dp_tun_close(dp_tun_t *t);
/* Survive the process (TUNSETPERSIST): a restart re-attaches at once, and a
 * kill -9 does not make the kernel tear down every interface. */
int dp_tun_set_persist(const dp_tun_t *t, bool on, char *err, size_t errlen);
/* Takes the device down (the kernel drops the routes through it). */
int dp_tun_set_down(const dp_tun_t *t, char *err, size_t errlen);
/* Removes the device: not persistent any more, then closed. */
void dp_tun_destroy(dp_tun_t *t);
