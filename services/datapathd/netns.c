#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static bool is_default(const char *name)
{
  return !name || !*name || strcmp(name, "default") == 0;
}

static bool valid_name(const char *name)
{
  /* it becomes a path under /run/netns */
  return strlen(name) < 64 && !strchr(name, '/') && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

bool dp_netns_exists(const char *name)
{
  if (is_default(name))
    return true;
  char path[128];
  snprintf(path, sizeof path, "/run/netns/%s", name);
  /* a namespace file is a bind mount of nsfs; a plain file of that name is
   * what is left where the mount did not reach (another mount namespace) */
  struct statfs fs;
  return valid_name(name) && statfs(path, &fs) == 0 && fs.f_type == NSFS_MAGIC;
}

int dp_netns_run(const char *name, int (*fn)(void *arg), void *arg, char *err, size_t errlen)
{
  if (is_default(name))
    return fn(arg);
  if (!valid_name(name)) {
    snprintf(err, errlen, "bad namespace name '%s'", name);
    return -1;
  }
  char path[128];
  snprintf(path, sizeof path, "/run/netns/%s", name);
  int here = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  int there = open(path, O_RDONLY | O_CLOEXEC);
  if (here < 0 || there < 0) {
    snprintf(err, errlen, "cannot open %s: %s", here < 0 ? "this thread's namespace" : path, strerror(errno));
    if (here >= 0)
      close(here);
    if (there >= 0)
      close(there);
    return -1;
  }
  int rc = -1;
  if (setns(there, CLONE_NEWNET) != 0) {
    snprintf(err, errlen, "cannot enter namespace %s: %s", name, strerror(errno));
  } else {
    rc = fn(arg);
    if (setns(here, CLONE_NEWNET) != 0) {
      snprintf(err, errlen, "cannot return from namespace %s: %s", name, strerror(errno));
      rc = -1;
    }
  }
  close(here);
  close(there);
  return rc;
}

/* iproute2 does the bind mount dance; no reason to copy it */
static int run_ip(char *const argv[], char *err, size_t errlen)
{
  pid_t pid;
  int rc = posix_spawnp(&pid, "ip", NULL, NULL, argv, environ);
  if (rc != 0) {
    snprintf(err, errlen, "cannot run ip: %s", strerror(rc));
    return -1;
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) {
      snprintf(err, errlen, "waitpid: %s", strerror(errno));
      return -1;
    }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    snprintf(err, errlen, "'ip %s %s %s' failed", argv[1], argv[2], argv[3]);
    return -1;
  }
  return 0;
}

int dp_netns_create(const char *name, char *err, size_t errlen)
{
  if (is_default(name) || dp_netns_exists(name))
    return 0;
  if (!valid_name(name)) {
    snprintf(err, errlen, "bad namespace name '%s'", name);
    return -1;
  }
  char stale[128];
  snprintf(stale, sizeof stale, "/run/netns/%s", name);
  unlink(stale); /* not a namespace (dp_netns_exists said so): ip would refuse to add it */
  char *add[] = {"ip", "netns", "add", (char *)name, NULL};
  char *lo[] = {"ip", "-n", (char *)name, "link", "set", "lo", "up", NULL};
  if (run_ip(add, err, errlen) != 0)
    return -1;
  return run_ip(lo, err, errlen);
}
