/* configd's running configuration: the single source of truth for every
 * configured object.  Objects live in maps keyed by their Clone key suffix;
 * handlers validate first and mutate only through these functions, which
 * record the changed Clone keys (cfg_model_dirty) for publication. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "addr.h"
#include "config.pb-c.h"
#include "strmap.h"

#define CFG_DEFAULT_VR "default"
#define CFG_NAME_MAX 80        /* tunnel name, fqdn identity */
#define CFG_SET_NAME_MAX 64
#define CFG_VR_NAME_MAX 32
#define CFG_HOSTNAME_MAX 32
#define CFG_MAX_TRANSFORMS 6
#define CFG_MAX_IKE_RULES 10
#define CFG_PSK_MAX 256
#define CFG_MTU_DEFAULT 1400
#define CFG_LIFE_S_DEFAULT 28800u
#define CFG_LIFE_KB_DEFAULT 102400u
#define CFG_IKE_LIFE_DEFAULT 28800u
#define CFG_DPD_IDLE_DEFAULT 150u
#define CFG_DPD_RETRY_INTERVAL_DEFAULT 5u
#define CFG_DPD_RETRIES_DEFAULT 3u
#define CFG_SESSION_KEY_MAX 64 /* bytes of key material per direction (enc + auth) */

typedef struct cfg_vr {
  char name[CFG_VR_NAME_MAX + 1];
  bool tx_invalid_cookie;
} cfg_vr_t;

typedef struct cfg_tset {
  char name[CFG_SET_NAME_MAX + 1];
  size_t n;
  Erx__Cfg__Transform xf[CFG_MAX_TRANSFORMS];
} cfg_tset_t;

typedef struct cfg_psk {
  char vr[CFG_VR_NAME_MAX + 1];
  char peer[CFG_NAME_MAX + 1];
  Erx__Cfg__PeerType type;
  char *masked;              /* NULL until a key is entered */
  uint8_t secret[CFG_PSK_MAX];
  size_t secret_len;
} cfg_psk_t;

typedef struct cfg_ike_rule {
  uint32_t priority;
  Erx__Cfg__IkeEncryption enc;
  Erx__Cfg__IkeHash hash;
  Erx__Cfg__IkeAuth auth;
  uint32_t group;
  uint32_t lifetime;
  Erx__Cfg__AggressiveMode aggressive;
} cfg_ike_rule_t;

typedef struct cfg_endpoint {
  Erx__Cfg__EndpointType type;
  char value[CFG_NAME_MAX + 1];
} cfg_endpoint_t;

typedef struct cfg_identity {
  Erx__Cfg__IdentityType type; /* default: subnet 0.0.0.0 0.0.0.0 */
  uint32_t a1, a2;
} cfg_identity_t;

typedef struct cfg_session_key {
  bool set;
  Erx__Cfg__Transform xf;
  uint32_t spi;
  char *masked;
  uint8_t key[CFG_SESSION_KEY_MAX]; /* enc key then auth key */
  size_t enc_len, auth_len;
} cfg_session_key_t;

typedef struct cfg_tunnel {
  char vr[CFG_VR_NAME_MAX + 1];
  char name[CFG_NAME_MAX + 1];
  char transport_vr[CFG_VR_NAME_MAX + 1];
  bool has_address;
  uint32_t address, mask;
  char tset[CFG_SET_NAME_MAX + 1];     /* "" = none */
  Erx__Cfg__Signaling signaling;
  cfg_endpoint_t source, destination, backup;
  cfg_identity_t local_id, peer_id;
  uint32_t pfs_group;                  /* 0 = none */
  uint32_t life_s;                     /* 0 = global */
  uint64_t life_kb;                    /* 0 = global */
  uint32_t mtu;
  cfg_session_key_t in, out;
} cfg_tunnel_t;

