/* The one way licensed's modules report why something failed: a message in
 * the caller's buffer and -1, so `return lic_fail(err, errlen, ...)` reads
 * as the reason. */
#pragma once
#include <stddef.h>

int lic_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
