/* Counting, admission, reservations and the blocked list, on a clock the test sets. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "admission.h"

static lic_adm_t *adm;

static void setup(void) {
  adm = lic_adm_new(LIC_RESERVATION_MS);
  cr_assert_not_null(adm);
}

static void teardown(void) { lic_adm_destroy(&adm); }

TestSuite(admission, .init = setup, .fini = teardown);

static const char *key(unsigned i) {
  static char buf[8][32];
  static unsigned next;
  char *b = buf[next++ % 8];
  snprintf(b, sizeof buf[0], "default/t%u", i);
  return b;
}

/* A record of the callbacks, as one string: "+k -k ..." */
static char events[4096];

static void on_blocked(void *arg, const char *k, bool blocked) {
  size_t n = strlen(events);
  snprintf(events + n, sizeof events - n, "%s%c%s", n ? " " : "", blocked ? '+' : '-', k);
}

static void on_expired(void *arg, const char *k) { on_blocked(arg, k, false); }

Test(admission, new_tunnels_are_reserved_then_counted_once) {
  cr_assert_eq(lic_adm_admit(adm, "default/t1", 10, 0), LIC_ADMIT_NEW);
  cr_assert_eq(lic_adm_in_use(adm), 1);
  cr_assert(lic_adm_is_reserved(adm, "default/t1"));
  cr_assert_eq(lic_adm_admit(adm, "default/t1", 10, 5), LIC_ADMIT_EXISTING, "admitted again, not counted twice");
  cr_assert_eq(lic_adm_in_use(adm), 1);

  cr_assert_eq(lic_adm_configured_add(adm, "default/t1"), 0);
  cr_assert(!lic_adm_is_reserved(adm, "default/t1"), "configd committed it: no longer a reservation");
  cr_assert(lic_adm_is_configured(adm, "default/t1"));
  cr_assert_eq(lic_adm_in_use(adm), 1);
  cr_assert_eq(lic_adm_admit(adm, "default/t1", 10, 10), LIC_ADMIT_EXISTING);
  cr_assert_eq(lic_adm_in_use(adm), 1);
  cr_assert_eq(lic_adm_next_expiry(adm), -1);

  cr_assert_eq(lic_adm_configured_add(adm, "default/t1"), 0, "a configd update of the same tunnel");
  cr_assert_eq(lic_adm_configured(adm), 1);
  lic_adm_configured_del(adm, "default/t1");
  cr_assert_eq(lic_adm_in_use(adm), 0);
}

Test(admission, refused_at_the_maximum_but_known_tunnels_still_pass) {
  for (unsigned i = 0; i < 6; i++)
    lic_adm_configured_add(adm, key(i));
  for (unsigned i = 6; i < 10; i++)
    cr_assert_eq(lic_adm_admit(adm, key(i), 10, 0), LIC_ADMIT_NEW);
  cr_assert_eq(lic_adm_in_use(adm), 10);
  cr_assert_eq(lic_adm_admit(adm, key(10), 10, 0), LIC_ADMIT_REFUSED);
  cr_assert_eq(lic_adm_in_use(adm), 10);
  cr_assert_eq(lic_adm_admit(adm, key(3), 10, 0), LIC_ADMIT_EXISTING);
  cr_assert_eq(lic_adm_admit(adm, key(8), 10, 0), LIC_ADMIT_EXISTING);
  /* a configuration loaded past the limit: everything known still passes */
  for (unsigned i = 10; i < 15; i++)
    lic_adm_configured_add(adm, key(i));
  cr_assert_eq(lic_adm_in_use(adm), 15);
  cr_assert_eq(lic_adm_admit(adm, key(14), 10, 0), LIC_ADMIT_EXISTING);
  cr_assert_eq(lic_adm_admit(adm, key(15), 10, 0), LIC_ADMIT_REFUSED);
  lic_adm_configured_del(adm, key(0));
  cr_assert_eq(lic_adm_admit(adm, key(15), 20, 0), LIC_ADMIT_NEW, "a larger maximum admits");
}

