/* configd's show commands against a stand-in datapathd over the real bus: a
 * real Clone publisher (root "dp") and a real control socket answering
 * StatsRequest, run by a helper thread on its own loop, while this thread
 * runs configd's side (cfg_dp's Clone subscriber) and the commands. */
#include <criterion/criterion.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.pb-c.h"
#include "cfg_dp.h"
#include "cli_harness.h"
#include "clone_pub.h"
#include "ctl.h"
#include "datapath.pb-c.h"
#include "endpoints.h"
#include "log.h"
#include "test_util.h"

/* ---- the stand-in datapathd ---- */

typedef struct {
  struct event_base *base;
  erx_bus_t *bus;
  erx_clone_pub_t *pub;
  erx_ctl_t *ctl;
  struct event *tick;
  pthread_t thread;
  bool running;
  atomic_bool stop;
  atomic_int requests;     /* StatsRequests answered */
  char last_vr[32], last_name[64];
  /* what it answers (changed only while its thread is paused) */
  Erx__Dp__TunnelCounters tc[2];
  Erx__Dp__SaInfo sa[4];
  size_t ntc, nsa;
  uint64_t unknown_spi;
} standin_t;

static standin_t dp;

static bool wanted(const char *rvr, const char *rname, const char *vr, const char *name)
{
  return (!rvr[0] && !rname[0]) || (strcmp(rvr, vr) == 0 && strcmp(rname, name) == 0);
}

static void on_request(void *arg, erx_ctl_req_t *req, const ProtobufCMessage *body)
{
  if (body->descriptor != &erx__dp__stats_request__descriptor) {
    erx_ctl_reply_error(dp.ctl, req, "unsupported request");
    return;
  }
  const Erx__Dp__StatsRequest *rq = (const Erx__Dp__StatsRequest *)body;
  snprintf(dp.last_vr, sizeof dp.last_vr, "%s", rq->vr);
  snprintf(dp.last_name, sizeof dp.last_name, "%s", rq->name);
  Erx__Dp__TunnelCounters *tcs[2];
  Erx__Dp__SaInfo *sas[4];
  Erx__Dp__StatsReply rep = ERX__DP__STATS_REPLY__INIT;
  rep.tunnels = tcs;
  rep.sas = sas;
  for (size_t i = 0; i < dp.ntc; i++)
    if (wanted(rq->vr, rq->name, dp.tc[i].vr, dp.tc[i].name))
      tcs[rep.n_tunnels++] = &dp.tc[i];
  for (size_t i = 0; i < dp.nsa; i++)
    if (wanted(rq->vr, rq->name, dp.sa[i].vr, dp.sa[i].tunnel))
      sas[rep.n_sas++] = &dp.sa[i];
  rep.unknown_spi_packets = dp.unknown_spi;
  atomic_fetch_add(&dp.requests, 1);
  erx_ctl_reply(dp.ctl, req, &rep.base);
}

static void on_tick(evutil_socket_t fd, short what, void *arg) {}

static void *dp_loop(void *arg)
{
  while (!atomic_load(&dp.stop))
    event_base_loop(dp.base, EVLOOP_ONCE);
  return NULL;
}

static void dp_resume(void)
{
  atomic_store(&dp.stop, false);
  cr_assert_eq(pthread_create(&dp.thread, NULL, dp_loop, NULL), 0);
  dp.running = true;
}

/* Stops answering (and heartbeating), as a hung datapathd would. */
static void dp_pause(void)
{
  if (!dp.running)
    return;
  atomic_store(&dp.stop, true);
  pthread_join(dp.thread, NULL);
  dp.running = false;
}

static void publish(const char *vr, const char *name, bool up, const char *reason, const char *ifname)
{
  Erx__Dp__TunnelState s = ERX__DP__TUNNEL_STATE__INIT;
  s.vr = (char *)vr;
  s.name = (char *)name;
  s.up = up;
  s.reason = (char *)reason;
  s.ifname = (char *)ifname;
  char key[128];
  snprintf(key, sizeof key, "tunnel/%s/%s", vr, name);
  cr_assert_eq(erx_clone_pub_set(dp.pub, "dp.tunnel", key, &s.base), 0);
}

