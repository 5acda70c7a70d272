// SPDX-License-Identifier: GPL-2.0
/*
 * -A's namespaces, found as lsns(8) finds them: every distinct inode of
 * /proc/PID/ns/net and of /run/netns/NAME (ip netns add bind-mounts a
 * namespace there, often with no process in it), with the processes and
 * files that are in each.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "nsscan.h"
#include "testenv.h"
#include "util.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC	0x6e736673	/* linux/magic.h */
#endif


static int lq_nsref_cmp(const void *a, const void *b)
{
	const struct lq_nsref *x = a, *y = b;

	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (!x->name || !y->name)
		return 0;
	return strcmp(x->name, y->name);
}

/*
 * The inode of namespace file @path. /proc/PID/ns/net is a link that reads
 * net:[INODE]; a /run/netns file is a bind mount of one, whose inode fstat()
 * gives, once fstatfs() says it is nsfs: ip netns add creates the file on
 * tmpfs and mounts over it a moment later, ip netns delete unmounts it
 * before it unlinks it. Both calls are on one fd, so that they see the same
 * file: a stat() and a statfs() of the path could see the tmpfs file and
 * the mount over it, and take the tmpfs inode for the namespace's.
 */
static bool lq_ns_inode(const char *path, unsigned long long *ino)
{
	char link[64], *end;
	struct statfs sfs;
	struct stat st;
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	bool ok;
	int fd;

	if (n > 0) {
		link[n] = '\0';
		if (!strncmp(link, "net:[", 5) && link[5] >= '0' && link[5] <= '9') {
			errno = 0;
			*ino = strtoull(link + 5, &end, 10);
			return !errno && end[0] == ']' && !end[1];
		}
	}
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return false;
	ok = !fstat(fd, &st) && !fstatfs(fd, &sfs) && (unsigned long)sfs.f_type == NSFS_MAGIC;
	close(fd);
	if (ok)
		*ino = (unsigned long long)st.st_ino;
	return ok;
}

static int lq_nsref_add(struct lq_nsref **v, unsigned int *n, unsigned int *cap,
			const struct lq_nsref *r)
{
	if (*n == *cap) {
		unsigned int ncap = *cap ? 2 * *cap : 256;
		struct lq_nsref *nv = realloc(*v, ncap * sizeof(*nv));

		if (!nv)
			return -1;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = *r;
	return 0;
}

static bool lq_all_digits(const char *s)
{
	return *s && strlen(s) <= 10 && strspn(s, "0123456789") == strlen(s);
}

/*
 * Every process of /proc and file of /run/netns with its namespace, by
 * inode, then PID (files, PID 0, first, by name). -1: reported.
 */
int lq_nsrefs(struct lq_nsref **v, unsigned int *n)
{
	unsigned int cap = 0;
	char dir[LQ_PATH_LEN], path[LQ_PATH_LEN + 320];	/* dir, '/', a NAME_MAX name */
	struct lq_nsref r;
	struct dirent *de;
	long long pid;
	DIR *d;

	*v = NULL;
	*n = 0;
	lq_path(dir, sizeof(dir), "/proc");
	d = opendir(dir);
	if (!d) {
		lq_err("%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		if (!lq_all_digits(de->d_name) || !lq_parse_ll(de->d_name, &pid) || pid < 1 ||
		    pid > 0x7fffffff)
			continue;
		snprintf(path, sizeof(path), "%s/%s/ns/net", dir, de->d_name);
		r = (struct lq_nsref){ .pid = (int)pid };
		/* Gone already, or a kernel that hides it: not a namespace to read. */
		if (!lq_ns_inode(path, &r.inode))
			continue;
		if (lq_nsref_add(v, n, &cap, &r))
			goto nomem;
	}
	closedir(d);

	lq_path(dir, sizeof(dir), "/run/netns");
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		r = (struct lq_nsref){ .pid = 0 };
		if (!lq_ns_inode(path, &r.inode))
			continue;
		r.name = strdup(de->d_name);
		if (!r.name || lq_nsref_add(v, n, &cap, &r)) {
			free(r.name);
			goto nomem;
		}
	}
	if (d)
		closedir(d);
	/* No /run/netns: no ip netns namespace, nothing to say. */
	qsort(*v, *n, sizeof(**v), lq_nsref_cmp);
	return 0;
nomem:
	closedir(d);
	lq_err("%s", strerror(ENOMEM));
	return -1;
}

void lq_nsrefs_free(struct lq_nsref *v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}