typedef struct cfg_model {
  char hostname[CFG_HOSTNAME_MAX + 1];
  erx_strmap_t *vrs;       /* name -> cfg_vr_t ("default" always present) */
  erx_strmap_t *tsets;     /* name -> cfg_tset_t */
  erx_strmap_t *psks;      /* "vr/peer" -> cfg_psk_t */
  erx_strmap_t *endpoints; /* transport vr -> uint32_t* address */
  erx_strmap_t *rules;     /* "%05u" priority -> cfg_ike_rule_t */
  erx_strmap_t *tunnels;   /* "vr/name" -> cfg_tunnel_t */
  uint32_t life_s;         /* 0 = default */
  uint64_t life_kb;        /* 0 = default */
  bool dpd;
  uint32_t dpd_idle, dpd_retry_interval, dpd_retries; /* 0 = default */
  erx_strmap_t *dirty;     /* Clone keys changed since the last publication */
  uint64_t generation;     /* bumped by every change */
} cfg_model_t;

cfg_model_t *cfg_model_new(const char *hostname);
void cfg_model_destroy(cfg_model_t **m_p);

/* Marks a Clone key ("tunnel/vrA/x", "global", ...) as changed. */
void cfg_model_dirty(cfg_model_t *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Lookups (NULL if absent) */
cfg_vr_t *cfg_vr_get(const cfg_model_t *m, const char *name);
cfg_tset_t *cfg_tset_get(const cfg_model_t *m, const char *name);
cfg_psk_t *cfg_psk_get(const cfg_model_t *m, const char *vr, const char *peer);
cfg_tunnel_t *cfg_tunnel_get(const cfg_model_t *m, const char *vr, const char *name);
cfg_ike_rule_t *cfg_rule_get(const cfg_model_t *m, uint32_t priority);

/* Creation (returns the existing object if present) */
cfg_vr_t *cfg_vr_add(cfg_model_t *m, const char *name);
cfg_tset_t *cfg_tset_put(cfg_model_t *m, const char *name, const Erx__Cfg__Transform *xf, size_t n);
cfg_psk_t *cfg_psk_add(cfg_model_t *m, const char *vr, const char *peer, Erx__Cfg__PeerType type);
cfg_tunnel_t *cfg_tunnel_add(cfg_model_t *m, const char *vr, const char *name, const char *transport_vr);
cfg_ike_rule_t *cfg_rule_add(cfg_model_t *m, uint32_t priority);

/* Deletion */
void cfg_vr_del(cfg_model_t *m, const char *name);
void cfg_tset_del(cfg_model_t *m, const char *name);
void cfg_psk_del(cfg_model_t *m, const char *vr, const char *peer);
void cfg_tunnel_del(cfg_model_t *m, const char *vr, const char *name);
void cfg_rule_del(cfg_model_t *m, uint32_t priority);

/* Marks an object changed after a handler edited it in place. */
void cfg_tunnel_touched(cfg_model_t *m, const cfg_tunnel_t *t);
void cfg_psk_touched(cfg_model_t *m, const cfg_psk_t *p);
void cfg_rule_touched(cfg_model_t *m, const cfg_ike_rule_t *r);
void cfg_vr_touched(cfg_model_t *m, const cfg_vr_t *v);
void cfg_global_touched(cfg_model_t *m);

void cfg_psk_set_key(cfg_psk_t *p, char *masked, const uint8_t *secret, size_t len);
void cfg_session_key_clear(cfg_session_key_t *k);

/* Names of tunnels (as "ipsec:name" or "vr:ipsec:name"), comma separated, that
 * satisfy pred; malloc'd or NULL when none.  At most 8 names, then ", ..." */
char *cfg_tunnels_where(const cfg_model_t *m, bool (*pred)(const cfg_tunnel_t *t, const void *arg), const void *arg);

/* Effective lifetimes */
uint32_t cfg_global_life_s(const cfg_model_t *m);
uint64_t cfg_global_life_kb(const cfg_model_t *m);
