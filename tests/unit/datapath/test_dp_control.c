/* datapathd's control-side pieces without packets: selectors from
 * identities (and the routes that cover them), the inbound SA index, SA
 * lifetime thresholds and the persisted outbound sequence reservations. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dp_idmap.h"
#include "dp_sa_life.h"
#include "dp_selector.h"
#include "dp_seq_store.h"

static Erx__Cfg__Identity ident(Erx__Cfg__IdentityType type, const char *a1, const char *a2)
{
  Erx__Cfg__Identity id = ERX__CFG__IDENTITY__INIT;
  id.type = type;
  id.addr1 = (char *)a1;
  id.addr2 = (char *)a2;
  return id;
}

Test(selector, identities_become_ranges)
{
  char err[128];
  dp_range_t r;
  Erx__Cfg__Identity id = ident(ERX__CFG__IDENTITY_TYPE__ID_SUBNET, "10.1.2.0", "255.255.255.0");
  cr_assert(dp_range_from_identity(&id, &r, err, sizeof err));
  cr_assert_eq(r.lo, 0x0a010200u);
  cr_assert_eq(r.hi, 0x0a0102ffu);
  cr_assert(dp_range_has(&r, 0x0a010280u));
  cr_assert_not(dp_range_has(&r, 0x0a010300u));
  id = ident(ERX__CFG__IDENTITY_TYPE__ID_ADDRESS, "192.0.2.7", "");
  cr_assert(dp_range_from_identity(&id, &r, err, sizeof err));
  cr_assert(r.lo == 0xc0000207u && r.hi == 0xc0000207u);
  id = ident(ERX__CFG__IDENTITY_TYPE__ID_RANGE, "192.0.2.10", "192.0.2.20");
  cr_assert(dp_range_from_identity(&id, &r, err, sizeof err));
  cr_assert(r.lo == 0xc000020au && r.hi == 0xc0000214u);
  /* no identity: everything */
  cr_assert(dp_range_from_identity(NULL, &r, err, sizeof err));
  cr_assert(r.lo == 0 && r.hi == UINT32_MAX);
}

Test(selector, bad_identities_are_refused_with_a_reason)
{
  char err[128];
  dp_range_t r;
  Erx__Cfg__Identity id = ident(ERX__CFG__IDENTITY_TYPE__ID_RANGE, "192.0.2.20", "192.0.2.10");
  cr_assert_not(dp_range_from_identity(&id, &r, err, sizeof err));
  cr_assert(strstr(err, "reversed"), "%s", err);
  id = ident(ERX__CFG__IDENTITY_TYPE__ID_SUBNET, "10.0.0.0", "255.0.255.0");
  cr_assert_not(dp_range_from_identity(&id, &r, err, sizeof err));
  cr_assert(strstr(err, "contiguous"), "%s", err);
  id = ident(ERX__CFG__IDENTITY_TYPE__ID_ADDRESS, "10.0.0", "");
  cr_assert_not(dp_range_from_identity(&id, &r, err, sizeof err));
}

Test(selector, ranges_become_the_fewest_prefixes)
{
  uint32_t nets[64], masks[64];
  dp_range_t r = {0xc000020au, 0xc0000214u}; /* .10 - .20 */
  size_t n = dp_range_prefixes(&r, nets, masks, 64);
  /* .10/31 .12/30 .16/30 .20/32 */
  cr_assert_eq(n, 4);
  cr_assert(nets[0] == 0xc000020au && masks[0] == 0xfffffffeu);
  cr_assert(nets[1] == 0xc000020cu && masks[1] == 0xfffffffcu);
  cr_assert(nets[2] == 0xc0000210u && masks[2] == 0xfffffffcu);
  cr_assert(nets[3] == 0xc0000214u && masks[3] == 0xffffffffu);
  dp_range_t all = {0, UINT32_MAX};
  cr_assert_eq(dp_range_prefixes(&all, nets, masks, 64), 1);
  cr_assert_eq(masks[0], 0);
  dp_range_t worst = {1, UINT32_MAX - 1};
  cr_assert_eq(dp_range_prefixes(&worst, nets, masks, 64), 62);
  /* every address of a random range is covered exactly once */
  srand(7);
  for (int k = 0; k < 200; k++) {
    uint32_t a = (uint32_t)rand() % 5000, b = a + (uint32_t)rand() % 3000;
    dp_range_t x = {a, b};
    n = dp_range_prefixes(&x, nets, masks, 64);
    uint64_t covered = 0;
    for (size_t i = 0; i < n; i++) {
      cr_assert_eq(nets[i] & ~masks[i], 0, "prefix %zu not aligned", i);
      covered += (uint64_t)(~masks[i]) + 1;
      cr_assert(nets[i] >= a && (nets[i] | ~masks[i]) <= b);
    }
    cr_assert_eq(covered, (uint64_t)b - a + 1);
  }
}

Test(idmap, put_get_delete_and_reuse)
{
  dp_idmap_t m;
  dp_idmap_init(&m);
  static int vals[3000];
  for (uint64_t i = 0; i < 3000; i++)
    cr_assert(dp_idmap_put(&m, i << 32 | (256 + i), &vals[i]));
  cr_assert_not(dp_idmap_put(&m, 5ull << 32 | 261, &vals[0]), "a duplicate key must be refused");
  for (uint64_t i = 0; i < 3000; i += 2)
    dp_idmap_del(&m, i << 32 | (256 + i));
  for (uint64_t i = 0; i < 3000; i++)
    cr_assert_eq(dp_idmap_get(&m, i << 32 | (256 + i)), i % 2 ? &vals[i] : NULL);
  for (uint64_t i = 0; i < 3000; i += 2)
    cr_assert(dp_idmap_put(&m, i << 32 | (256 + i), &vals[i]));
  cr_assert_eq(m.live, 3000);
  cr_assert_null(dp_idmap_get(&m, 1ull << 32 | 999999));
  dp_idmap_free(&m);
}

