/* The two packet threads: outbound (TUN -> ESP/AH -> raw socket) and inbound
 * (raw socket -> checks -> TUN).  One direction per thread keeps each SA's
 * cipher context, sequence counter and replay window single-threaded, and a
 * tunnel with traffic both ways uses both cores. */
#pragma once
#include <pthread.h>
#include <stdint.h>

#include "dp_table.h"

/* the largest tunnel MTU (9000) plus room for the outer headers */
#define DP_PKT_MAX 9216
/* a TSO read: virtio-net header + a 64 KB IPv4 packet */
#define DP_TSO_MAX (65536 + 64)

typedef struct dp_workers {
  pthread_t out, in;
  int started;
} dp_workers_t;

int dp_workers_start(dp_workers_t *w, dp_table_t *t, char *err, size_t errlen);
/* Wakes both threads through the table's stop eventfd and joins them. */
void dp_workers_stop(dp_workers_t *w, dp_table_t *t);

/* Each thread's loop; one batch per ready descriptor under the read lock. */
void *dp_outbound_main(void *table);
void *dp_inbound_main(void *table);
int64_t dp_wall_ms(void);
