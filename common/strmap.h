/* A string-keyed hash map (open addressing).  Keys are copied; values are
 * the caller's.  Used for the Clone map and configd's model. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

typedef struct erx_strmap erx_strmap_t;

erx_strmap_t *erx_strmap_new(void);
/* free_val may be NULL */
void erx_strmap_destroy(erx_strmap_t **map_p, void (*free_val)(void *));
void *erx_strmap_get(const erx_strmap_t *map, const char *key);
/* Inserts or replaces.  *old (if old != NULL) receives the replaced value or NULL.
 * Returns 0, -1 on allocation failure. */
int erx_strmap_put(erx_strmap_t *map, const char *key, void *val, void **old);
/* Removes and returns the value (NULL if absent). */
void *erx_strmap_del(erx_strmap_t *map, const char *key);
size_t erx_strmap_count(const erx_strmap_t *map);

/* Iteration in unspecified order; the map must not change meanwhile. */
typedef struct {
  size_t pos;
} erx_strmap_iter_t;
#define ERX_STRMAP_ITER_INIT {0}
bool erx_strmap_next(const erx_strmap_t *map, erx_strmap_iter_t *it, const char **key, void **val);

/* Keys in strcmp order: a malloc'd array of n pointers into the map (free the
 * array only).  Valid until the map changes. */
const char **erx_strmap_sorted_keys(const erx_strmap_t *map, size_t *n);