static void counters(Erx__Dp__TunnelCounters *c, const char *vr, const char *name)
{
  erx__dp__tunnel_counters__init(c);
  c->vr = (char *)vr;
  c->name = (char *)name;
}

static void sa(Erx__Dp__SaInfo *s, const char *vr, const char *tunnel, bool in, uint32_t spi, Erx__Cfg__Transform xf)
{
  erx__dp__sa_info__init(s);
  s->vr = (char *)vr;
  s->tunnel = (char *)tunnel;
  s->inbound = in;
  s->spi = spi;
  s->transform = xf;
}

static void dp_start(void)
{
  char pub[256], snap[256], ctl[256];
  cr_assert_eq(erx_endpoint(ERX_SVC_DATAPATHD, ERX_SOCK_PUB, true, pub, sizeof pub), 0);
  cr_assert_eq(erx_endpoint(ERX_SVC_DATAPATHD, ERX_SOCK_SNAP, true, snap, sizeof snap), 0);
  cr_assert_eq(erx_endpoint(ERX_SVC_DATAPATHD, ERX_SOCK_CTL, true, ctl, sizeof ctl), 0);
  dp.base = event_base_new();
  dp.bus = erx_bus_new(dp.base);
  dp.pub = erx_clone_pub_new(dp.bus, "dp", pub, snap);
  dp.ctl = erx_ctl_new(dp.bus, ctl, "datapathd", on_request, NULL);
  cr_assert(dp.pub && dp.ctl);
  dp.tick = event_new(dp.base, -1, EV_PERSIST, on_tick, NULL);
  struct timeval tv = {0, 5000};
  event_add(dp.tick, &tv);

  /* manualA is up and has carried traffic; the vrA tunnel waits for IKE */
  publish("default", "manualA", true, "", "ipsec0");
  publish("vrA", "Aottawa2boston", false, "waiting for IKE to install the SAs", "ipsec1");
  counters(&dp.tc[0], "vrA", "Aottawa2boston");
  dp.tc[0].out_user_packets = 3;
  dp.tc[0].out_user_octets = 252;
  dp.tc[0].out_policy_errors = 3;
  counters(&dp.tc[1], "default", "manualA");
  Erx__Dp__TunnelCounters *c = &dp.tc[1];
  c->in_user_packets = 12;
  c->in_user_octets = 1008;
  c->in_accepted_packets = 10;
  c->in_accepted_octets = 840;
  c->in_auth_errors = 1;
  c->in_replay_errors = 1;
  c->out_user_packets = 10;
  c->out_user_octets = 840;
  c->out_accepted_packets = 10;
  c->out_accepted_octets = 840;
  dp.ntc = 2;
  /* out of order on purpose: the table sorts */
  sa(&dp.sa[0], "vrA", "Aottawa2boston", false, 0xc0ffee01, ERX__CFG__TRANSFORM__ESP_AES128_HMAC_SHA);
  dp.sa[0].life_s = 3600;
  dp.sa[0].age_s = 100;
  dp.sa[0].life_kb = 102400;
  dp.sa[0].packets = 4096;
  dp.sa[0].bytes = 2048 * 1024;
  sa(&dp.sa[1], "default", "manualA", false, 2000, ERX__CFG__TRANSFORM__ESP_3DES_HMAC_SHA);
  dp.sa[1].manual = true;
  dp.sa[1].packets = 10;
  dp.sa[1].bytes = 840;
  dp.sa[1].age_s = 35;
  sa(&dp.sa[2], "vrA", "Aottawa2boston", true, 0x1234, ERX__CFG__TRANSFORM__ESP_AES128_HMAC_SHA);
  dp.sa[2].life_s = 3600;
  dp.sa[2].age_s = 3300;
  dp.sa[2].life = ERX__DP__SA_LIFE__SA_SOFT_EXPIRED;
  sa(&dp.sa[3], "default", "manualA", true, 1000, ERX__CFG__TRANSFORM__ESP_3DES_HMAC_SHA);
  dp.sa[3].manual = true;
  dp.sa[3].packets = 10;
  dp.sa[3].bytes = 840;
  dp.sa[3].age_s = 35;
  dp.sa[3].replay_errors = 1;
  dp.sa[3].auth_errors = 1;
  dp.nsa = 4;
  dp.unknown_spi = 7;
  dp_resume();
}

