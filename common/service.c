#include "service.h"

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <unistd.h>

#include "log.h"

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
  LOG_INFO("signal %d: stopping", (int)sig);
  event_base_loopbreak(arg);
}

void erx_service_run(struct event_base *base)
{
  signal(SIGPIPE, SIG_IGN);
  struct event *sigterm = evsignal_new(base, SIGTERM, on_signal, base);
  struct event *sigint = evsignal_new(base, SIGINT, on_signal, base);
  event_add(sigterm, NULL);
  event_add(sigint, NULL);
  event_base_dispatch(base);
  event_free(sigterm);
  event_free(sigint);
}

int erx_write_all(int fd, const void *buf, size_t n)
{
  const char *p = buf;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}
