/* Helpers for the bus tests: a private run directory and a bounded loop, so
 * that no test can hang. */
#pragma once
#include <stdbool.h>

struct event_base;
struct event;

/* A fresh mkdtemp directory, removed with everything in it at exit. */
const char *tu_dir(void);
/* "ipc://<tu_dir()>/<name>" in a static rotating buffer. */
const char *tu_ep(const char *name);

typedef struct {
  struct event_base *base;
  struct event *tick;
  long long deadline;
} tu_wait_t;

void tu_wait_begin(tu_wait_t *w, struct event_base *base, int ms);
/* One loop iteration; false once the deadline has passed. */
bool tu_wait_step(tu_wait_t *w);
void tu_wait_end(tu_wait_t *w);

/* Runs the loop until cond holds or ms pass; then check cond. */
#define TU_WAIT(base, ms, cond)                                                                                      \
  do {                                                                                                               \
    tu_wait_t tu_w_;                                                                                                 \
    tu_wait_begin(&tu_w_, (base), (ms));                                                                             \
    while (!(cond) && tu_wait_step(&tu_w_))                                                                          \
      ;                                                                                                              \
    tu_wait_end(&tu_w_);                                                                                             \
  } while (0)

/* Runs the loop for ms. */
#define TU_RUN(base, ms) TU_WAIT(base, ms, false)

long long tu_now_ms(void);