Test(life, soft_at_ninety_percent_then_hard)
{
  dp_life_t l = {.seconds = 1000, .kilobytes = 1000};
  Erx__Dp__SaLife s = ERX__DP__SA_LIFE__SA_ACTIVE;
  cr_assert_eq(dp_life_eval(&l, s, 899, 0), ERX__DP__SA_LIFE__SA_ACTIVE);
  cr_assert_eq(dp_life_eval(&l, s, 900, 0), ERX__DP__SA_LIFE__SA_SOFT_EXPIRED);
  cr_assert_eq(dp_life_eval(&l, s, 1000, 0), ERX__DP__SA_LIFE__SA_HARD_EXPIRED);
  cr_assert_eq(dp_life_eval(&l, s, 0, 1024 * 899), ERX__DP__SA_LIFE__SA_ACTIVE);
  cr_assert_eq(dp_life_eval(&l, s, 0, 1024 * 900), ERX__DP__SA_LIFE__SA_SOFT_EXPIRED);
  cr_assert_eq(dp_life_eval(&l, s, 0, 1024 * 1000), ERX__DP__SA_LIFE__SA_HARD_EXPIRED);
  cr_assert_eq(dp_life_hard_bytes(&l), 1024000u);
  /* never back: a soft-expired SA stays soft, a hard one hard */
  cr_assert_eq(dp_life_eval(&l, ERX__DP__SA_LIFE__SA_SOFT_EXPIRED, 0, 0), ERX__DP__SA_LIFE__SA_SOFT_EXPIRED);
  cr_assert_eq(dp_life_eval(&l, ERX__DP__SA_LIFE__SA_HARD_EXPIRED, 0, 0), ERX__DP__SA_LIFE__SA_HARD_EXPIRED);
  /* no limits (manual keys) */
  dp_life_t none = {0};
  cr_assert_eq(dp_life_eval(&none, s, 1u << 30, UINT64_MAX), ERX__DP__SA_LIFE__SA_ACTIVE);
  /* the largest kilobyte lifetime does not overflow */
  dp_life_t big = {.kilobytes = 4294967295ull};
  cr_assert_eq(dp_life_eval(&big, s, 0, 4294967295ull * 1024 / 100 * 89), ERX__DP__SA_LIFE__SA_ACTIVE);
  cr_assert_eq(dp_life_eval(&big, s, 0, 4294967295ull * 1024), ERX__DP__SA_LIFE__SA_HARD_EXPIRED);
}

Test(seq_store, reservations_survive_a_reopen_and_bad_lines_are_skipped)
{
  char dir[] = "/tmp/erx-seq-XXXXXX", err[256], path[128];
  cr_assert_not_null(mkdtemp(dir));
  dp_seq_store_t *s = dp_seq_store_open(dir, err, sizeof err);
  cr_assert_not_null(s);
  cr_assert_eq(dp_seq_store_get(s, "default/toB", 1000), 0);
  cr_assert_eq(dp_seq_store_set(s, "default/toB", 1000, DP_SEQ_BLOCK, err, sizeof err), 0, "%s", err);
  cr_assert_eq(dp_seq_store_set(s, "vr1/x", 7, 3 * DP_SEQ_BLOCK, err, sizeof err), 0, "%s", err);
  cr_assert_eq(dp_seq_store_set(s, "default/toB", 1000, 2 * DP_SEQ_BLOCK, err, sizeof err), 0, "%s", err);
  dp_seq_store_close(&s);
  snprintf(path, sizeof path, "%s/outbound-seq", dir);
  FILE *f = fopen(path, "a");
  cr_assert_not_null(f);
  fputs("garbage line\n", f);
  fclose(f);
  s = dp_seq_store_open(dir, err, sizeof err);
  cr_assert_not_null(s);
  cr_assert(strstr(err, "line 3"), "the bad line must be reported: %s", err);
  cr_assert_eq(dp_seq_store_get(s, "default/toB", 1000), 2 * DP_SEQ_BLOCK);
  cr_assert_eq(dp_seq_store_get(s, "vr1/x", 7), 3 * DP_SEQ_BLOCK);
  cr_assert_eq(dp_seq_store_get(s, "vr1/x", 8), 0);
  /* a deleted tunnel's reservations go, on disk too; a tunnel whose name
   * merely starts the same way keeps its own */
  cr_assert_eq(dp_seq_store_set(s, "default/toBx", 9, 5, err, sizeof err), 0, "%s", err);
  cr_assert_eq(dp_seq_store_drop(s, "default/toB", err, sizeof err), 0, "%s", err);
  dp_seq_store_close(&s);
  s = dp_seq_store_open(dir, err, sizeof err);
  cr_assert_eq(dp_seq_store_get(s, "default/toB", 1000), 0);
  cr_assert_eq(dp_seq_store_get(s, "default/toBx", 9), 5);
  cr_assert_eq(dp_seq_store_get(s, "vr1/x", 7), 3 * DP_SEQ_BLOCK);
  dp_seq_store_close(&s);
  unlink(path);
  rmdir(dir);
}
