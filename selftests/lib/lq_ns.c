// SPDX-License-Identifier: GPL-2.0
/*
 * Named network namespaces and cgroups for the listenq selftests. See lq_ns.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lq_ns.h"
#include "netutil.h"		/* lq_write_str() */

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC	0x63677270
#endif

unsigned long long lq_path_ino(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 0;
	return st.st_ino;
}

unsigned long long lq_pid_netns_ino(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	return lq_path_ino(path);
}

/*
 * iproute2: "Make it possible for network namespace mounts to propagate
 * between mount namespaces": /run/netns is made a shared mount point; if
 * it is not a mount point yet (EINVAL), it is bind-mounted on itself first.
 */
static int netns_run_dir(bool *made)
{
	bool bound = false;

	if (mkdir(LQ_NETNS_RUN_DIR, 0755) == 0)
		*made = true;
	else if (errno != EEXIST)
		return -errno;
	while (mount("", LQ_NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL)) {
		if (errno != EINVAL || bound)
			return -errno;
		if (mount(LQ_NETNS_RUN_DIR, LQ_NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL))
			return -errno;
		bound = true;
		*made = true;
	}
	return 0;
}

int lq_netns_add(const char *name, bool *made_dir)
{
	char path[PATH_MAX];
	int fd, ret, status, pfd[2], err = 0;
	bool made = false;
	pid_t pid;

	ret = netns_run_dir(&made);
	if (made_dir)
		*made_dir = made;
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/%s", LQ_NETNS_RUN_DIR, name);
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL, 0);
	if (fd < 0)
		return -errno;
	close(fd);
	if (pipe(pfd))
		return -errno;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(pfd[0]);
		close(pfd[1]);
		unlink(path);
		return ret;
	}
	if (!pid) {
		close(pfd[0]);
		if (unshare(CLONE_NEWNET))
			err = errno;
		else if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL))
			err = errno;
		if (write(pfd[1], &err, sizeof(err)) != sizeof(err))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], &err, sizeof(err)) != sizeof(err))
		err = EPIPE;
	close(pfd[0]);
	waitpid(pid, &status, 0);
	if (err) {
		unlink(path);
		return -err;
	}
	return 0;
}

int lq_netns_attach(const char *name, pid_t pid, bool *made_dir)
{
	char path[PATH_MAX], src[64];
	bool made = false;
	int fd, ret;

	ret = netns_run_dir(&made);
	if (made_dir)
		*made_dir = made;
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/%s", LQ_NETNS_RUN_DIR, name);
	snprintf(src, sizeof(src), "/proc/%d/ns/net", (int)pid);
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL, 0);
	if (fd < 0)
		return -errno;
	close(fd);
	if (mount(src, path, "none", MS_BIND, NULL)) {
		ret = -errno;
		unlink(path);
		return ret;
	}
	return 0;
}

int lq_netns_join(const char *name)
{
	char path[PATH_MAX];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", LQ_NETNS_RUN_DIR, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET))
		ret = -errno;
	close(fd);
	return ret;
}

int lq_netns_del(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", LQ_NETNS_RUN_DIR, name);
	umount2(path, MNT_DETACH);
	return unlink(path) ? -errno : 0;
}

void lq_netns_run_dir_put(void)
{
	umount2(LQ_NETNS_RUN_DIR, MNT_DETACH);
	rmdir(LQ_NETNS_RUN_DIR);
}

int lq_cgroup2_ensure(bool *mounted)
{
	struct statfs sf;

	if (mounted)
		*mounted = false;
	if (statfs(LQ_CGROUP_ROOT, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
		return 0;
	if (mkdir(LQ_CGROUP_ROOT, 0755) && errno != EEXIST)
		return -errno;
	if (mount("cgroup2", LQ_CGROUP_ROOT, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		return -errno;
	if (mounted)
		*mounted = true;
	return 0;
}

int lq_cgroup_mkdir(const char *rel)
{
	char path[PATH_MAX], *p;
	int made = 0;

	if (snprintf(path, sizeof(path), "%s/%s", LQ_CGROUP_ROOT, rel) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (p = path + strlen(LQ_CGROUP_ROOT) + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(path, 0755) == 0)
			made++;
		else if (errno != EEXIST)
			return -errno;
		*p = c;
		if (!c)
			break;
	}
	return made;
}

int lq_cgroup_enter(const char *rel, pid_t pid)
{
	char path[PATH_MAX], buf[32];

	snprintf(path, sizeof(path), "%s/%s/cgroup.procs", LQ_CGROUP_ROOT, rel);
	snprintf(buf, sizeof(buf), "%d\n", pid ? (int)pid : (int)getpid());
	return lq_write_str(path, buf);
}

int lq_cgroup_rmdir(const char *rel, int levels, int timeout_ms)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	char path[PATH_MAX], *slash;
	int waited = 0;

	snprintf(path, sizeof(path), "%s/%s", LQ_CGROUP_ROOT, rel);
	for (int level = 0; level < levels; level++) {
		if (rmdir(path)) {
			/* the leaf: members that exited may still be leaving it */
			if (!level && errno == EBUSY && waited < timeout_ms) {
				level--;
				nanosleep(&ts, NULL);
				waited += 10;
				continue;
			}
			if (!level)
				return -errno;
			/* a shared parent whose other children are still there */
			return errno == ENOTEMPTY || errno == EBUSY ? 0 : -errno;
		}
		slash = strrchr(path, '/');
		if (!slash || slash <= path + strlen(LQ_CGROUP_ROOT))
			break;
		*slash = '\0';
	}
	return 0;
}

int lq_cgroup_self(char *buf, size_t len)
{
	char line[PATH_MAX + 8];
	FILE *f = fopen("/proc/self/cgroup", "re");
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(buf, len, "%s", line + 3);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}