Test(admission, reservations_expire_after_their_time) {
  cr_assert_eq(lic_adm_admit(adm, "default/a", 10, 1000), LIC_ADMIT_NEW);
  cr_assert_eq(lic_adm_admit(adm, "default/b", 10, 2000), LIC_ADMIT_NEW);
  cr_assert_eq(lic_adm_next_expiry(adm), 1000 + LIC_RESERVATION_MS);
  cr_assert_eq(lic_adm_expire(adm, 1000 + LIC_RESERVATION_MS - 1, NULL, NULL), 0);
  cr_assert_eq(lic_adm_in_use(adm), 2);

  events[0] = '\0';
  cr_assert_eq(lic_adm_expire(adm, 1000 + LIC_RESERVATION_MS, on_expired, NULL), 1);
  cr_assert_str_eq(events, "-default/a");
  cr_assert_eq(lic_adm_in_use(adm), 1);
  cr_assert_eq(lic_adm_next_expiry(adm), 2000 + LIC_RESERVATION_MS);
  cr_assert_eq(lic_adm_expire(adm, 1000000, NULL, NULL), 1);
  cr_assert_eq(lic_adm_in_use(adm), 0);
  cr_assert_eq(lic_adm_next_expiry(adm), -1);
}

Test(admission, readmission_refreshes_the_reservation) {
  lic_adm_admit(adm, "default/a", 10, 0);
  lic_adm_admit(adm, "default/b", 10, 10000);
  cr_assert_eq(lic_adm_admit(adm, "default/a", 10, 20000), LIC_ADMIT_EXISTING);
  events[0] = '\0';
  lic_adm_expire(adm, 10000 + LIC_RESERVATION_MS, on_expired, NULL);
  cr_assert_str_eq(events, "-default/b", "a was refreshed at 20000");
  cr_assert(lic_adm_is_reserved(adm, "default/a"));
  lic_adm_expire(adm, 20000 + LIC_RESERVATION_MS, on_expired, NULL);
  cr_assert_str_eq(events, "-default/b -default/a");
}

Test(admission, expiry_makes_room_and_admit_expires_first) {
  for (unsigned i = 0; i < 10; i++)
    lic_adm_admit(adm, key(i), 10, 0);
  cr_assert_eq(lic_adm_admit(adm, key(10), 10, LIC_RESERVATION_MS - 1), LIC_ADMIT_REFUSED);
  cr_assert_eq(lic_adm_admit(adm, key(10), 10, LIC_RESERVATION_MS), LIC_ADMIT_NEW);
  cr_assert_eq(lic_adm_in_use(adm), 1);
}

Test(admission, committed_reservation_leaves_the_expiry_list) {
  lic_adm_admit(adm, "default/a", 10, 0);
  lic_adm_admit(adm, "default/b", 10, 1);
  lic_adm_admit(adm, "default/c", 10, 2);
  lic_adm_configured_add(adm, "default/b");
  events[0] = '\0';
  cr_assert_eq(lic_adm_expire(adm, 1000000, on_expired, NULL), 2);
  cr_assert_str_eq(events, "-default/a -default/c");
  cr_assert_eq(lic_adm_in_use(adm), 1);
}

Test(admission, blocked_are_the_last_in_key_order) {
  for (unsigned i = 1; i <= 12; i++)
    lic_adm_configured_add(adm, key(i));
  events[0] = '\0';
  cr_assert_eq(lic_adm_update_blocked(adm, 10, on_blocked, NULL), 2);
  /* strcmp order: t1 t10 t11 t12 t2 ... t9: the first ten are licensed */
  cr_assert_str_eq(events, "+default/t8 +default/t9");
  cr_assert(lic_adm_is_blocked(adm, "default/t9"));
  cr_assert(!lic_adm_is_blocked(adm, "default/t12"));

  events[0] = '\0';
  cr_assert_eq(lic_adm_update_blocked(adm, 10, on_blocked, NULL), 2);
  cr_assert_str_eq(events, "", "nothing changed, nothing reported");

  /* a tunnel that sorts first takes a licensed place: t7 becomes blocked */
  lic_adm_configured_add(adm, "a/first");
  events[0] = '\0';
  cr_assert_eq(lic_adm_update_blocked(adm, 10, on_blocked, NULL), 3);
  cr_assert_str_eq(events, "+default/t7");

  /* deleting a blocked tunnel unblocks nothing else */
  lic_adm_configured_del(adm, "default/t9");
  events[0] = '\0';
  cr_assert_eq(lic_adm_update_blocked(adm, 10, on_blocked, NULL), 2);
  cr_assert_str_eq(events, "-default/t9");

  events[0] = '\0';
  cr_assert_eq(lic_adm_update_blocked(adm, 1000, on_blocked, NULL), 0, "a licence lifts every block");
  cr_assert(strstr(events, "-default/t7") && strstr(events, "-default/t8") && strlen(events) == 23, "%s", events);
  cr_assert_eq(lic_adm_blocked(adm), 0);
  cr_assert_eq(lic_adm_configured(adm), 12, "blocking never removes a tunnel");
}

