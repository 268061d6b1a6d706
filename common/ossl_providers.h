/* OpenSSL providers for the whole process, loaded once: "default", plus
 * "legacy" for single DES (datapathd's esp-des transforms, iked's IKE DES).
 * Shared so that every service loads them the same way. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

/* Loads both providers once per process (thread-safe; later calls only
 * report the first outcome).  False only when the default provider is
 * missing; a missing legacy provider makes DES fail where it is used. */
bool erx_ossl_providers_init(char *err, size_t errlen);
/* Whether the legacy provider loaded (false before erx_ossl_providers_init). */
bool erx_ossl_legacy_available(void);
