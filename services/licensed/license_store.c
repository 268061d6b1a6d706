#include "service.h"
#include "license_store.h"

#include "lic_err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMP_FILE LIC_STORE_FILE ".tmp"

static int path_of(char *buf, size_t cap, const char *dir, const char *name) {
  int n = snprintf(buf, cap, "%s/%s", dir, name);
  return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* The rename or unlink is durable only once the directory entry is. */
static int fsync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  int rc = fsync(fd);
  int e = errno;
  close(fd);
  errno = e;
  return rc;
}

int lic_store_read(const char *dir, char *buf, size_t cap, size_t *len, char *err, size_t errlen) {
  char path[4096];
  if (path_of(path, sizeof path, dir, LIC_STORE_FILE) != 0)
    return lic_fail(err, errlen, "state directory path too long");
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 0 : lic_fail(err, errlen, "cannot open %s: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return lic_fail(err, errlen, "%s is not a regular file", path);
  }
  size_t got = 0;
  for (;;) {
    ssize_t r = read(fd, buf + got, cap - 1 - got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      int e = errno;
      close(fd);
      return lic_fail(err, errlen, "cannot read %s: %s", path, strerror(e));
    }
    if (r == 0)
      break;
    got += (size_t)r;
    if (got == cap - 1) {
      char extra;
      ssize_t more = read(fd, &extra, 1);
      close(fd);
      if (more != 0)
        return lic_fail(err, errlen, "%s is larger than any licence key", path);
      fd = -1;
      break;
    }
  }
  if (fd >= 0)
    close(fd);
  if (got > 0 && buf[got - 1] == '\n')
    got--;
  if (got > 0 && buf[got - 1] == '\r')
    got--;
  buf[got] = '\0';
  *len = got;
  return 1;
}

int lic_store_write(const char *dir, const char *token, char *err, size_t errlen) {
  char path[4096], tmp[4096];
  if (path_of(path, sizeof path, dir, LIC_STORE_FILE) != 0 || path_of(tmp, sizeof tmp, dir, TMP_FILE) != 0)
    return lic_fail(err, errlen, "state directory path too long");
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    return lic_fail(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
  int rc = erx_write_all(fd, token, strlen(token)) == 0 && erx_write_all(fd, "\n", 1) == 0 && fsync(fd) == 0 ? 0 : -1;
  int e = errno;
  close(fd);
  if (rc != 0) {
    unlink(tmp);
    return lic_fail(err, errlen, "cannot write %s: %s", tmp, strerror(e));
  }
  if (rename(tmp, path) != 0) {
    e = errno;
    unlink(tmp);
    return lic_fail(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(e));
  }
  if (fsync_dir(dir) != 0)
    return lic_fail(err, errlen, "cannot fsync directory %s: %s", dir, strerror(errno));
  return 0;
}

int lic_store_remove(const char *dir, char *err, size_t errlen) {
  char path[4096];
  if (path_of(path, sizeof path, dir, LIC_STORE_FILE) != 0)
    return lic_fail(err, errlen, "state directory path too long");
  if (unlink(path) != 0) {
    if (errno == ENOENT)
      return 0;
    return lic_fail(err, errlen, "cannot delete %s: %s", path, strerror(errno));
  }
  if (fsync_dir(dir) != 0)
    return lic_fail(err, errlen, "cannot fsync directory %s: %s", dir, strerror(errno));
  return 0;
}
