// SPDX-License-Identifier: GPL-2.0
/*
 * listenq -p: the processes that hold each listener, found as ss -p finds
 * them: every /proc/PID/fd/N whose link reads socket:[INODE], INODE being
 * the listener's inode column. Socket inodes are unique on the host, so
 * one pass over /proc serves every namespace of -A. A socket inherited
 * across fork() (a pre-fork server) has one owner per process, and one
 * process may hold it in several fds: each is listed.
 *
 * Processes come and go during the pass, and without root only the
 * caller's own are readable: what cannot be read is skipped, as ss does.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "owners.h"
#include "table.h"
#include "testenv.h"
#include "text.h"
#include "util.h"

static int lq_ull_cmp(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

static int lq_owner_cmp(const void *a, const void *b)
{
	const struct lq_owner *x = a, *y = b;

	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->fd < y->fd ? -1 : x->fd > y->fd;
}

/* A name of /proc (a PID, @lo 1) or of /proc/PID/fd (an fd, @lo 0): digits only. */
static bool lq_num_name(const char *s, int lo, int *v)
{
	long long n;

	if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 10 ||
	    !lq_parse_ll(s, &n) || n < lo || n > 0x7fffffff)
		return false;
	*v = (int)n;
	return true;
}

/* The socket inode of link text "socket:[INODE]". */
static bool lq_socket_inode(const char *link, unsigned long long *ino)
{
	char *end;

	if (strncmp(link, "socket:[", 8) || link[8] < '0' || link[8] > '9')
		return false;
	errno = 0;
	*ino = strtoull(link + 8, &end, 10);
	return !errno && end[0] == ']' && !end[1];
}

/*
 * /proc/PID/comm whole, without the newline proc_task_name()'s caller adds;
 * "" when the process is gone. The name is the process's own choice
 * (prctl(PR_SET_NAME)) and may hold any byte but NUL, newlines and ')'
 * too: only the last newline is the file's.
 */
static void lq_comm(int pid_dir, char *comm)
{
	char buf[LQ_COMM_LEN + 1];
	ssize_t n;
	int fd = openat(pid_dir, "comm", O_RDONLY | O_CLOEXEC);

	comm[0] = '\0';
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	if (buf[n - 1] == '\n')
		n--;
	if (n > LQ_COMM_LEN - 1)
		n = LQ_COMM_LEN - 1;	/* longer than the kernel makes it */
	memcpy(comm, buf, (size_t)n);
	comm[n] = '\0';
}

static int lq_owner_add(struct lq_owners *o, unsigned int *cap, const struct lq_owner *w)
{
	if (o->n == *cap) {
		unsigned int ncap = *cap ? 2 * *cap : 64;
		struct lq_owner *nv = realloc(o->v, ncap * sizeof(*nv));

		if (!nv)
			return -1;
		o->v = nv;
		*cap = ncap;
	}
	o->v[o->n++] = *w;
	return 0;
}

