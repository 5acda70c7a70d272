// SPDX-License-Identifier: GPL-2.0
/*
 * The namespaces one frame reads: listenq's own or -N's, or, with -A,
 * every network namespace on the host.
 *
 * -A finds them as lsns(8) does: every distinct inode of /proc/PID/ns/net
 * and of /run/netns/NAME (ip netns add bind-mounts a namespace there, often
 * with no process in it). A namespace with processes is read through
 * /proc/PID/net/listenq of its lowest PID, without entering it; the next
 * PID is tried if that process exits meanwhile, or is no longer in it (the
 * rows and sysctls name the namespace they were read in). One with only a
 * /run/netns file is entered with setns(), as -N NAME does, and left again.
 *
 * -A reads a host that moves: a namespace that goes away during the read
 * (its processes exit, its file is unmounted) is skipped without a word,
 * and only a host where no namespace has the files, one without the
 * module, is an error.
 *
 * A namespace is named by the first of: its ip netns name (the
 * alphabetically first file of /run/netns that is it), or what the cgroup
 * of the process it is read through says (lq_cgroup_name()).
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

#include "nsname.h"
#include "nsscan.h"
#include "nsset.h"
#include "owners.h"
#include "show.h"
#include "table.h"
#include "testenv.h"
#include "text.h"
#include "util.h"

/* A name is an ip netns name (at most 255 bytes) or one cgroup component. */
#define LQ_NS_NAME_LEN	272

static char *lq_strdup_path(const char *dir, const char *name)
{
	char path[LQ_PATH_LEN + 32];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return strdup(path);
}

/* The three files of @ns under @dirfd (@dir in messages); 1: the namespace went away. */
static int lq_ns_files(struct lq_ns *ns, int dirfd, const char *dir)
{
	int rc;

	ns->path = lq_strdup_path(dir, "net/listenq");
	ns->hist_path = lq_strdup_path(dir, "net/listenq_hist");
	ns->sysctl_path = lq_strdup_path(dir, "net/listenq_sysctl");
	if (!ns->path || !ns->hist_path || !ns->sysctl_path) {
		lq_err("%s", strerror(ENOMEM));
		return -1;
	}
	rc = lq_table_load_at(&ns->t, dirfd, "net/listenq", ns->path);
	if (rc)
		return rc;
	/* After the table: a listener new in between is only missing its histograms. */
	ns->hrc = lq_hist_load_at(&ns->h, dirfd, "net/listenq_hist", ns->hist_path);
	lq_sysctl_load_at(&ns->sc, dirfd, "net/listenq_sysctl");
	return 0;
}

/* Frees what an attempt left in @ns: the next one starts afresh. */
static void lq_ns_clear(struct lq_ns *ns)
{
	lq_table_free(&ns->t);
	lq_table_free(&ns->h);
	lq_sysctl_free(&ns->sc);
	free(ns->path);
	free(ns->hist_path);
	free(ns->sysctl_path);
	free(ns->name);
	memset(ns, 0, sizeof(*ns));
}

/*
 * Whether what was read of @ns is of namespace @inode. Each file of
 * /proc/PID/net is looked up anew, in the namespace the process is in at
 * that moment, and -A found the process in @inode a moment before: it may
 * have called setns() or unshare() since. Every row and the sysctls carry
 * the namespace they were read in; without this check such a read shows
 * another namespace's listeners in @inode's place (and twice, when that
 * namespace is read too).
 */
static bool lq_ns_is(const struct lq_ns *ns, unsigned long long inode)
{
	int col = ns->t.col[LQ_COL_NS];
	unsigned int r;
	long long v;

	for (r = 0; col >= 0 && r < ns->t.nrows; r++)
		if (!lq_cell_num(&ns->t, r, col, &v) || (unsigned long long)v != inode)
			return false;
	return !ns->sc.valid || !ns->sc.have[LQ_SC_NS] ||
	       (unsigned long long)ns->sc.val[LQ_SC_NS] == inode;
}

/*
 * Reads @ns, namespace @inode, through /proc/@pid; 1: the process or its
 * namespace went away, or the process is no longer in it.
 */
