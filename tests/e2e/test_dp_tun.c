/* Tunnel interfaces for real: a TUN device made inside a network namespace
 * (a virtual router) carries its address, MTU, alias and route, and a packet
 * routed to the peer's subnet comes out of its file descriptor.  Needs root. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/ip.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns.h"
#include "tun_dev.h"

static char ns[32];

static void setup(void)
{
  char err[256];
  snprintf(ns, sizeof ns, "erxtun%d", (int)getpid());
  cr_assert_eq(dp_netns_create(ns, err, sizeof err), 0, "%s", err);
}

static void teardown(void)
{
  char cmd[96];
  snprintf(cmd, sizeof cmd, "ip netns del %s", ns);
  if (system(cmd) != 0)
    cr_log_warn("could not delete %s", ns);
}

TestSuite(tun, .init = setup, .fini = teardown);

typedef struct {
  dp_tun_t tun;
  char err[256];
  int udp;
} made_t;

static int make(void *arg)
{
  made_t *m = arg;
  if (dp_tun_open(&m->tun, "erxt0", m->err, sizeof m->err) != 0 ||
      dp_tun_configure(&m->tun, 0xc6336401 /* 198.51.100.1 */, 0xfffffffc, 1400, "ipsec:Aottawa2boston", m->err,
                       sizeof m->err) != 0 ||
      dp_tun_route(&m->tun, 0xcb007100 /* 203.0.113.0 */, 0xffffff00, m->err, sizeof m->err) != 0)
    return -1;
  /* a socket of the virtual router, to send into the tunnel */
  m->udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  return m->udp < 0 ? -1 : 0;
}

static char *run(const char *fmt)
{
  char cmd[256];
  snprintf(cmd, sizeof cmd, fmt, ns);
  FILE *p = popen(cmd, "r");
  cr_assert_not_null(p);
  static char out[4096];
  size_t n = fread(out, 1, sizeof out - 1, p);
  out[n] = '\0';
  pclose(p);
  return out;
}

Test(tun, made_in_its_virtual_router_with_address_mtu_alias_and_route)
{
  made_t m = {.udp = -1};
  char err[256];
  cr_assert_eq(dp_netns_run(ns, make, &m, err, sizeof err), 0, "%s %s", err, m.err);

  cr_assert(strstr(run("ip -n %s -o addr show dev erxt0"), "inet 198.51.100.1/30"), "address");
  char *link = run("ip -n %s -d link show dev erxt0");
  cr_assert(strstr(link, "mtu 1400"), "mtu: %s", link);
  cr_assert(strstr(link, "alias ipsec:Aottawa2boston"), "alias: %s", link);
  cr_assert(strstr(run("ip -n %s route"), "203.0.113.0/24 dev erxt0"), "route");
  cr_assert_eq(strstr(run("ip -o link show dev erxt0 2>&1"), "erxt0:"), NULL, "the device is not in the default namespace");

  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(4242)};
  inet_pton(AF_INET, "203.0.113.9", &to.sin_addr);
  cr_assert_eq(sendto(m.udp, "hello", 5, 0, (struct sockaddr *)&to, sizeof to), 5);
  struct pollfd p = {.fd = m.tun.fd, .events = POLLIN};
  uint8_t pkt[2048];
  ssize_t n = 0;
  /* the kernel may send router solicitations first: read until ours */
  for (int i = 0; i < 10 && poll(&p, 1, 2000) == 1; i++) {
    n = read(m.tun.fd, pkt, sizeof pkt);
    if (n >= 20 && (pkt[0] >> 4) == 4 && memcmp(pkt + 16, &to.sin_addr, 4) == 0)
      break;
    n = 0;
  }
  cr_assert_geq(n, 20 + 8 + 5, "no packet for 203.0.113.9 came out of the TUN device");
  cr_assert_eq(pkt[9], IPPROTO_UDP);
  cr_assert_eq(memcmp(pkt + n - 5, "hello", 5), 0);
  close(m.udp);
  dp_tun_close(&m.tun);
}
