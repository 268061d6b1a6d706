/* A tunnel as the data path holds it: what configuration asked for, the TUN
 * device and raw socket that carry it, its two SAs and its counters.  The
 * control thread creates and changes tunnels under the table's write lock;
 * the workers use them under the read lock, the outbound worker touching
 * only `out`/`cout`, the inbound worker only `in`/`cin`. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "config.pb-c.h"
#include "datapath.pb-c.h"
#include "dp_counters.h"
#include "dp_sa_life.h"
#include "dp_selector.h"
#include "raw_sock.h"
#include "replay_window.h"
#include "sa_crypto.h"
#include "tun_dev.h"

#define DP_VR_MAX 33
#define DP_NAME_MAX 81
#define DP_KEY_MAX (DP_VR_MAX + DP_NAME_MAX + 2)
#define DP_REASON_MAX 200
#define DP_PROTO_UDP 17 /* a raw socket kind: ESP in UDP */

/* A raw ESP or AH socket of one local address in one transport virtual
 * router; shared by every tunnel sourced there. */
typedef struct dp_rawsock {
  dp_raw_t raw;
  char vr[DP_VR_MAX];
  uint32_t addr;
  int proto;            /* 50 ESP, 51 AH, 17 ESP in UDP (RFC 3948) */
  unsigned refs;
  uint64_t id;          /* in the table's socket slots (epoll data) */
  uint64_t unknown_spi; /* inbound worker only */
  uint64_t malformed;   /* inbound worker only */
} dp_rawsock_t;

/* Inbound SAs per tunnel: the current one and those a rekey is retiring
 * (the reference shows up to 4 inbound SPIs per tunnel). */
#define DP_IN_MAX 4

struct dp_tunnel;

typedef struct dp_sa_slot {
  struct dp_tunnel *tunnel; /* whose (the inbound index finds the SA) */
  dp_rawsock_t *sock;       /* where it is sent or received (a reference) */
  dp_sa_t *crypto;
  Erx__Cfg__Transform xf;
  uint32_t spi;
  bool inbound, manual;
  dp_replay_t replay;    /* inbound */
  dp_seq_t seq;          /* outbound */
  uint32_t seq_reserved; /* outbound: may send up to this (persisted reservation) */
  dp_life_t life;
  uint64_t hard_bytes;   /* dp_life_hard_bytes(life), checked per packet */
  int64_t created_ms;    /* monotonic */
  int life_state;        /* Erx__Dp__SaLife; worker may set HARD, control sets both */
  uint64_t packets, bytes, replay_err, auth_err;
  int64_t last_ms;       /* wall clock of the last accepted packet */
  uint16_t encap_sport, encap_dport; /* RFC 3948 UDP encapsulation, 0 = plain ESP */
} dp_sa_slot_t;

typedef struct dp_tunnel {
  char vr[DP_VR_MAX], name[DP_NAME_MAX], key[DP_KEY_MAX]; /* key "vr/name" */
  char ifname[16];
  /* from configuration */
  char transport_vr[DP_VR_MAX];
  uint32_t src, dst;     /* outer addresses */
  dp_range_t local, peer; /* selectors */
  /* runtime */
  dp_tun_t tun;
  uint64_t tun_id;       /* in the table's tunnel slots (epoll data), 0 = not in the table */
  dp_sa_slot_t *in[DP_IN_MAX]; /* oldest first */
  unsigned n_in;
  dp_sa_slot_t *out;           /* the newest outbound SA carries the traffic */
  bool manual;                 /* SAs from configuration, else from iked */
  uint16_t ip_id;        /* AH outer header identification */
  bool up;
  char reason[DP_REASON_MAX];
  dp_ctr_in_t cin;
  dp_ctr_out_t cout;
} dp_tunnel_t;