static int lq_ns_read_pid(struct lq_ns *ns, unsigned long long inode, int pid,
			  const char *netns_name)
{
	char dir[LQ_PATH_LEN], name[LQ_NS_NAME_LEN], *cg;
	int dirfd, rc, err;

	lq_path(dir, sizeof(dir), "/proc/%d", pid);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return 1;
	rc = lq_ns_files(ns, dirfd, dir);
	if (!rc && !lq_ns_is(ns, inode))
		rc = 1;
	if (!rc && !netns_name) {
		/* The cgroup of the same process: the fd keeps it that one. */
		cg = lq_slurp_at(dirfd, "cgroup", &err);
		if (cg && lq_cgroup_name(cg, name, sizeof(name)))
			ns->name = strdup(name);
		free(cg);
	}
	close(dirfd);
	return rc;
}

/*
 * Reads @ns, namespace @inode, which only /run/netns/@netns_name holds, from
 * inside: setns() in, /proc/self/net, setns() back to @self (opened on first
 * use). 1: the namespace went away, or the file is another one's now;
 * -2: listenq could not return (reported).
 */
static int lq_ns_read_setns(struct lq_ns *ns, unsigned long long inode,
			    const char *netns_name, int *self)
{
	char file[LQ_PATH_LEN], dir[LQ_PATH_LEN];
	/* The name in messages: escaped, as the table shows it. */
	char esc[LQ_NAME_ESC_LEN(LQ_NS_NAME_LEN)], esc_file[LQ_NAME_ESC_LEN(LQ_PATH_LEN)];
	struct stat st;
	int fd, rc, err;

	if (*self < 0) {
		*self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (*self < 0) {
			lq_err("/proc/self/ns/net: %s", strerror(errno));
			return -2;
		}
	}
	lq_path(file, sizeof(file), "/run/netns/%s", netns_name);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		if (lq_vanished(err))
			return 1;
		lq_err("network namespace '%s': %s: %s",
		       lq_name_escape(esc, sizeof(esc), netns_name, false),
		       lq_name_escape(esc_file, sizeof(esc_file), file, false), strerror(err));
		return -1;
	}
	/* The fd holds the namespace that setns() enters: it must be @inode. */
	if (fstat(fd, &st) || (unsigned long long)st.st_ino != inode) {
		close(fd);
		return 1;
	}
	if (setns(fd, CLONE_NEWNET)) {
		err = errno;
		close(fd);
		if (lq_vanished(err))
			return 1;
		lq_err("cannot enter network namespace '%s': %s",
		       lq_name_escape(esc, sizeof(esc), netns_name, false), strerror(err));
		return -1;
	}
	close(fd);
	/* /proc/self/net is looked up at each open, in the namespace listenq is in now. */
	lq_path(dir, sizeof(dir), "/proc/self");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		lq_err("%s: %s", dir, strerror(errno));
		rc = -1;
	} else {
		rc = lq_ns_files(ns, fd, dir);
		close(fd);
	}
	if (setns(*self, CLONE_NEWNET)) {
		lq_err("cannot return to listenq's own network namespace: %s", strerror(errno));
		return -2;
	}
	if (!rc) {
		ns->name = strdup(netns_name);
		if (!ns->name) {
			lq_err("%s", strerror(ENOMEM));
			return -1;
		}
	}
	return rc;
}

/*
 * Namespace @inode, whose processes and files are @r[0..@n) (files first):
 * through its processes in PID order, else from inside. 1: it went away.
 */
static int lq_ns_read(struct lq_ns *ns, unsigned long long inode, const struct lq_nsref *r,
		      unsigned int n, int *self)
{
	const char *netns_name = r[0].pid ? NULL : r[0].name;
	unsigned int i;
	int rc = 1;

	for (i = 0; i < n && rc == 1; i++) {
		if (!r[i].pid)
			continue;
		lq_ns_clear(ns);
		rc = lq_ns_read_pid(ns, inode, r[i].pid, netns_name);
	}
	if (rc == 1 && netns_name) {
		lq_ns_clear(ns);
		rc = lq_ns_read_setns(ns, inode, netns_name, self);
	}
	if (!rc && netns_name && !ns->name) {
		ns->name = strdup(netns_name);
		if (!ns->name) {
			lq_err("%s", strerror(ENOMEM));
			rc = -1;
		}
	}
	ns->inode = inode;
	return rc;
}

