/* A stand-in for iked's SA publication in the data-path tests: a real Clone
 * publisher (root "ike") on a router's iked endpoints, fed line by line on
 * stdin, until iked exists to negotiate these SAs itself.  Lines:
 *   set VR TUNNEL in|out SPI TRANSFORM ENC_HEX|- AUTH_HEX|- LIFE_S LIFE_KB [SPORT DPORT]
 *   del VR TUNNEL in|out SPI
 * Each line is answered "ok" or "error: ..." on stdout once published.
 * Usage: ERX_RUNDIR=DIR/run sa_publisher   (runs until stdin closes). */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clone_pub.h"
#include "endpoints.h"
#include "ike.pb-c.h"
#include "log.h"
#include "transforms.h"

static erx_clone_pub_t *pub;
static struct event_base *base;

static int unhex(const char *h, uint8_t *out, size_t cap, size_t *len)
{
  *len = 0;
  if (strcmp(h, "-") == 0)
    return 0;
  size_t n = strlen(h);
  if (n % 2 || n / 2 > cap)
    return -1;
  for (size_t i = 0; i < n / 2; i++) {
    unsigned v;
    if (sscanf(h + 2 * i, "%2x", &v) != 1)
      return -1;
    out[i] = (uint8_t)v;
  }
  *len = n / 2;
  return 0;
}

static const char *line_cmd(char *line)
{
  char op[8], vr[40], tun[90], dir[8], xfname[40], enc[160], auth[160];
  unsigned long spi, life_s = 0;
  unsigned long long life_kb = 0;
  unsigned sport = 0, dport = 0;
  int n = sscanf(line, "%7s %39s %89s %7s %lu %39s %159s %159s %lu %llu %u %u", op, vr, tun, dir, &spi, xfname, enc,
                 auth, &life_s, &life_kb, &sport, &dport);
  if (n < 5 || (strcmp(dir, "in") != 0 && strcmp(dir, "out") != 0))
    return "error: expected 'set|del VR TUNNEL in|out SPI ...'";
  char key[200];
  snprintf(key, sizeof key, "sa/%s/%s/%s/%lu", vr, tun, dir, spi);
  if (strcmp(op, "del") == 0)
    return erx_clone_pub_del(pub, key) == 0 ? "ok" : "error: delete failed";
  if (strcmp(op, "set") != 0 || (n != 10 && n != 12))
    return "error: set needs 10 fields (12 with UDP encapsulation ports)";
  const erx_transform_info_t *xf = erx_transform_by_keyword(xfname);
  uint8_t ek[64], ak[64];
  size_t el, al;
  if (!xf || unhex(enc, ek, sizeof ek, &el) || unhex(auth, ak, sizeof ak, &al))
    return "error: unknown transform or bad hex";
  Erx__Ike__ChildSa cs = ERX__IKE__CHILD_SA__INIT;
  cs.vr = vr;
  cs.tunnel = tun;
  cs.inbound = strcmp(dir, "in") == 0;
  cs.spi = (uint32_t)spi;
  cs.transform = xf->id;
  cs.enc_key = (ProtobufCBinaryData){el, ek};
  cs.auth_key = (ProtobufCBinaryData){al, ak};
  cs.life_seconds = (uint32_t)life_s;
  cs.life_kilobytes = life_kb;
  cs.encap_sport = sport;
  cs.encap_dport = dport;
  return erx_clone_pub_set(pub, "ike.sa", key, &cs.base) == 0 ? "ok" : "error: publish failed";
}

/* read(2), not stdio: libevent says when the descriptor is readable, and
 * stdio could keep a second line in its buffer with nothing to wake us */
static void on_stdin(evutil_socket_t fd, short what, void *arg)
{
  static char buf[4096];
  static size_t have;
  ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);
  if (n <= 0) {
    event_base_loopbreak(base);
    return;
  }
  have += (size_t)n;
  buf[have] = 0;
  char *start = buf, *nl;
  while ((nl = strchr(start, '\n'))) {
    *nl = 0;
    if (*start && *start != '#') {
      printf("%s\n", line_cmd(start));
      fflush(stdout);
    }
    start = nl + 1;
  }
  have = strlen(start);
  memmove(buf, start, have);
  if (have == sizeof buf - 1)
    have = 0; /* a line longer than the buffer: dropped */
}

int main(void)
{
  erx_log_init("sa_publisher");
  char pub_ep[256], snap_ep[256];
  if (erx_endpoint(ERX_SVC_IKED, ERX_SOCK_PUB, true, pub_ep, sizeof pub_ep) ||
      erx_endpoint(ERX_SVC_IKED, ERX_SOCK_SNAP, true, snap_ep, sizeof snap_ep))
    return 2;
  base = event_base_new();
  erx_bus_t *bus = erx_bus_new(base);
  pub = bus ? erx_clone_pub_new(bus, "ike", pub_ep, snap_ep) : NULL;
  if (!pub)
    return 1;
  struct event *ev = event_new(base, STDIN_FILENO, EV_READ | EV_PERSIST, on_stdin, NULL);
  event_add(ev, NULL);
  printf("ready\n");
  fflush(stdout);
  event_base_dispatch(base);
  event_free(ev);
  erx_clone_pub_destroy(&pub);
  erx_bus_destroy(&bus);
  event_base_free(base);
  return 0;
}