static void dp_stop(void)
{
  dp_pause();
  if (dp.tick)
    event_free(dp.tick);
  erx_ctl_destroy(&dp.ctl);
  erx_clone_pub_destroy(&dp.pub);
  erx_bus_destroy(&dp.bus);
  if (dp.base)
    event_base_free(dp.base);
  memset(&dp, 0, sizeof dp);
}

/* ---- configd's side ---- */

static struct {
  struct event_base *base;
  erx_bus_t *bus;
  harness_t h;
} fx;

static const char config[] = "ipsec transform-set manual1 esp-3des-hmac-sha\n"
                             "ipsec transform-set prot esp-aes128-hmac-sha\n"
                             "ipsec local-endpoint 192.0.2.1\n"
                             "ipsec key manual pre-share 192.0.2.2\n"
                             " key secret\n"
                             "exit\n"
                             "interface tunnel ipsec:manualA\n"
                             " tunnel transform-set manual1\n"
                             " tunnel signaling manual\n"
                             " tunnel source 192.0.2.1\n"
                             " tunnel destination 192.0.2.3\n"
                             " tunnel session-key-inbound esp-3des-hmac-sha 1000 "
                             "0123456789abcdef0123456789abcdef0123456789abcdef 0123456789abcdef0123456789abcdef01234567\n"
                             " tunnel session-key-outbound esp-3des-hmac-sha 2000 "
                             "0123456789abcdef0123456789abcdef0123456789abcdef 0123456789abcdef0123456789abcdef01234567\n"
                             "exit\n"
                             "virtual-router vrA\n"
                             "interface tunnel ipsec:Aottawa2boston transport-virtual-router default\n"
                             " ip address 198.51.100.1 255.255.255.252\n"
                             " tunnel transform-set prot\n"
                             " tunnel source 192.0.2.1\n"
                             " tunnel destination 192.0.2.2\n"
                             " tunnel local-identity subnet 203.0.113.0 255.255.255.0\n"
                             " tunnel peer-identity subnet 198.51.100.128 255.255.255.128\n"
                             "exit\n";

static void setup(void)
{
  cr_assert_eq(setenv("ERX_RUNDIR", tu_dir(), 1), 0);
  erx_log_set_level(ERX_LOG_ERR);
  /* a silent datapathd is noticed within a second */
  erx_clone_set_timing(100, 1000);
  fx.base = event_base_new();
  fx.bus = erx_bus_new(fx.base);
  harness_init(&fx.h, NULL);
  fx.h.dp = cfg_dp_new(fx.bus);
  cr_assert_not_null(fx.h.dp);
  cr_assert_eq(harness_load(&fx.h, config), 0);
}

static void teardown(void)
{
  cfg_dp_destroy(&fx.h.dp);
  harness_fini(&fx.h);
  dp_stop();
  erx_bus_destroy(&fx.bus);
  event_base_free(fx.base);
}

TestSuite(show_dp, .init = setup, .fini = teardown);

static const char *show(const char *line)
{
  cr_assert_eq(harness_run(&fx.h, line), 0, "refused: %s\n%s", line, fx.h.last_out);
  return fx.h.last_out;
}

/* NULL while configd's mirror re-synchronises (after a pause the heartbeats
 * were missed): not up yet */
static bool tunnel_up(const char *vr, const char *name)
{
  const cfg_dp_tunnel_t *t = cfg_dp_tunnel(fx.h.dp, vr, name);
  return t && t->up;
}

static void wait_synced(void)
{
  TU_WAIT(fx.base, 5000, cfg_dp_synced(fx.h.dp) && cfg_dp_tunnel(fx.h.dp, "vrA", "Aottawa2boston"));
  cr_assert(cfg_dp_synced(fx.h.dp), "configd never synchronised with the stand-in datapathd");
}

static void contains(const char *out, const char *needle)
{
  cr_assert(strstr(out, needle), "output:\n%s\nexpected to contain:\n%s", out, needle);
}

static void lacks(const char *out, const char *needle)
{
  cr_assert(!strstr(out, needle), "output:\n%s\nshould not contain:\n%s", out, needle);
}

