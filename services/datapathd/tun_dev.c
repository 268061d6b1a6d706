#include "tun_dev.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/route.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* the kernel's IFALIASZ (include/linux/if.h), not in the uapi headers */
#define DP_IFALIASZ 256

static int tun_open(dp_tun_t *t, const char *name, bool offload, char *err, size_t errlen)
{
  memset(t, 0, sizeof *t);
  t->fd = -1;
  if (strlen(name) >= IFNAMSIZ) {
    snprintf(err, errlen, "device name %s is longer than %d characters", name, IFNAMSIZ - 1);
    return -1;
  }
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, errlen, "/dev/net/tun: %s", strerror(errno));
    return -1;
  }
  struct ifreq ifr = {0};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (offload ? IFF_VNET_HDR : 0);
  snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
  if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
    int e = errno;
    snprintf(err, errlen, "TUNSETIFF %s: %s", name, strerror(e));
    close(fd);
    errno = e; /* EBUSY: a device of that name is still being torn down */
    return -1;
  }
  if (offload && ioctl(fd, TUNSETOFFLOAD, (unsigned long)(TUN_F_CSUM | TUN_F_TSO4)) != 0) {
    int e = errno;
    snprintf(err, errlen, "TUNSETOFFLOAD %s: %s", name, strerror(e));
    close(fd);
    errno = e;
    return -1;
  }
  t->fd = fd;
  t->vnet = offload;
  snprintf(t->name, sizeof t->name, "%s", ifr.ifr_name);
  t->ifindex = (int)if_nametoindex(t->name);
  return 0;
}

int dp_tun_open(dp_tun_t *t, const char *name, char *err, size_t errlen)
{
  return tun_open(t, name, false, err, errlen);
}

int dp_tun_open_offload(dp_tun_t *t, const char *name, char *err, size_t errlen)
{
  return tun_open(t, name, true, err, errlen);
}

static int ifreq_ioctl(unsigned long req, struct ifreq *ifr, const char *what, char *err, size_t errlen)
{
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0 || ioctl(s, req, ifr) != 0) {
    snprintf(err, errlen, "%s %s: %s", what, ifr->ifr_name, strerror(errno));
    if (s >= 0)
      close(s);
    return -1;
  }
  close(s);
  return 0;
}

static void set_sin(struct sockaddr *sa, uint32_t host_order)
{
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(host_order)};
  memcpy(sa, &sin, sizeof sin);
}

/* The alias has no ioctl: one RTM_NEWLINK with IFLA_IFALIAS. */
static int set_alias(const dp_tun_t *t, const char *alias, char *err, size_t errlen)
{
  struct {
    struct nlmsghdr nh;
    struct ifinfomsg ifi;
    char attrs[RTA_SPACE(DP_IFALIASZ)];
  } req = {0};
  size_t alen = strlen(alias) + 1;
  if (alen > DP_IFALIASZ) {
    snprintf(err, errlen, "alias of %s too long", t->name);
    return -1;
  }
  req.nh.nlmsg_type = RTM_NEWLINK;
  req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  req.ifi.ifi_family = AF_UNSPEC;
  req.ifi.ifi_index = t->ifindex;
  struct rtattr *rta = (struct rtattr *)req.attrs;
  rta->rta_type = IFLA_IFALIAS;
  rta->rta_len = (unsigned short)RTA_LENGTH(alen);
  memcpy(RTA_DATA(rta), alias, alen);
  req.nh.nlmsg_len = (uint32_t)(NLMSG_LENGTH(sizeof req.ifi) + RTA_ALIGN(rta->rta_len));

  int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (s < 0 || send(s, &req, req.nh.nlmsg_len, 0) < 0) {
    snprintf(err, errlen, "netlink: %s", strerror(errno));
    if (s >= 0)
      close(s);
    return -1;
  }
  char buf[512];
  ssize_t n = recv(s, buf, sizeof buf, 0);
  close(s);
  const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
  if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) || h->nlmsg_type != NLMSG_ERROR) {
    snprintf(err, errlen, "netlink: no acknowledgement setting the alias of %s", t->name);
    return -1;
  }
  const struct nlmsgerr *e = NLMSG_DATA(h);
  if (e->error != 0) {
    snprintf(err, errlen, "alias of %s: %s", t->name, strerror(-e->error));
    return -1;
  }
  return 0;
}

int dp_tun_configure(const dp_tun_t *t, uint32_t addr, uint32_t mask, unsigned mtu, const char *alias, char *err,
                     size_t errlen)
{
  struct ifreq ifr = {0};
  snprintf(ifr.ifr_name, IFNAMSIZ, "%s", t->name);
  ifr.ifr_mtu = (int)mtu;
  if (ifreq_ioctl(SIOCSIFMTU, &ifr, "set MTU of", err, errlen) != 0)
    return -1;
  if (addr) {
    set_sin(&ifr.ifr_addr, addr);
    if (ifreq_ioctl(SIOCSIFADDR, &ifr, "set address of", err, errlen) != 0)
      return -1;
    set_sin(&ifr.ifr_netmask, mask);
    if (ifreq_ioctl(SIOCSIFNETMASK, &ifr, "set mask of", err, errlen) != 0)
      return -1;
  }
  if (alias && *alias && set_alias(t, alias, err, errlen) != 0)
    return -1;
  if (ifreq_ioctl(SIOCGIFFLAGS, &ifr, "get flags of", err, errlen) != 0)
    return -1;
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  return ifreq_ioctl(SIOCSIFFLAGS, &ifr, "bring up", err, errlen);
}

int dp_tun_route(const dp_tun_t *t, uint32_t net, uint32_t mask, char *err, size_t errlen)
{
  struct rtentry rt = {0};
  char dev[IFNAMSIZ];
  snprintf(dev, sizeof dev, "%s", t->name);
  set_sin(&rt.rt_dst, net & mask);
  set_sin(&rt.rt_genmask, mask);
  rt.rt_flags = RTF_UP;
  rt.rt_dev = dev;
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int rc = s < 0 ? -1 : ioctl(s, SIOCADDRT, &rt);
  int e = errno;
  if (s >= 0)
    close(s);
  if (rc != 0 && e != EEXIST) {
    snprintf(err, errlen, "route via %s: %s", t->name, strerror(e));
    return -1;
  }
  return 0;
}

void dp_tun_close(dp_tun_t *t)
{
  if (t->fd >= 0)
    close(t->fd);
  t->fd = -1;
}

int dp_tun_set_persist(const dp_tun_t *t, bool on, char *err, size_t errlen)
{
  if (ioctl(t->fd, TUNSETPERSIST, (unsigned long)on) != 0) {
    snprintf(err, errlen, "TUNSETPERSIST %s: %s", t->name, strerror(errno));
    return -1;
  }
  return 0;
}

int dp_tun_set_down(const dp_tun_t *t, char *err, size_t errlen)
{
  struct ifreq ifr = {0};
  snprintf(ifr.ifr_name, IFNAMSIZ, "%s", t->name);
  if (ifreq_ioctl(SIOCGIFFLAGS, &ifr, "SIOCGIFFLAGS", err, errlen) != 0)
    return -1;
  ifr.ifr_flags &= ~IFF_UP;
  return ifreq_ioctl(SIOCSIFFLAGS, &ifr, "SIOCSIFFLAGS", err, errlen);
}

void dp_tun_destroy(dp_tun_t *t)
{
  char err[128];
  if (t->fd >= 0)
    dp_tun_set_persist(t, false, err, sizeof err);
  dp_tun_close(t);
}