/* The fds of one process that are sockets of @inodes (@n, sorted). */
static int lq_scan_pid(struct lq_owners *o, unsigned int *cap, int proc_dir, int pid,
		       const unsigned long long *inodes, unsigned int n)
{
	struct lq_owner w = { .pid = pid };
	char name[16], link[64];
	struct dirent *de;
	bool have_comm = false;
	int pid_dir, fd_dir, rc = 0;
	DIR *d;

	snprintf(name, sizeof(name), "%d", pid);
	pid_dir = openat(proc_dir, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pid_dir < 0)
		return 0;
	fd_dir = openat(pid_dir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd_dir < 0 ? NULL : fdopendir(fd_dir);
	if (!d) {
		if (fd_dir >= 0)
			close(fd_dir);
		close(pid_dir);
		return 0;
	}
	while ((de = readdir(d))) {
		ssize_t len;
		int fd;

		if (!lq_num_name(de->d_name, 0, &fd))
			continue;
		len = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (!lq_socket_inode(link, &w.inode) ||
		    !bsearch(&w.inode, inodes, n, sizeof(*inodes), lq_ull_cmp))
			continue;
		/* comm only for a process that holds a listener: most hold none. */
		if (!have_comm) {
			lq_comm(pid_dir, w.comm);
			have_comm = true;
		}
		w.fd = fd;
		if (lq_owner_add(o, cap, &w)) {
			rc = -1;
			break;
		}
	}
	closedir(d);
	close(pid_dir);
	return rc;
}

/* The owners of the listeners of @t; 0 with none found, -1 out of memory (reported). */
int lq_owners_scan(struct lq_owners *o, const struct lq_table *t)
{
	unsigned long long *inodes = calloc(t->nrows + 1, sizeof(*inodes));
	unsigned int n = 0, cap = 0, i;
	char proc[LQ_PATH_LEN];
	struct dirent *de;
	int proc_dir, pid, rc = 0;
	DIR *d;

	memset(o, 0, sizeof(*o));
	if (!inodes)
		goto nomem;
	for (i = 0; i < t->nrows; i++) {
		long long v;

		if (lq_cell_num(t, i, t->col[LQ_COL_INODE], &v) && v > 0)
			inodes[n++] = (unsigned long long)v;
	}
	qsort(inodes, n, sizeof(*inodes), lq_ull_cmp);
	lq_path(proc, sizeof(proc), "/proc");
	d = n ? opendir(proc) : NULL;
	if (!d) {
		free(inodes);
		return 0;	/* no listener, or no /proc to tell: no owners */
	}
	proc_dir = dirfd(d);
	while ((de = readdir(d)) && !rc) {
		if (lq_num_name(de->d_name, 1, &pid))
			rc = lq_scan_pid(o, &cap, proc_dir, pid, inodes, n);
	}
	closedir(d);
	free(inodes);
	if (rc)
		goto nomem;
	qsort(o->v, o->n, sizeof(*o->v), lq_owner_cmp);
	return 0;
nomem:
	lq_owners_free(o);
	lq_err("%s", strerror(ENOMEM));
	return -1;
}

void lq_owners_free(struct lq_owners *o)
{
	free(o->v);
	o->v = NULL;
	o->n = 0;
}

/* The owners of listener @row of @t, by pid then fd, in *@n (0: none). */
const struct lq_owner *lq_owners_of(const struct lq_owners *o, const struct lq_table *t,
				    unsigned int row, unsigned int *n)
{
	unsigned int lo = 0, hi = o->n, end;
	unsigned long long ino;
	long long v;

	*n = 0;
	if (!lq_cell_num(t, row, t->col[LQ_COL_INODE], &v) || v <= 0)
		return NULL;
	ino = (unsigned long long)v;
	/* The first owner with this inode. */
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (o->v[mid].inode < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < o->n && o->v[end].inode == ino; end++)
		;
	*n = end - lo;
	return *n ? &o->v[lo] : NULL;
}

/*
 * ss -p's form: users:(("python3",pid=10187,fd=3),("python3",pid=10188,fd=3));
 * "-": none. The command is escaped (lq_name_escape()), its '"' too: a
 * name cannot end its quotes and pass for another owner.
 */
void lq_owners_ss(FILE *f, const struct lq_owner *v, unsigned int n)
{
	unsigned int i;

	if (!n) {
		fputs("-", f);
		return;
	}
	fputs("users:(", f);
	for (i = 0; i < n; i++) {
		fprintf(f, "%s(\"", i ? "," : "");
		lq_name_fputs(f, v[i].comm, true);
		fprintf(f, "\",pid=%d,fd=%d)", v[i].pid, v[i].fd);
	}
	fputs(")", f);
}

/* [{"command":"python3","pid":10187,"fd":3},...]; [] with none. */
void lq_owners_json(FILE *f, const struct lq_owner *v, unsigned int n)
{
	unsigned int i;

	fputc('[', f);
	for (i = 0; i < n; i++) {
		fprintf(f, "%s{\"command\":", i ? "," : "");
		lq_json_str(f, v[i].comm);
		fprintf(f, ",\"pid\":%d,\"fd\":%d}", v[i].pid, v[i].fd);
	}
	fputc(']', f);
}

/* explain's: python3 (pid 10187, fd 3), python3 (pid 10188, fd 3); escaped. */
void lq_owners_text(FILE *f, const struct lq_owner *v, unsigned int n)
{
	unsigned int i;

	if (!n) {
		fputs("no process holds it", f);
		return;
	}
	for (i = 0; i < n; i++) {
		fputs(i ? ", " : "", f);
		lq_name_fputs(f, v[i].comm, false);
		fprintf(f, " (pid %d, fd %d)", v[i].pid, v[i].fd);
	}
}
