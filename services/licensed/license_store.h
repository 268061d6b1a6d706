/* The installed licence on disk: <state>/license, the key on one line.
 * Replaced atomically (temporary file, fsync, rename, fsync of the
 * directory), so a crash leaves the old key or the new one, never a mix.
 * Nothing here judges the key: a file that fails verification is kept for
 * the operator to see. */
#pragma once
#include <stddef.h>

#define LIC_STORE_FILE "license"

/* 1: a key was read into buf (NUL-terminated, line end removed, *len set);
 * 0: no licence stored; -1: unreadable or not a key-sized file (err says).
 * cap must exceed the longest key accepted plus its line end. */
int lic_store_read(const char *dir, char *buf, size_t cap, size_t *len, char *err, size_t errlen);
/* 0, or -1 with err (the stored key is then unchanged). */
int lic_store_write(const char *dir, const char *token, char *err, size_t errlen);
/* Deletes the stored key (0 also when there is none), or -1 with err. */
int lic_store_remove(const char *dir, char *err, size_t errlen);