Test(admission, blocked_ignores_reservations) {
  for (unsigned i = 0; i < 10; i++)
    lic_adm_configured_add(adm, key(i));
  lic_adm_admit(adm, "z/reserved", 20, 0);
  cr_assert_eq(lic_adm_update_blocked(adm, 10, NULL, NULL), 0, "only configured tunnels can be blocked");
}

static double elapsed_ms(const struct timespec *a) {
  struct timespec b;
  clock_gettime(CLOCK_MONOTONIC, &b);
  return (double)(b.tv_sec - a->tv_sec) * 1e3 + (double)(b.tv_nsec - a->tv_nsec) / 1e6;
}

/* 5,000 admissions in a row, each followed by the commit and the blocked
 * check the service runs: linear in total, no sort while under the limit. */
Test(admission, five_thousand_admissions_stay_cheap) {
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (unsigned i = 0; i < 5000; i++) {
    cr_assert_eq(lic_adm_admit(adm, key(i), 5000, i), LIC_ADMIT_NEW);
    lic_adm_configured_add(adm, key(i));
    cr_assert_eq(lic_adm_update_blocked(adm, 5000, NULL, NULL), 0);
  }
  double ms = elapsed_ms(&t0);
  cr_assert_eq(lic_adm_admit(adm, key(5000), 5000, 5000), LIC_ADMIT_REFUSED);
  cr_log_info("5000 admissions + commits: %.2f ms", ms);
}

Test(admission, released_reservations_free_their_slot_but_not_configured_tunnels) {
  cr_assert_eq(lic_adm_admit(adm, "default/a", 2, 0), LIC_ADMIT_NEW);
  cr_assert_eq(lic_adm_admit(adm, "default/b", 2, 0), LIC_ADMIT_NEW);
  cr_assert_eq(lic_adm_admit(adm, "default/c", 2, 0), LIC_ADMIT_REFUSED);
  cr_assert(lic_adm_release(adm, "default/a"), "a reservation ends");
  cr_assert_not(lic_adm_release(adm, "default/a"), "only once");
  cr_assert_eq(lic_adm_in_use(adm), 1);
  cr_assert_eq(lic_adm_next_expiry(adm), LIC_RESERVATION_MS, "b still on the expiry list");
  cr_assert_eq(lic_adm_admit(adm, "default/c", 2, 1), LIC_ADMIT_NEW, "the released slot is free at once");
  cr_assert_eq(lic_adm_configured_add(adm, "default/b"), 0);
  cr_assert_not(lic_adm_release(adm, "default/b"), "a configured tunnel is not released");
  cr_assert_eq(lic_adm_in_use(adm), 2);
}

Test(admission, reservations_older_than_a_configd_restart_are_released) {
  cr_assert_eq(lic_adm_admit(adm, "default/old1", 10, 100), LIC_ADMIT_NEW);
  cr_assert_eq(lic_adm_admit(adm, "default/old2", 10, 200), LIC_ADMIT_NEW);
  cr_assert_eq(lic_adm_admit(adm, "default/new", 10, 300), LIC_ADMIT_NEW);
  cr_assert_eq(lic_adm_configured_add(adm, "default/old2"), 0);
  cr_assert_eq(lic_adm_release_before(adm, 250), 1, "old1 only: old2 is configured, new is newer");
  cr_assert_not(lic_adm_is_reserved(adm, "default/old1"));
  cr_assert(lic_adm_is_reserved(adm, "default/new"));
  cr_assert_eq(lic_adm_in_use(adm), 2);
}
