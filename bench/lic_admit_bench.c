/* lic-admit-bench: the cost of one AdmitRequest round trip (ctl client ->
 * licensed -> reply) against a running router, as configd would pay it.
 *
 *   lic-admit-bench --dir ROUTER_DIR [--count N] [--prefix NAME]
 *
 * Admits N new tunnels "<prefix><i>" in the default virtual router, one
 * request at a time, and prints the mean, median and 99th percentile; then N
 * more in batches of 100 (what configd sends for a pasted configuration) and
 * prints the cost per tunnel.  The admissions are reservations configd never
 * commits: they lapse after 30 s. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bus.pb-c.h"
#include "ctl_client.h"
#include "endpoints.h"
#include "license.pb-c.h"

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  const char *dir = NULL, *prefix = "bench";
  long count = 5000;
  static const struct option opts[] = {
      {"dir", required_argument, NULL, 'd'},
      {"count", required_argument, NULL, 'c'},
      {"prefix", required_argument, NULL, 'p'},
      {NULL, 0, NULL, 0},
  };
  int c;
  while ((c = getopt_long(argc, argv, "d:c:p:", opts, NULL)) != -1) {
    if (c == 'd')
      dir = optarg;
    else if (c == 'c')
      count = strtol(optarg, NULL, 10);
    else if (c == 'p')
      prefix = optarg;
    else
      return 2;
  }
  if (!dir || count <= 0) {
    fprintf(stderr, "usage: lic-admit-bench --dir ROUTER_DIR [--count N] [--prefix NAME]\n");
    return 2;
  }
  char run[1024], ep[1100], err[256];
  snprintf(run, sizeof run, "%s/run", dir);
  setenv("ERX_RUNDIR", run, 1);
  if (erx_endpoint(ERX_SVC_LICENSED, ERX_SOCK_CTL, false, ep, sizeof ep) != 0)
    return 1;
  erx_ctl_client_t *cl = erx_ctl_client_new(ep);
  double *us = calloc((size_t)count, sizeof *us);
  if (!cl || !us)
    return 1;
  long admitted = 0, refused = 0;
  char last[400] = "";
  double t0 = now_us();
  for (long i = 0; i < count; i++) {
    char name[64];
    snprintf(name, sizeof name, "%s%ld", prefix, i);
    Erx__Lic__AdmitRequest rq = ERX__LIC__ADMIT_REQUEST__INIT;
    rq.vr = "default";
    rq.name = name;
    double t = now_us();
    erx_env_t *rep = erx_ctl_call(cl, &rq.base, 2000, err, sizeof err);
    us[i] = now_us() - t;
    if (!rep) {
      fprintf(stderr, "lic-admit-bench: %s\n", err);
      return 1;
    }
    if (rep->body_case == ERX__BUS__ENVELOPE__BODY_ADMIT_REPLY && rep->admit_reply->admitted) {
      admitted++;
    } else {
      refused++;
      if (rep->body_case == ERX__BUS__ENVELOPE__BODY_ADMIT_REPLY)
        snprintf(last, sizeof last, "%s", rep->admit_reply->reason);
    }
    erx_env_free(rep);
  }
  double total = now_us() - t0;
  qsort(us, (size_t)count, sizeof *us, cmp_double);
  printf("%ld admissions (%ld admitted, %ld refused) in %.1f ms: mean %.1f us, median %.1f us, p99 %.1f us per "
         "round trip\n",
         count, admitted, refused, total / 1e3, total / (double)count, us[count / 2], us[count * 99 / 100]);
  if (refused)
    printf("last refusal: %s\n", last);

  /* the same number again, 100 per request */
  enum { BATCH = 100 };
  Erx__Lic__AdmitRequest items[BATCH], *ptrs[BATCH];
  char names[BATCH][64];
  long batched = 0, badmitted = 0;
  t0 = now_us();
  while (batched < count) {
    size_t n = 0;
    for (; n < BATCH && batched + (long)n < count; n++) {
      erx__lic__admit_request__init(&items[n]);
      snprintf(names[n], sizeof names[n], "%sb%ld", prefix, batched + (long)n);
      items[n].vr = "default";
      items[n].name = names[n];
      ptrs[n] = &items[n];
    }
    Erx__Lic__AdmitBatchRequest rq = ERX__LIC__ADMIT_BATCH_REQUEST__INIT;
    rq.tunnels = ptrs;
    rq.n_tunnels = n;
    erx_env_t *rep = erx_ctl_call(cl, &rq.base, 2000, err, sizeof err);
    if (!rep || rep->body_case != ERX__BUS__ENVELOPE__BODY_ADMIT_BATCH_REPLY) {
      fprintf(stderr, "lic-admit-bench: batch: %s\n", rep ? "unexpected reply" : err);
      return 1;
    }
    for (size_t i = 0; i < rep->admit_batch_reply->n_replies; i++)
      badmitted += rep->admit_batch_reply->replies[i]->admitted;
    erx_env_free(rep);
    batched += (long)n;
  }
  total = now_us() - t0;
  printf("%ld admissions in batches of %d (%ld admitted) in %.1f ms: %.1f us per tunnel\n", count, BATCH, badmitted,
         total / 1e3, total / (double)count);
  free(us);
  erx_ctl_client_destroy(&cl);
  return 0;
}
