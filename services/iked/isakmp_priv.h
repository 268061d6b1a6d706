/* Helpers shared by the codec's files; not part of its interface. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "isakmp_codec.h"

static inline uint16_t isakmp_get16(const uint8_t *p)
{
  return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t isakmp_get32(const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Sets e (when not NULL) to code and the formatted message; returns code. */
isakmp_err_t isakmp_fail(isakmp_error_t *e, isakmp_err_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Whether an SPI of size bytes is valid for the protocol; 0 is for
 * messages about the ISAKMP SA itself (or no SA).  On false, *why says so. */
bool isakmp_spi_size_ok(uint8_t protocol, uint8_t size, const char **why);