Test(show_dp, tunnel_table_and_summary)
{
  dp_start();
  wait_synced();
  cr_assert_str_eq(show("show ipsec tunnel"),
                   "Tunnel                       Type     Transport  Source           Destination          "
                   "Transform set        State\n"
                   "ipsec:manualA                manual   default    192.0.2.1        192.0.2.3            "
                   "manual1              up\n"
                   "vrA:ipsec:Aottawa2boston     signaled default    192.0.2.1        192.0.2.2            "
                   "prot                 down\n");
  cr_assert_str_eq(show("show ipsec tunnel summary"), "Total tunnels: 2\n"
                                                      "Administrative state: 2 enabled, 0 disabled, 0 blocked by "
                                                      "licence\n"
                                                      "Operational state: 1 up, 1 down, 0 not-present\n");
  cr_assert_eq(atomic_load(&dp.requests), 0, "the table and the summary need no counters");
}

Test(show_dp, detail_state_reason_and_counters)
{
  dp_start();
  wait_synced();
  const char *out = show("show ipsec tunnel detail");
  cr_assert_eq(atomic_load(&dp.requests), 1, "one StatsRequest per show command");
  cr_assert_str_eq(dp.last_vr, "");
  cr_assert_str_eq(dp.last_name, "");
  lacks(out, "Configuration incomplete");
  contains(out, "  MTU:                        1400\n"
                "  Inbound manual SA:          spi 1000 esp-3des-hmac-sha\n"
                "  Outbound manual SA:         spi 2000 esp-3des-hmac-sha\n"
                "  Administrative state:       enabled\n"
                "  Operational state:          up\n"
                "  Interface:                  ipsec0\n"
                "  Inbound:  user 12 packets 1008 octets, accepted 10 packets 840 octets\n"
                "            errors: auth 1, replay 1, policy 0, decrypt 0, pad 0, other 0\n"
                "  Outbound: user 10 packets 840 octets, accepted 10 packets 840 octets\n"
                "            errors: policy 0, other 0\n"
                "Tunnel ipsec:Aottawa2boston\n");
  contains(out, "  Administrative state:       enabled\n"
                "  Operational state:          down\n"
                "  Interface:                  ipsec1\n"
                "  Down because:               waiting for IKE to install the SAs\n"
                "  Inbound:  user 0 packets 0 octets, accepted 0 packets 0 octets\n"
                "            errors: auth 0, replay 0, policy 0, decrypt 0, pad 0, other 0\n"
                "  Outbound: user 3 packets 252 octets, accepted 0 packets 0 octets\n"
                "            errors: policy 3, other 0\n");

  /* one tunnel: the request names it (the harness is in vrA after the load) */
  out = show("show ipsec tunnel ipsec:Aottawa2boston detail");
  cr_assert_eq(atomic_load(&dp.requests), 2);
  cr_assert_str_eq(dp.last_vr, "vrA");
  cr_assert_str_eq(dp.last_name, "Aottawa2boston");
  contains(out, "  Down because:               waiting for IKE to install the SAs\n");
  lacks(out, "manualA");

  /* the state follows what datapathd publishes */
  dp_pause();
  publish("vrA", "Aottawa2boston", true, "", "ipsec1");
  dp_resume();
  TU_WAIT(fx.base, 3000, tunnel_up("vrA", "Aottawa2boston"));
  out = show("show ipsec tunnel ipsec:Aottawa2boston detail");
  contains(out, "  Operational state:          up\n  Interface:                  ipsec1\n  Inbound:");
  lacks(out, "Down because");
  contains(show("show ipsec tunnel summary"), "Operational state: 2 up, 0 down, 0 not-present\n");

  /* a tunnel datapathd does not hold */
  dp_pause();
  cr_assert_eq(erx_clone_pub_del(dp.pub, "tunnel/vrA/Aottawa2boston"), 0);
  dp.tc[0] = dp.tc[1]; /* manualA's counters only */
  dp.ntc = 1;
  dp_resume();
  TU_WAIT(fx.base, 3000, !cfg_dp_tunnel(fx.h.dp, "vrA", "Aottawa2boston"));
  out = show("show ipsec tunnel ipsec:Aottawa2boston detail");
  contains(out, "  Operational state:          down\n"
                "  Down because:               not set up by the data path yet\n"
                "  Counters: none (the data path does not hold this tunnel)\n");
}

