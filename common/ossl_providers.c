#include "ossl_providers.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/provider.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool default_ok, legacy_ok;
static OSSL_PROVIDER *prov_legacy, *prov_default;

/* unloaded at exit so that leak checkers see a clean process */
static void unload_providers(void)
{
  if (prov_legacy)
    OSSL_PROVIDER_unload(prov_legacy);
  if (prov_default)
    OSSL_PROVIDER_unload(prov_default);
  prov_legacy = prov_default = NULL;
}

static void load_providers(void)
{
  /* Loading any provider explicitly stops OpenSSL from loading "default"
   * implicitly, so both are loaded; they stay loaded for the process. */
  prov_legacy = OSSL_PROVIDER_load(NULL, "legacy");
  legacy_ok = prov_legacy != NULL;
  prov_default = OSSL_PROVIDER_load(NULL, "default");
  default_ok = prov_default != NULL;
  atexit(unload_providers);
}

bool erx_ossl_providers_init(char *err, size_t errlen)
{
  pthread_once(&once, load_providers);
  if (!default_ok)
    snprintf(err, errlen, "OpenSSL default provider cannot be loaded");
  return default_ok;
}

bool erx_ossl_legacy_available(void) { return legacy_ok; }
