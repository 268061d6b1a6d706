/* cr_assert_err(call, code, text): the call returns code, and the error in
 * the test's `err` (an isakmp_error_t) has that code and says text. */
#pragma once
#include <criterion/criterion.h>
#include <string.h>

#define cr_assert_err(call, code_, text)                                                                  \
  do {                                                                                                  \
    cr_assert_eq((call), (code_), "%s", err.msg);                                                       \
    cr_assert_eq(err.code, (code_));                                                                    \
    cr_assert(strstr(err.msg, (text)), "message \"%s\" lacks \"%s\"", err.msg, (text));                \
  } while (0)
