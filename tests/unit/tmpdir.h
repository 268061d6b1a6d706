/* A private temporary directory per test, removed afterwards. */
#pragma once
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* malloc'd path of a new directory /tmp/<prefix>-XXXXXX */
static inline char *tmpdir_new(const char *prefix)
{
  char buf[64];
  snprintf(buf, sizeof buf, "/tmp/%s-XXXXXX", prefix);
  char *d = strdup(buf);
  cr_assert_not_null(mkdtemp(d));
  return d;
}

static inline void tmpdir_remove(char *d)
{
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
  cr_assert_eq(system(cmd), 0);
  free(d);
}
