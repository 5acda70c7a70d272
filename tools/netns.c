// SPDX-License-Identifier: GPL-2.0
/*
 * Where the listeners' files are: those of listenq's own network namespace,
 * or those of another one (-N NAME|PID).
 *
 * NAME is a namespace of ip-netns(8), a file under /run/netns: listenq
 * enters it with setns() and reads /proc/self/net/listenq, which procfs
 * looks up in the namespace of the reader at the time of the open. PID
 * reads /proc/PID/net/listenq, the files of that process's namespace,
 * without entering it. The module creates these files in every namespace
 * (lq_proc_net_init() in module/proc.c); listenq_hist only since it has
 * the histograms, and listenq reads the others without it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <listenq/abi.h>

#include "netns.h"
#include "testenv.h"
#include "util.h"

#define LQ_NETNS_DIR	"/run/netns"	/* ip netns add NAME: a bind mount here */
#define LQ_PID_MAX	4194304		/* PID_MAX_LIMIT of 64-bit kernels */

/* -N's argument: all digits is a PID, anything else a name. */
int lq_parse_net(const char *s, struct lq_net *n)
{
	memset(n, 0, sizeof(*n));
	if (*s && strspn(s, "0123456789") == strlen(s)) {
		long long pid;

		if (strlen(s) > 10 || !lq_parse_ll(s, &pid) || pid < 1 || pid > LQ_PID_MAX)
			return -1;
		n->pid = (int)pid;
		return 0;
	}
	/* ip netns refuses the same names: they would not be a file of /run/netns. */
	if (!*s || strchr(s, '/') || !strcmp(s, ".") || !strcmp(s, "..") || strlen(s) > 255)
		return -1;
	n->name = s;
	return 0;
}

/* Enters the namespace /run/netns/@name. */
static int lq_enter_netns(const char *name)
{
	char path[LQ_PATH_LEN];
	int fd, err;

	lq_path(path, sizeof(path), LQ_NETNS_DIR "/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		if (err == ENOENT)
			lq_err("network namespace '%s' not found: no %s (ip netns list)", name,
			       path);
		else
			lq_err("network namespace '%s': %s: %s", name, path, strerror(err));
		return -1;
	}
	if (setns(fd, CLONE_NEWNET)) {
		err = errno;
		close(fd);
		if (err == EINVAL)
			lq_err("network namespace '%s': %s is not a network namespace", name, path);
		else if (err == EPERM)
			lq_err("cannot enter network namespace '%s': %s (setns() needs "
			       "CAP_SYS_ADMIN: run as root)", name, strerror(err));
		else
			lq_err("cannot enter network namespace '%s': %s", name, strerror(err));
		return -1;
	}
	close(fd);
	return 0;
}

int lq_net_files(const struct lq_net *n, struct lq_files *f)
{
	char dir[LQ_PATH_LEN];
	struct stat st;

	if (n->name) {
		if (lq_enter_netns(n->name))
			return LQ_EXIT_ERR;
		lq_path(f->table, sizeof(f->table), "/proc/self/net/listenq");
		lq_path(f->sysctl, sizeof(f->sysctl), "/proc/self/net/listenq_sysctl");
		lq_path(f->hist, sizeof(f->hist), "/proc/self/net/listenq_hist");
		return LQ_EXIT_OK;
	}
	if (n->pid) {
		/* Tell a process that is gone from a namespace without the module. */
		lq_path(dir, sizeof(dir), "/proc/%d", n->pid);
		if (stat(dir, &st)) {
			if (errno == ENOENT)
				lq_err("no process %d: no %s", n->pid, dir);
			else
				lq_err("process %d: %s: %s", n->pid, dir, strerror(errno));
			return LQ_EXIT_ERR;
		}
		lq_path(f->table, sizeof(f->table), "/proc/%d/net/listenq", n->pid);
		lq_path(f->sysctl, sizeof(f->sysctl), "/proc/%d/net/listenq_sysctl", n->pid);
		lq_path(f->hist, sizeof(f->hist), "/proc/%d/net/listenq_hist", n->pid);
		return LQ_EXIT_OK;
	}
	lq_path(f->table, sizeof(f->table), "%s", LQ_PROC_FILE);
	lq_path(f->sysctl, sizeof(f->sysctl), "%s", LQ_PROC_SYSCTL_FILE);
	lq_path(f->hist, sizeof(f->hist), "%s", LQ_PROC_HIST_FILE);
	return LQ_EXIT_OK;
}

/*
 * -N "$(pidof nginx)": pidof prints every PID of a pre-fork server. PIDs
 * in one network namespace stand for it; the first is read. 1: @s is no
 * list of PIDs; -1: they are in different namespaces or one is gone.
 */
int lq_parse_net_pids(const char *s, struct lq_net *net)
{
	char first[64] = "", link[64], prev[64] = "", path[LQ_PATH_LEN];
	const char *p = s;
	size_t n;
	ssize_t len;

	if (!strchr(s, ' ') || strspn(s, "0123456789 ") != strlen(s))
		return 1;
	for (p += strspn(p, " "); *p; p += n, p += strspn(p, " ")) {
		n = strcspn(p, " ");
		if (n > 10)
			return 1;
		snprintf(link, sizeof(link), "%.*s", (int)n, p);
		if (!first[0])
			snprintf(first, sizeof(first), "%s", link);
		lq_path(path, sizeof(path), "/proc/%s/ns/net", link);
		len = readlink(path, link, sizeof(link) - 1);
		if (len < 0) {
			lq_err("--net '%s': process %.*s: %s", s, (int)n, p, strerror(errno));
			return -1;
		}
		link[len] = '\0';
		if (prev[0] && strcmp(prev, link)) {
			lq_err("--net '%s': the processes are in different network namespaces; "
			       "give one PID", s);
			return -1;
		}
		snprintf(prev, sizeof(prev), "%s", link);
	}
	if (!first[0] || lq_parse_net(first, net))
		return 1;
	return 0;
}

