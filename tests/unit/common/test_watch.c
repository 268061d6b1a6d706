#include <criterion/criterion.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clone_pub.h"
#include "config.pb-c.h"
#include "endpoints.h"
#include "log.h"
#include "test_util.h"

static struct event_base *base;
static erx_bus_t *bus;
static erx_clone_pub_t *pub;

static void setup(void) {
  erx_log_init("test");
  erx_log_set_level(ERX_LOG_WARN);
  erx_clone_set_timing(100, 1000);
  char run[256];
  snprintf(run, sizeof run, "%s/run", tu_dir());
  setenv("ERX_RUNDIR", run, 1);
  base = event_base_new();
  bus = erx_bus_new(base);
}

static void teardown(void) {
  erx_clone_pub_destroy(&pub);
  erx_bus_destroy(&bus);
  event_base_free(base);
}

TestSuite(watch, .init = setup, .fini = teardown, .timeout = 60);

static void start_pub(void) {
  char pe[256], se[256];
  erx_endpoint(ERX_SVC_CONFIGD, ERX_SOCK_PUB, true, pe, sizeof pe);
  erx_endpoint(ERX_SVC_CONFIGD, ERX_SOCK_SNAP, true, se, sizeof se);
  pub = erx_clone_pub_new(bus, "cfg", pe, se);
  cr_assert_not_null(pub);
}

static void set_ts(const char *name) {
  Erx__Cfg__TransformSet ts = ERX__CFG__TRANSFORM_SET__INIT;
  Erx__Cfg__Transform tr[] = {ERX__CFG__TRANSFORM__ESP_3DES_HMAC_SHA};
  char key[64];
  snprintf(key, sizeof key, "transform-set/%s", name);
  ts.name = (char *)name;
  ts.transforms = tr;
  ts.n_transforms = 1;
  cr_assert_eq(erx_clone_pub_set(pub, "cfg.transform-set", key, &ts.base), 0);
}

typedef struct {
  pid_t pid;
  int fd;
  char out[8192];
  size_t len;
} child_t;

static void spawn(child_t *c, const char *extra1, const char *extra2, const char *extra3) {
  int p[2];
  cr_assert_eq(pipe(p), 0);
  c->len = 0;
  c->out[0] = '\0';
  c->pid = fork();
  cr_assert_geq(c->pid, 0);
  if (c->pid == 0) {
    dup2(p[1], STDOUT_FILENO);
    close(p[0]);
    close(p[1]);
    execl(ERX_WATCH_BIN, "erx-watch", "--dir", tu_dir(), extra1, extra2, extra3, (char *)NULL);
    _exit(127);
  }
  close(p[1]);
  c->fd = p[0];
  fcntl(c->fd, F_SETFL, O_NONBLOCK);
}

/* Reads what the child has printed so far; true once `want` is in it. */
static bool saw(child_t *c, const char *want) {
  ssize_t n;
  while (c->len + 1 < sizeof c->out && (n = read(c->fd, c->out + c->len, sizeof c->out - 1 - c->len)) > 0)
    c->len += (size_t)n;
  c->out[c->len] = '\0';
  return strstr(c->out, want) != NULL;
}

static bool exited(child_t *c, int *status) { return waitpid(c->pid, status, WNOHANG) == c->pid; }

Test(watch, stream_then_final) {
  start_pub();
  set_ts("b");
  set_ts("a");
  child_t c;
  spawn(&c, NULL, NULL, NULL);
  char sync[128];
  snprintf(sync, sizeof sync, "SYNC count=2 seq=2 epoch=%llu\n", (unsigned long long)erx_clone_pub_epoch(pub));
  TU_WAIT(base, 10000, saw(&c, sync));
  cr_assert(saw(&c, sync), "output: %s", c.out);
  cr_assert(saw(&c, "SET transform-set/a {name:\"a\" transforms:[ESP_3DES_HMAC_SHA]}\n"));

  set_ts("c");
  erx_clone_pub_del(pub, "transform-set/b");
  TU_WAIT(base, 10000, saw(&c, "DEL transform-set/b\n"));
  cr_assert(saw(&c, "SET transform-set/c {name:\"c\" transforms:[ESP_3DES_HMAC_SHA]}\nDEL transform-set/b\n"),
            "output: %s", c.out);

  kill(c.pid, SIGTERM);
  int status = -1;
  TU_WAIT(base, 10000, exited(&c, &status));
  cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
  cr_assert(saw(&c, "FINAL count=2\n"
                    "ITEM transform-set/a {name:\"a\" transforms:[ESP_3DES_HMAC_SHA]}\n"
                    "ITEM transform-set/c {name:\"c\" transforms:[ESP_3DES_HMAC_SHA]}\n"),
            "output: %s", c.out);
  close(c.fd);
}

Test(watch, dump) {
  start_pub();
  set_ts("z");
  set_ts("y");
  child_t c;
  spawn(&c, "--dump", NULL, NULL);
  int status = -1;
  TU_WAIT(base, 10000, exited(&c, &status));
  cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
  saw(&c, "");
  cr_assert_str_eq(c.out, "ITEM transform-set/y {name:\"y\" transforms:[ESP_3DES_HMAC_SHA]}\n"
                          "ITEM transform-set/z {name:\"z\" transforms:[ESP_3DES_HMAC_SHA]}\n");
  close(c.fd);
}

Test(watch, dump_times_out) {
  child_t c;
  long long t0 = tu_now_ms();
  spawn(&c, "--dump", "--timeout", "0.5");
  int status = -1;
  TU_WAIT(base, 10000, exited(&c, &status));
  cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 2, "status %d", status);
  cr_assert_geq(tu_now_ms() - t0, 450);
  close(c.fd);
}
