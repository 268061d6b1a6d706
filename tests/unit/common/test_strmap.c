#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "strmap.h"

Test(strmap, insert_replace_delete) {
  erx_strmap_t *m = erx_strmap_new();
  int a = 1, b = 2, c = 3;
  void *old = &c;
  cr_assert_eq(erx_strmap_put(m, "a", &a, &old), 0);
  cr_assert_null(old);
  cr_assert_eq(erx_strmap_put(m, "b", &b, NULL), 0);
  cr_assert_eq(erx_strmap_get(m, "a"), &a);
  cr_assert_eq(erx_strmap_count(m), 2);

  cr_assert_eq(erx_strmap_put(m, "a", &c, &old), 0);
  cr_assert_eq(old, &a, "replace hands back the old value");
  cr_assert_eq(erx_strmap_get(m, "a"), &c);
  cr_assert_eq(erx_strmap_count(m), 2);

  cr_assert_eq(erx_strmap_del(m, "a"), &c);
  cr_assert_null(erx_strmap_del(m, "a"));
  cr_assert_null(erx_strmap_get(m, "a"));
  cr_assert_null(erx_strmap_get(m, "zzz"));
  cr_assert_eq(erx_strmap_count(m), 1);
  erx_strmap_destroy(&m, NULL);
  cr_assert_null(m);
  erx_strmap_destroy(&m, NULL); /* NULL-safe */
}

Test(strmap, keys_are_copied) {
  erx_strmap_t *m = erx_strmap_new();
  char key[8] = "k1";
  int v = 0;
  erx_strmap_put(m, key, &v, NULL);
  strcpy(key, "xx");
  cr_assert_eq(erx_strmap_get(m, "k1"), &v);
  cr_assert_null(erx_strmap_get(m, "xx"));
  erx_strmap_destroy(&m, NULL);
}

static int freed;
static void count_free(void *p) { freed += p != NULL; }

Test(strmap, destroy_frees_values) {
  erx_strmap_t *m = erx_strmap_new();
  static int vals[5];
  char k[8];
  for (int i = 0; i < 5; i++) {
    snprintf(k, sizeof k, "k%d", i);
    erx_strmap_put(m, k, &vals[i], NULL);
  }
  freed = 0;
  erx_strmap_destroy(&m, count_free);
  cr_assert_eq(freed, 5);
}

Test(strmap, iterate_and_sorted) {
  erx_strmap_t *m = erx_strmap_new();
  const char *keys[] = {"tunnel/default/b", "psk/x", "tunnel/default/a", "global", "vr/default"};
  const char *want[] = {"global", "psk/x", "tunnel/default/a", "tunnel/default/b", "vr/default"};
  for (size_t i = 0; i < 5; i++)
    erx_strmap_put(m, keys[i], (void *)keys[i], NULL);

  erx_strmap_iter_t it = ERX_STRMAP_ITER_INIT;
  const char *k;
  void *v;
  size_t seen = 0;
  while (erx_strmap_next(m, &it, &k, &v)) {
    cr_assert_str_eq(k, v);
    seen++;
  }
  cr_assert_eq(seen, 5);

  size_t n;
  const char **sorted = erx_strmap_sorted_keys(m, &n);
  cr_assert_eq(n, 5);
  for (size_t i = 0; i < n; i++)
    cr_assert_str_eq(sorted[i], want[i]);
  free(sorted);

  erx_strmap_t *empty = erx_strmap_new();
  sorted = erx_strmap_sorted_keys(empty, &n);
  cr_assert_not_null(sorted);
  cr_assert_eq(n, 0);
  free(sorted);
  erx_strmap_destroy(&empty, NULL);
  erx_strmap_destroy(&m, NULL);
}

Test(strmap, hundred_thousand_keys) {
  enum { N = 100000 };
  erx_strmap_t *m = erx_strmap_new();
  char k[32];
  for (uintptr_t i = 0; i < N; i++) {
    snprintf(k, sizeof k, "key/%06lu", (unsigned long)i);
    cr_assert_eq(erx_strmap_put(m, k, (void *)(i + 1), NULL), 0);
  }
  cr_assert_eq(erx_strmap_count(m), N);
  /* delete every other key: the backward shift must keep the rest reachable */
  for (uintptr_t i = 0; i < N; i += 2) {
    snprintf(k, sizeof k, "key/%06lu", (unsigned long)i);
    cr_assert_eq(erx_strmap_del(m, k), (void *)(i + 1));
  }
  cr_assert_eq(erx_strmap_count(m), N / 2);
  for (uintptr_t i = 0; i < N; i++) {
    snprintf(k, sizeof k, "key/%06lu", (unsigned long)i);
    void *want = i % 2 ? (void *)(i + 1) : NULL;
    cr_assert_eq(erx_strmap_get(m, k), want, "key %s", k);
  }
  size_t n;
  const char **sorted = erx_strmap_sorted_keys(m, &n);
  cr_assert_eq(n, N / 2);
  for (size_t i = 1; i < n; i++)
    cr_assert_lt(strcmp(sorted[i - 1], sorted[i]), 0);
  free(sorted);

  erx_strmap_iter_t it = ERX_STRMAP_ITER_INIT;
  size_t seen = 0;
  while (erx_strmap_next(m, &it, NULL, NULL))
    seen++;
  cr_assert_eq(seen, N / 2);
  erx_strmap_destroy(&m, NULL);
}