/* -A: every namespace that can be read. -1: none (reported); 1: some failed (reported). */
static int lq_nsset_all(struct lq_nsset *set)
{
	unsigned int nref, i, j;
	struct lq_nsref *r;
	int self = -1, rc = 0, one;
	bool failed = false;

	if (lq_nsrefs(&r, &nref))
		return -1;
	set->ns = calloc(nref + 1, sizeof(*set->ns));
	if (!set->ns) {
		lq_nsrefs_free(r, nref);
		lq_err("%s", strerror(ENOMEM));
		return -1;
	}
	for (i = 0; i < nref; i = j) {
		struct lq_ns *ns = &set->ns[set->n];

		for (j = i; j < nref && r[j].inode == r[i].inode; j++)
			;
		one = lq_ns_read(ns, r[i].inode, &r[i], j - i, &self);
		if (one == -2) {
			lq_ns_clear(ns);
			rc = -1;
			break;
		}
		if (one) {
			failed |= one < 0;
			lq_ns_clear(ns);
			continue;
		}
		/* A listenq_hist in another format or with bad rows was reported. */
		failed |= ns->hrc < 0 || ns->h.nbad;
		set->n++;
	}
	if (self >= 0)
		close(self);
	lq_nsrefs_free(r, nref);
	if (rc)
		return rc;
	if (!set->n) {
		if (!failed)
			lq_err("no network namespace has /proc/PID/net/listenq: is the listenq module "
			       "loaded? (modprobe listenq)");
		return -1;
	}
	return failed ? 1 : 0;
}

/* Listenq's own namespace or -N's, from the files of frame @frame. */
static int lq_nsset_one(struct lq_nsset *set, const struct lq_show_opts *o, unsigned long frame)
{
	const char *path = o->paths[frame < o->npaths ? frame : o->npaths - 1];
	const char *hpath = o->nhist ? o->hist_paths[frame < o->nhist ? frame : o->nhist - 1] :
			    NULL;
	struct lq_ns *ns = calloc(1, sizeof(*ns));

	set->ns = ns;
	set->n = ns ? 1 : 0;
	if (!ns || !(ns->path = strdup(path)) || (hpath && !(ns->hist_path = strdup(hpath))) ||
	    !(ns->sysctl_path = strdup(o->sysctl_path))) {
		lq_err("%s", strerror(ENOMEM));
		return -1;
	}
	ns->hrc = 1;
	if (lq_table_load(&ns->t, ns->path))
		return -1;
	ns->hrc = lq_hist_load(&ns->h, ns->hist_path);
	lq_sysctl_load(&ns->sc, ns->sysctl_path);
	return ns->hrc < 0 || ns->h.nbad ? 1 : 0;
}

/* The rows of every namespace as one table, and their histograms as another. */
static int lq_nsset_merge(struct lq_nsset *set)
{
	struct lq_table **src = calloc(set->n + 1, sizeof(*src));
	unsigned int i, n = 0, total = 0, *hsrc;

	if (!src)
		goto nomem;
	for (i = 0; i < set->n; i++) {
		src[i] = &set->ns[i].t;
		total += set->ns[i].t.nrows + set->ns[i].h.nrows;
	}
	set->row_ns = calloc(total + 1, sizeof(*set->row_ns));
	hsrc = calloc(total + 1, sizeof(*hsrc));
	if (!set->row_ns || !hsrc || lq_table_merge(&set->t, src, set->n, set->row_ns)) {
		free(hsrc);
		free(src);
		goto nomem;
	}
	for (i = 0; i < set->n; i++)
		if (!set->ns[i].hrc)
			src[n++] = &set->ns[i].h;
	set->have_hist = n > 0;
	if (lq_table_merge(&set->h, src, n, hsrc)) {
		free(hsrc);
		free(src);
		return -1;
	}
	free(hsrc);
	free(src);
	return 0;
nomem:
	lq_err("%s", strerror(ENOMEM));
	return -1;
}

/*
 * The namespaces of frame @frame, their rows merged in order and, with -p,
 * the owners of the listeners. -1: nothing to show (reported); 1: shown,
 * but something was wrong (reported): the exit status must say so.
 */
int lq_nsset_load(struct lq_nsset *set, const struct lq_show_opts *o, unsigned long frame)
{
	int rc;

	memset(set, 0, sizeof(*set));
	rc = o->all ? lq_nsset_all(set) : lq_nsset_one(set, o, frame);
	if (rc < 0 || lq_nsset_merge(set))
		return -1;
	if (o->processes && lq_owners_scan(&set->own, &set->t))
		return -1;
	return rc || set->t.nbad ? 1 : 0;
}

void lq_nsset_free(struct lq_nsset *set)
{
	unsigned int i;

	lq_owners_free(&set->own);
	lq_table_free(&set->h);
	lq_table_free(&set->t);
	free(set->row_ns);
	for (i = 0; set->ns && i < set->n; i++)
		lq_ns_clear(&set->ns[i]);
	free(set->ns);
	memset(set, 0, sizeof(*set));
}