Test(show_dp, sa_table)
{
  dp_start();
  wait_synced();
  /* sorted by tunnel, in before out; what is left of each lifetime */
  cr_assert_str_eq(show("show ipsec sa"),
      "Tunnel                       Dir SPI                     Transform                 Packets        By"
      "tes      Age Lifetime left            Replay errors Auth errors\n"
      "ipsec:manualA                in  1000 (0x000003e8)       esp-3des-hmac-sha              10          "
      "840      35s manual                               1           1\n"
      "ipsec:manualA                out 2000 (0x000007d0)       esp-3des-hmac-sha              10          "
      "840      35s manual                               0           0\n"
      "vrA:ipsec:Aottawa2boston     in  4660 (0x00001234)       esp-aes128-hmac-sha             0          "
      "  0    3300s 300s (rekey)                         0           0\n"
      "vrA:ipsec:Aottawa2boston     out 3237998081 (0xc0ffee01) esp-aes128-hmac-sha          4096      2097"
      "152     100s 3500s/100352KB                       0           0\n"
      "IPsec packets for no SA of this router: 7\n");
  cr_assert_eq(atomic_load(&dp.requests), 1);

  dp_pause();
  dp.nsa = 0;
  dp.unknown_spi = 0;
  dp_resume();
  cr_assert_str_eq(show("show ipsec sa"), "No IPsec SAs\n");
  cr_assert_str_eq(show("show ipsec ike-sa"), "% The IKE service (iked) is not running: no IKE SAs\n");
}

Test(show_dp, not_running)
{
  /* nothing answers on datapathd's sockets */
  long long t0 = tu_now_ms();
  cr_assert_str_eq(show("show ipsec sa"), "% The data path (datapathd) is not running: no IPsec SAs\n");
  long long t1 = tu_now_ms();
  const char *out = show("show ipsec tunnel detail");
  long long t2 = tu_now_ms();
  /* the call waits 1000 ms for an answer; a command that did not ask at all
   * takes a few ms, so 700 ms tells the two apart even on a loaded machine */
  cr_assert_geq(t1 - t0, 800, "configd did ask datapathd first (%lld ms)", t1 - t0);
  cr_assert_lt(t2 - t1, 700, "the second command waited for a dead datapathd again (%lld ms)", t2 - t1);
  contains(out, "  Operational state:          down\n"
                "  Down because:               no SA yet (the data-path service datapathd is not running)\n"
                "  Counters: unavailable (datapathd is not running)\n"
                "Tunnel ipsec:Aottawa2boston\n");
  lacks(out, "Interface:");
  lacks(show("show ipsec tunnel"), " up\n");
  contains(show("show ipsec tunnel summary"), "Operational state: 0 up, 2 down, 0 not-present\n");
}

Test(show_dp, went_silent_then_back)
{
  dp_start();
  wait_synced();
  contains(show("show ipsec tunnel"), "manual1              up\n");
  /* datapathd hangs: configd notices from the missing heartbeats */
  dp_pause();
  TU_WAIT(fx.base, 5000, !cfg_dp_synced(fx.h.dp));
  cr_assert(!cfg_dp_synced(fx.h.dp));
  long long t0 = tu_now_ms();
  cr_assert_str_eq(show("show ipsec sa"), "% The data path (datapathd) is not running: no IPsec SAs\n");
  const char *out = show("show ipsec tunnel detail");
  cr_assert_lt(tu_now_ms() - t0, 700, "a datapathd known to be silent is not waited for");
  contains(out, "no SA yet (the data-path service datapathd is not running)\n");
  contains(out, "  Counters: unavailable (datapathd is not running)\n");
  lacks(show("show ipsec tunnel"), " up\n");
  /* it answers again: the next snapshot brings everything back */
  dp_resume();
  wait_synced();
  contains(show("show ipsec tunnel"), "manual1              up\n");
  contains(show("show ipsec sa"), "ipsec:manualA                in  1000 (0x000003e8)");
}
