/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Named network namespaces and cgroups, made the way the tools of a real
 * host make them, for tests of what a reader finds in /proc and /run/netns:
 *
 * - lq_netns_add() is `ip netns add NAME` (iproute2's netns_add()): the
 *   shared mount point /run/netns, an empty file in it, and a process that
 *   unshare()s a network namespace and bind-mounts /proc/self/ns/net on the
 *   file, then exits: the namespace lives on through the mount alone.
 *   lq_netns_join() is the setns() of `ip netns exec NAME`, lq_netns_del()
 *   is `ip netns del NAME` (a lazy umount, then unlink()).
 * - cgroup v2 at /sys/fs/cgroup (mounted if it is not), directories under
 *   it, and moving a process into one, as systemd, docker and kubelet do.
 *
 * Functions return 0 (or a count) on success and -errno on failure.
 */
#ifndef LQ_NS_H
#define LQ_NS_H

#include <stdbool.h>
#include <sys/types.h>

#define LQ_NETNS_RUN_DIR	"/run/netns"
#define LQ_CGROUP_ROOT		"/sys/fs/cgroup"

/* st_ino of path (following links), 0 on error: a namespace file's is its inode. */
unsigned long long lq_path_ino(const char *path);
/* st_ino of /proc/PID/ns/net, 0 on error */
unsigned long long lq_pid_netns_ino(pid_t pid);

/*
 * /run/netns/NAME as `ip netns add` makes it. *made_dir is set when this
 * call created /run/netns or made it a mount point (for lq_netns_run_dir_put()).
 */
int lq_netns_add(const char *name, bool *made_dir);
/*
 * `ip netns attach NAME PID`: /run/netns/NAME, a bind mount of PID's
 * namespace; *made_dir (unless NULL) as for lq_netns_add().
 */
int lq_netns_attach(const char *name, pid_t pid, bool *made_dir);
/* setns() into /run/netns/NAME, as `ip netns exec` does (lo stays as it is) */
int lq_netns_join(const char *name);
/* `ip netns del NAME`: umount2(MNT_DETACH), unlink(); -ENOENT if absent */
int lq_netns_del(const char *name);
/* Undo what lq_netns_add() did to /run/netns itself: its mount and the directory if empty. */
void lq_netns_run_dir_put(void);

/* cgroup v2 at LQ_CGROUP_ROOT, mounted if need be (*mounted set then). */
int lq_cgroup2_ensure(bool *mounted);
/* mkdir -p LQ_CGROUP_ROOT/rel: the count of directories it created, or -errno */
int lq_cgroup_mkdir(const char *rel);
/* Move process pid (0: the caller) into LQ_CGROUP_ROOT/rel */
int lq_cgroup_enter(const char *rel, pid_t pid);
/*
 * rmdir the last levels directories of LQ_CGROUP_ROOT/rel, deepest first
 * (what lq_cgroup_mkdir() created; undo them in the reverse order), retrying
 * the leaf while it is busy (members still exiting) for up to timeout_ms; a
 * parent that still has children stays: 0 or -errno.
 */
int lq_cgroup_rmdir(const char *rel, int levels, int timeout_ms);
/* The calling process's cgroup v2 path ("0::" line of /proc/self/cgroup) into buf */
int lq_cgroup_self(char *buf, size_t len);

#endif /* LQ_NS_H */
