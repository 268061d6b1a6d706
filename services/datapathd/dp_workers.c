#include "dp_workers.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int64_t dp_wall_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int dp_workers_start(dp_workers_t *w, dp_table_t *t, char *err, size_t errlen)
{
  memset(w, 0, sizeof *w);
  /* signals belong to the event loop's thread */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  int rc = pthread_create(&w->out, NULL, dp_outbound_main, t);
  if (rc == 0) {
    w->started = 1;
    rc = pthread_create(&w->in, NULL, dp_inbound_main, t);
    if (rc == 0)
      w->started = 2;
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) {
    snprintf(err, errlen, "cannot start a packet thread: %s", strerror(rc));
    dp_workers_stop(w, t);
    return -1;
  }
  return 0;
}

void dp_workers_stop(dp_workers_t *w, dp_table_t *t)
{
  if (!w->started)
    return;
  __atomic_store_n(&t->stopping, 1, __ATOMIC_RELEASE);
  uint64_t one = 1;
  if (write(t->stop_fd, &one, sizeof one) != sizeof one)
    perror("datapathd: stop eventfd");
  pthread_join(w->out, NULL);
  if (w->started > 1)
    pthread_join(w->in, NULL);
  w->started = 0;
}
