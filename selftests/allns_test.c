// SPDX-License-Identifier: GPL-2.0
/*
 * listenq -A (--all-namespaces), -p (--processes) and --output against
 * real listeners in namespaces made the way a container host makes them
 * (doc/cli.md is the contract of the options).
 *
 * The world every test builds (and tears down again):
 *
 *   ns          made as                       process       listeners (clients queued)
 *   lqt-named   ip netns add + ip netns exec, lqt-named     127.0.0.1:7101 (1), [::1]:7111 (2)
 *               + ip netns attach lqt-zalias
 *   (decoy)     unshare in /init.scope        lqt-decoy     127.0.0.1:7101 (0): same address
 *   docker      unshare in system.slice/      lqt-docker +  0.0.0.0:7102 (3), pre-fork: both
 *               docker-<id>.scope             2 workers     workers hold it, w1 at its fd
 *                                                           and at 41, w2 at 40 only
 *   pod         unshare in a kubepods pod     lqt-pod       127.0.0.1:7103 (1)
 *               slice, cri-containerd scope
 *   service     unshare in lqt-web.service    lqt-web       127.0.0.1:7104 (0)
 *   (unnamed)   unshare, root cgroup          lqt-anon      127.0.0.1:7105 (2)
 *   lqt-idle    ip netns add; a child made    (none)        127.0.0.1:7106 (2): its fds are
 *               the sockets, sent them over                 in flight in an SCM_RIGHTS
 *               a unix socket and exited                    message that nobody reads
 *   docker      unshare in docker/<id>        lqt-dockerfs  127.0.0.1:7107 (1)
 *   pod         kubepods/besteffort/pod<uid>/ lqt-podfs     [::]:7108 (1)
 *   containerd  system.slice/cri-containerd-  lqt-ctrd      127.0.0.1:7109 (0)
 *               <id>.scope
 *
 * lqt-named and lqt-idle set net.core.somaxconn to 100 and 77: their sysctls
 * in -A's output must be read inside them (lqt-idle's only through setns()).
 *
 * Clients connect and nobody accept()s, so every acc_q is exact. Each row
 * listenq prints for these namespaces is checked against the world: the
 * namespace inode (stat of /proc/PID/ns/net or /run/netns/NAME), the name
 * of contract rule a/b, the local address, the socket inode, acc_q and the
 * owners (command from PR_SET_NAME, pid, fd), in --json, the table,
 * --prometheus and explain; no other row may claim one of these namespaces.
 *
 * The rows test also runs the metrics service's command (contract item 4,
 * with its own --output) and writes the blocks command, listenq.prom and
 * expect to the artifact port (lib/lq_artifact.h) for the host's promtool
 * and node-exporter checks.
 *
 * listenq is found by lq_listenq_path(): $LISTENQ_BIN, next to this binary, or
 * /selftests/listenq (the guest's copy).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lq_artifact.h"
#include "lq_exec.h"
#include "lq_ns.h"
#include "lq_output.h"
#include "lq_test.h"


/* Container ids of the cgroup paths, and what listenq must make of them. */
#define DOCKER_ID	"4f1d6c0a9b8e7d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7980fedcba9876543210"
#define POD_UID		"8d3e6b0a-1f2c-4c8e-9a1b-2f3c4d5e6f70"
#define POD_UID_	"8d3e6b0a_1f2c_4c8e_9a1b_2f3c4d5e6f70"
#define CRI_ID		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define DOCKERFS_ID	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define PODFS_UID	"0f4e5d6c-7b8a-4930-8a1b-2c3d4e5f6a7b"
#define CTRD_ID		"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

#define MAX_LSN		2
#define MAX_WORKERS	2
#define MAX_CLIENTS	8
#define WORKER_FD	40		/* the last pre-fork worker moves the listener here */
#define EXTRA_FD	41		/* and the first one holds it twice: at its fd and here */
#define MAX_OWNERS	(MAX_WORKERS + 2)
#define CHURN_PORT	7199
#define CHURN_PREFIX	"lqt-churn-"
#define STR_(x)		#x
#define STR(x)		STR_(x)

struct lsn {
	int family;
	const char *addr;
	int port, backlog, clients;
	/* filled in */
	char local[64];			/* as listenq prints it */
	int fd;				/* in its process */
	unsigned long long ino;		/* socket inode */
};

struct srv {
	const char *comm;		/* PR_SET_NAME of the process */
	const char *netns;		/* an ip netns name to make and enter; NULL: unshare */
	const char *alias;		/* a second name, ip netns attach'ed: it sorts after netns */
	const char *cgroup;		/* under /sys/fs/cgroup; NULL: stay in the root cgroup */
	const char *name;		/* the name listenq must give the namespace; NULL: none */
	int nworkers;			/* pre-fork workers that share l[0] */
	int somaxconn;			/* net.core.somaxconn of the namespace; 0: as it is */
	bool idle;			/* hand the sockets over and exit */
	struct lsn l[MAX_LSN];
	/* filled in */
	bool made_netns, made_alias;	/* /run/netns/NAME (ALIAS) is ours to delete */
	int cg_levels;			/* cgroup directories made */
	pid_t pid;			/* 0 for idle once it exited */
	pid_t wpid[MAX_WORKERS];
	char wcomm[MAX_WORKERS][16];
	unsigned long long ns;
	int hold;			/* idle: the unix socket whose queue holds the fds */
};

/* What a server child reports once its listeners are up and their queues filled. */
struct report {
	int err;
	char what[120];
	unsigned long long ns;
	int fd[MAX_LSN];
	unsigned long long ino[MAX_LSN];
	pid_t wpid[MAX_WORKERS];
};

#define L4(a, p, b, c)	{ .family = AF_INET, .addr = a, .port = p, .backlog = b, .clients = c }
#define L6(a, p, b, c)	{ .family = AF_INET6, .addr = a, .port = p, .backlog = b, .clients = c }

static const struct srv world_def[] = {
	{ .comm = "lqt-named", .netns = "lqt-named", .alias = "lqt-zalias", .name = "lqt-named",
	  .somaxconn = 100,
	  .l = { L4("127.0.0.1", 7101, 8, 1), L6("::1", 7111, 8, 2) } },
	{ .comm = "lqt-decoy", .cgroup = "init.scope", .l = { L4("127.0.0.1", 7101, 4, 0) } },
	{ .comm = "lqt-docker", .cgroup = "system.slice/docker-" DOCKER_ID ".scope",
	  .name = "docker:4f1d6c0a9b8e", .nworkers = 2, .l = { L4("0.0.0.0", 7102, 16, 3) } },
	{ .comm = "lqt-pod",
	  .cgroup = "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_UID_
		    ".slice/cri-containerd-" CRI_ID ".scope",
	  .name = "pod:" POD_UID, .l = { L4("127.0.0.1", 7103, 8, 1) } },
	{ .comm = "lqt-web", .cgroup = "system.slice/lqt-web.service", .name = "lqt-web.service",
	  .l = { L4("127.0.0.1", 7104, 8, 0) } },
	{ .comm = "lqt-anon", .l = { L4("127.0.0.1", 7105, 8, 2) } },
	/* cgroupfs drivers: docker and kubelet without systemd; containerd without kubelet */
	{ .comm = "lqt-dockerfs", .cgroup = "docker/" DOCKERFS_ID, .name = "docker:e3b0c44298fc",
	  .l = { L4("127.0.0.1", 7107, 8, 1) } },
	{ .comm = "lqt-podfs", .cgroup = "kubepods/besteffort/pod" PODFS_UID "/" DOCKERFS_ID,
	  .name = "pod:" PODFS_UID, .l = { L6("::", 7108, 8, 1) } },
	{ .comm = "lqt-ctrd", .cgroup = "system.slice/cri-containerd-" CTRD_ID ".scope",
	  .name = "containerd:9f86d081884c", .l = { L4("127.0.0.1", 7109, 8, 0) } },
	{ .comm = "lqt-idle", .netns = "lqt-idle", .name = "lqt-idle", .idle = true, .somaxconn = 77,
	  .l = { L4("127.0.0.1", 7106, 8, 2) } },
};
#define NSRV	(sizeof(world_def) / sizeof(world_def[0]))

/* ---- the server processes ---- */

static int nlsn(const struct srv *s)
{
	int n = 0;

	while (n < MAX_LSN && s->l[n].family)
		n++;
	return n;
}

static const char *connect_addr(const struct lsn *l)
{
	if (!strcmp(l->addr, "0.0.0.0"))
		return "127.0.0.1";
	if (!strcmp(l->addr, "::"))
		return "::1";
	return l->addr;
}

static void __attribute__((noreturn)) server_main(const struct srv *s, int wfd, int hold)
{
	int clients[MAX_LSN * MAX_CLIENTS], ncl = 0, n = nlsn(s), i, k;
	struct report rep = { 0 };

#define SRV_FAIL(err_, ...) do {						\
		rep.err = (err_);						\
		snprintf(rep.what, sizeof(rep.what), __VA_ARGS__);		\
		goto out;							\
	} while (0)

	if (s->cgroup && (i = lq_cgroup_enter(s->cgroup, 0)))
		SRV_FAIL(-i, "enter cgroup %s", s->cgroup);
	prctl(PR_SET_NAME, s->comm, 0, 0, 0);
	if (s->netns && (i = lq_netns_join(s->netns)))
		SRV_FAIL(-i, "setns /run/netns/%s", s->netns);
	if (!s->netns && unshare(CLONE_NEWNET))
		SRV_FAIL(errno, "unshare(CLONE_NEWNET)");
	if ((i = lq_link_up("lo")))
		SRV_FAIL(-i, "lo up");
	if (s->somaxconn && (i = lq_sysctl_write("net/core/somaxconn", s->somaxconn)))
		SRV_FAIL(-i, "net.core.somaxconn=%d", s->somaxconn);
	rep.ns = lq_netns_ino();
	for (i = 0; i < n; i++) {
		const struct lsn *l = &s->l[i];
		struct acc_wait w = { .want = l->clients };
		int fd = lq_tcp_listener(l->family, l->addr, l->port, l->backlog, 0);

		if (fd < 0)
			SRV_FAIL(-fd, "listen on %s port %d", l->addr, l->port);
		rep.fd[i] = fd;
		rep.ino[i] = lq_sock_ino(fd);
		for (k = 0; k < l->clients; k++) {
			int c = lq_connect_nb(l->family, connect_addr(l), l->port);

			if (c < 0)
				SRV_FAIL(-c, "connect to %s port %d", connect_addr(l), l->port);
			clients[ncl++] = c;
		}
		w.lfd = fd;
		if (!lq_wait_until(acc_reached, &w, 10000))
			SRV_FAIL(ETIMEDOUT, "accept queue of port %d never held %d", l->port,
				 l->clients);
	}
	for (k = 0; k < s->nworkers; k++) {
		pid_t pid = fork();

		if (pid < 0)
			SRV_FAIL(errno, "fork worker %d", k + 1);
		if (!pid) {
			char comm[16];

			snprintf(comm, sizeof(comm), "%s-w%d", s->comm, k + 1);
			prctl(PR_SET_NAME, comm, 0, 0, 0);
			close(wfd);
			if (k == s->nworkers - 1 && k > 0) {
				if (dup2(rep.fd[0], WORKER_FD) != WORKER_FD)
					_exit(1);
				close(rep.fd[0]);
			} else if (!k && s->nworkers > 1 && dup2(rep.fd[0], EXTRA_FD) != EXTRA_FD) {
				_exit(1);
			}
			for (;;)
				pause();
		}
		rep.wpid[k] = pid;
	}
	if (s->idle) {
		/* the listeners and their clients in flight: in no process's fd table */
		char cbuf[CMSG_SPACE(sizeof(int) * (MAX_LSN + MAX_LSN * MAX_CLIENTS))];
		struct iovec iov = { .iov_base = "x", .iov_len = 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf };
		struct cmsghdr *cm;
		int nfd = 0, *fds;

		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (n + ncl));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * (n + ncl));
		fds = (int *)CMSG_DATA(cm);
		for (i = 0; i < n; i++)
			fds[nfd++] = rep.fd[i];
		for (i = 0; i < ncl; i++)
			fds[nfd++] = clients[i];
		if (sendmsg(hold, &mh, 0) != 1)
			SRV_FAIL(errno, "sendmsg SCM_RIGHTS");
	}
out:
	if (write(wfd, &rep, sizeof(rep)) != sizeof(rep) || s->idle)
		_exit(0);
	close(wfd);
	for (;;)
		pause();
#undef SRV_FAIL
}

FIXTURE(allns) {
	struct srv w[NSRV];
	int nup;			/* servers started, for the teardown */
	bool cg_mounted, made_run_dir;
	pid_t churn;
	unsigned int *churn_done;	/* churn namespaces ended: shared memory, or NULL */
	char skip[256];			/* why the tests cannot run here: setup's word */
};

static void world_up(struct __test_metadata *_metadata, FIXTURE_DATA(allns) *self)
{
	unsigned int i, j;
	int ret;

	for (i = 0; i < NSRV; i++) {
		struct srv *s = &self->w[i];
		int pfd[2], sv[2] = { -1, -1 };
		struct report rep;
		struct pollfd p;
		pid_t pid;

		*s = world_def[i];
		s->hold = -1;
		for (j = 0; j < (unsigned int)nlsn(s); j++) {
			struct lsn *l = &s->l[j];

			snprintf(l->local, sizeof(l->local), l->family == AF_INET6 ? "[%s]:%d" : "%s:%d",
				 l->addr, l->port);
		}
		self->nup = i + 1;
		if (s->netns) {
			bool made = false;

			ret = lq_netns_add(s->netns, &made);
			self->made_run_dir |= made;
			ASSERT_EQ(0, ret) TH_LOG("ip netns add %s: %s", s->netns, strerror(-ret));
			s->made_netns = true;
		}
		if (s->cgroup) {
			ret = lq_cgroup_mkdir(s->cgroup);
			ASSERT_LE(0, ret) TH_LOG("mkdir cgroup %s: %s", s->cgroup, strerror(-ret));
			s->cg_levels = ret;
		}
		if (s->idle)
			ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
		s->hold = sv[0];
		ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
		fflush(NULL);
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			close(pfd[0]);
			if (sv[0] >= 0)
				close(sv[0]);
			server_main(s, pfd[1], sv[1]);
		}
		s->pid = pid;
		close(pfd[1]);
		if (sv[1] >= 0)
			close(sv[1]);
		p = (struct pollfd){ .fd = pfd[0], .events = POLLIN };
		ret = poll(&p, 1, 30000);
		memset(&rep, 0, sizeof(rep));
		if (ret != 1 || read(pfd[0], &rep, sizeof(rep)) != sizeof(rep)) {
			rep.err = ret == 1 ? EPIPE : ETIMEDOUT;
			snprintf(rep.what, sizeof(rep.what), "no report");
		}
		close(pfd[0]);
		ASSERT_EQ(0, rep.err) TH_LOG("%s: %s: %s", s->comm, rep.what, strerror(rep.err));
		s->ns = rep.ns;
		for (j = 0; j < (unsigned int)nlsn(s); j++) {
			s->l[j].fd = rep.fd[j];
			s->l[j].ino = rep.ino[j];
		}
		for (j = 0; j < (unsigned int)s->nworkers; j++) {
			s->wpid[j] = rep.wpid[j];
			snprintf(s->wcomm[j], sizeof(s->wcomm[j]), "%s-w%u", s->comm, j + 1);
		}
		if (s->idle) {
			char path[PATH_MAX];
			int status = 0;

			waitpid(pid, NULL, 0);
			s->pid = 0;
			snprintf(path, sizeof(path), LQ_NETNS_RUN_DIR "/%s", s->netns);
			EXPECT_EQ(s->ns, lq_path_ino(path)) TH_LOG("%s: the child's netns", path);
			/* ground truth: the module lists the listener nobody holds, from inside */
			pid = fork();
			ASSERT_LE(0, pid);
			if (!pid) {
				long long acc = -1;

				if (!lq_netns_join(s->netns))
					acc = lq_proc_col_of(LQ_PROC_NET_PATH, s->l[0].ino, "acc_q");
				_exit(acc >= 0 && acc < 255 ? (int)acc : 255);
			}
			waitpid(pid, &status, 0);
			EXPECT_EQ(s->l[0].clients, WEXITSTATUS(status))
				TH_LOG("%s: acc_q of inode %llu in %s, read from inside", s->comm,
				       s->l[0].ino, LQ_PROC_NET_PATH);
		} else {
			EXPECT_EQ(s->ns, lq_pid_netns_ino(pid)) TH_LOG("%s: /proc/%d/ns/net", s->comm,
								     pid);
		}
		/* a worker that has not moved its fds yet would make the owners racy */
		for (j = 0; j < (unsigned int)s->nworkers && s->nworkers > 1; j++) {
			bool last = j == (unsigned int)s->nworkers - 1;
			int want = last ? WORKER_FD : EXTRA_FD, tries = 0;
			char path[64];
			struct stat st;

			snprintf(path, sizeof(path), "/proc/%d/fd/%d", s->wpid[j], want);
			while (stat(path, &st) && tries++ < 5000)
				usleep(1000);
			ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: worker has no fd %d", s->comm, want);
			ASSERT_EQ(s->l[0].ino, st.st_ino);
			snprintf(path, sizeof(path), "/proc/%d/fd/%d", s->wpid[j], s->l[0].fd);
			while (last && stat(path, &st) == 0 && tries++ < 5000)
				usleep(1000);
		}
		if (s->alias) {
			bool made = false;

			/* ip netns attach ALIAS PID: the namespace has two names now */
			ret = lq_netns_attach(s->alias, s->pid, &made);
			self->made_run_dir |= made;
			ASSERT_EQ(0, ret) TH_LOG("ip netns attach %s %d: %s", s->alias, s->pid,
						 strerror(-ret));
			s->made_alias = true;
		}
		TH_LOG("%-10s pid %5d ns %llu %s%s%s", s->comm, s->pid, s->ns,
		       s->netns ? "/run/netns/" : "", s->netns ? s->netns : "",
		       s->cgroup ? s->cgroup : "");
	}
}

static void kill_wait(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static void churn_stop(FIXTURE_DATA(allns) *self)
{
	DIR *d;
	struct dirent *e;

	if (self->churn > 0) {
		kill(self->churn, SIGTERM);
		while (waitpid(self->churn, NULL, 0) < 0 && errno == EINTR)
			;
		self->churn = 0;
	}
	if (self->churn_done) {
		munmap(self->churn_done, sizeof(*self->churn_done));
		self->churn_done = NULL;
	}
	d = opendir(LQ_NETNS_RUN_DIR);
	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, CHURN_PREFIX, strlen(CHURN_PREFIX)))
			lq_netns_del(e->d_name);
	if (d)
		closedir(d);
}

static void world_down(struct __test_metadata *_metadata, FIXTURE_DATA(allns) *self)
{
	int i, j, ret;

	churn_stop(self);
	for (i = self->nup - 1; i >= 0; i--) {
		struct srv *s = &self->w[i];

		for (j = 0; j < MAX_WORKERS; j++)
			if (s->wpid[j] > 0)
				kill(s->wpid[j], SIGKILL);
		kill_wait(s->pid);
		s->pid = 0;
		if (s->hold >= 0)
			close(s->hold);
		s->hold = -1;
	}
	/* the workers were the servers' children: this process reaps them as subreaper */
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	for (i = self->nup - 1; i >= 0; i--) {
		struct srv *s = &self->w[i];

		if (s->made_alias) {
			ret = lq_netns_del(s->alias);
			EXPECT_EQ(0, ret) TH_LOG("ip netns del %s: %s", s->alias, strerror(-ret));
			s->made_alias = false;
		}
		if (s->made_netns) {
			ret = lq_netns_del(s->netns);
			EXPECT_EQ(0, ret) TH_LOG("ip netns del %s: %s", s->netns, strerror(-ret));
			s->made_netns = false;
		}
		if (s->cg_levels > 0) {
			ret = lq_cgroup_rmdir(s->cgroup, s->cg_levels, 5000);
			EXPECT_EQ(0, ret) TH_LOG("rmdir cgroup %s: %s", s->cgroup, strerror(-ret));
			s->cg_levels = 0;
		}
	}
	/* a cgroup v2 mounted for the test had none of these: all of them were ours */
	for (i = 0; self->cg_mounted && self->nup && i < 5; i++) {
		static const char *const top[] = { "system.slice", "kubepods.slice", "kubepods",
						    "docker", "init.scope" };
		char path[PATH_MAX];

		snprintf(path, sizeof(path), LQ_CGROUP_ROOT "/%s", top[i]);
		EXPECT_NE(0, access(path, F_OK)) TH_LOG("left behind: %s", path);
	}
	self->nup = 0;
	if (self->made_run_dir)
		lq_netns_run_dir_put();
	self->made_run_dir = false;
	if (self->cg_mounted && umount2(LQ_CGROUP_ROOT, 0))
		TH_LOG("umount %s: %s", LQ_CGROUP_ROOT, strerror(errno));
	self->cg_mounted = false;
}

/*
 * Namespace names a test before this one left, when a failed ASSERT ended
 * it without its teardown (5.10's harness, 6.12's at times): every "lqt-"
 * name is this fixture's, and ip netns add of one that exists fails.
 */
static void stale_names_down(struct __test_metadata *_metadata)
{
	DIR *d = opendir(LQ_NETNS_RUN_DIR);
	struct dirent *e;
	int ret;

	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "lqt-", 4))
			continue;
		ret = lq_netns_del(e->d_name);
		TH_LOG("%s/%s, left by an earlier test: removed%s%s", LQ_NETNS_RUN_DIR, e->d_name,
		       ret ? ": " : "", ret ? strerror(-ret) : "");
	}
	if (d)
		closedir(d);
}

/*
 * What the tests need and this machine may lack: setup says which in
 * self->skip and each test SKIP()s on it, as SKIP() in a setup means
 * different things to the kernel's harnesses (5.10 and 6.1 run the test
 * after it, 6.12 and later neither the test nor the teardown).
 */
FIXTURE_SETUP(allns)
{
	const char *bin = lq_listenq_path();
	char cg[PATH_MAX];
	int ret;

	memset(self, 0, sizeof(*self));
	if (geteuid()) {
		snprintf(self->skip, sizeof(self->skip), "needs root");
		return;
	}
	if (access(bin, X_OK)) {
		snprintf(self->skip, sizeof(self->skip), "no listenq command at %.128s (LISTENQ_BIN)",
			 bin);
		return;
	}
	if (access(LQ_PROC_PATH, R_OK)) {
		snprintf(self->skip, sizeof(self->skip), "%s absent: the module is not loaded",
			 LQ_PROC_PATH);
		return;
	}
	if (access("/proc/self/ns/net", R_OK) || unshare(0)) {
		snprintf(self->skip, sizeof(self->skip), "no network namespaces");
		return;
	}
	ret = lq_cgroup2_ensure(&self->cg_mounted);
	if (ret) {
		snprintf(self->skip, sizeof(self->skip), "no cgroup v2 at %s: %s", LQ_CGROUP_ROOT,
			 strerror(-ret));
		return;
	}
	/* an unnamed namespace and -A's naming need this process in the root cgroup */
	ret = lq_cgroup_self(cg, sizeof(cg));
	if (ret || strcmp(cg, "/")) {
		snprintf(self->skip, sizeof(self->skip),
			 "the test runs in cgroup '%.128s', not the root cgroup", ret ? "?" : cg);
		return;
	}
	stale_names_down(_metadata);
	/* orphaned pre-fork workers come back to this process, which reaps them */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

FIXTURE_TEARDOWN(allns)
{
	bool ran = self->nup > 0;
	DIR *d;
	struct dirent *e;

	world_down(_metadata, self);
	if (!ran)
		return;
	/* nothing of ours is left for the tests after this one */
	d = opendir(LQ_NETNS_RUN_DIR);
	while (d && (e = readdir(d)))
		EXPECT_TRUE(strncmp(e->d_name, "lqt-", 4)) TH_LOG("left behind: %s/%s",
								  LQ_NETNS_RUN_DIR, e->d_name);
	if (d)
		closedir(d);
}

/* ---- what listenq must print ---- */

struct owner {
	const char *comm;
	pid_t pid;
	int fd;
};

/* Owners of listener l of server s, sorted by pid, then fd; the count. */
static int owners_of(const struct srv *s, const struct lsn *l, struct owner *o)
{
	int n = 0, i, j;

	if (s->idle)
		return 0;
	o[n++] = (struct owner){ s->comm, s->pid, l->fd };
	for (i = 0; i < s->nworkers; i++) {
		bool moved = l == &s->l[0] && i == s->nworkers - 1 && i > 0;

		o[n++] = (struct owner){ s->wcomm[i], s->wpid[i], moved ? WORKER_FD : l->fd };
		if (l == &s->l[0] && !i && s->nworkers > 1)
			o[n++] = (struct owner){ s->wcomm[i], s->wpid[i], EXTRA_FD };
	}
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && (o[j].pid < o[j - 1].pid ||
				      (o[j].pid == o[j - 1].pid && o[j].fd < o[j - 1].fd)); j--) {
			struct owner t = o[j];

			o[j] = o[j - 1];
			o[j - 1] = t;
		}
	return n;
}

/* ss's form: users:(("cmd",pid=N,fd=N),...), "-" without owners */
static void users_str(const struct srv *s, const struct lsn *l, char *buf, size_t len)
{
	struct owner o[MAX_OWNERS];
	int n = owners_of(s, l, o), i;
	size_t off;

	if (!n) {
		snprintf(buf, len, "-");
		return;
	}
	off = snprintf(buf, len, "users:(");
	for (i = 0; i < n && off < len; i++)
		off += snprintf(buf + off, len - off, "%s(\"%s\",pid=%d,fd=%d)", i ? "," : "",
				o[i].comm, o[i].pid, o[i].fd);
	if (off < len)
		snprintf(buf + off, len - off, ")");
}

/* the command label: the owner with the lowest pid, "" without owners */
static const char *command_of(const struct srv *s, const struct lsn *l)
{
	struct owner o[MAX_OWNERS];

	return owners_of(s, l, o) ? o[0].comm : "";
}

/* ---- reading listenq's output ---- */

/* "processes":[...] of a listener line matches the owners exactly. */
static bool jprocs_match(const char *obj, const char *end, const struct owner *o, int n,
			 char *why, size_t wlen)
{
	const char *p = lq_json_key(obj, end, "processes");
	int i = 0;

	if (!p || *p != '[') {
		snprintf(why, wlen, "no \"processes\" array");
		return false;
	}
	p++;
	while (p < end && *p == '{') {
		const char *ce = strchr(p, '}');
		char comm[64];
		long long pid, fd;
		bool null;

		if (!ce || ce > end || !lq_json_str(p, ce, "command", comm, sizeof(comm), &null) ||
		    !lq_json_num(p, ce, "pid", &pid) || !lq_json_num(p, ce, "fd", &fd)) {
			snprintf(why, wlen, "process %d: not {command,pid,fd}", i);
			return false;
		}
		if (i >= n || strcmp(comm, o[i].comm) || pid != o[i].pid || fd != o[i].fd) {
			snprintf(why, wlen, "process %d: %s pid %lld fd %lld, want %s pid %d fd %d",
				 i, comm, pid, fd, i < n ? o[i].comm : "(none)", i < n ? o[i].pid : 0,
				 i < n ? o[i].fd : 0);
			return false;
		}
		i++;
		p = ce + 1;
		if (*p == ',')
			p++;
	}
	if (*p != ']' || i != n) {
		snprintf(why, wlen, "%d processes, want %d", i, n);
		return false;
	}
	return true;
}

static const struct srv *srv_of_ns(const FIXTURE_DATA(allns) *self, long long ns)
{
	for (int i = 0; i < self->nup; i++)
		if ((long long)self->w[i].ns == ns)
			return &self->w[i];
	return NULL;
}

/*
 * Check --json output against the world; quiet logs only the first problem.
 * Returns the count of problems; *churn_rows counts rows on CHURN_PORT.
 */
static int check_json(struct __test_metadata *_metadata, const FIXTURE_DATA(allns) *self,
		      const char *out, bool quiet, int *churn_rows)
{
	const char *lst = strstr(out, "\"listeners\":["), *nss = strstr(out, "\"namespaces\":[");
	int bad = 0, seen[NSRV][MAX_LSN] = { { 0 } }, i, j, nrows = 0;
	const char *line, *end, *nse = nss ? strchr(nss, ']') : NULL, *p;
	long long prev_ns = 0;
	char why[256];

#define JBAD(...) do {								\
		if (!quiet || !bad)						\
			TH_LOG(__VA_ARGS__);					\
		bad++;								\
	} while (0)

	if (churn_rows)
		*churn_rows = 0;
	if (!lst) {
		JBAD("--json: no \"listeners\" array");
		return bad;
	}
	if (!nss || !nse) {
		JBAD("--json -A: no \"namespaces\" array");
		nss = nse = NULL;
	}
	/* the namespaces' entries hold no array: the first ']' ends theirs */
	for (p = out; (p = strstr(p, "\"sysctl\":")); p++)
		if (!nss || p < nss || p > nse) {
			JBAD("--json -A: a \"sysctl\" outside \"namespaces\" (the contract "
			     "replaces the top-level one)");
			break;
		}
	/* every namespace of the world in "namespaces", named, with its sysctls */
	for (i = 0; nss && i < self->nup; i++) {
		const struct srv *s = &self->w[i];
		char key[64], name[128];
		const char *e, *next;
		long long v = -1;
		bool null;

		snprintf(key, sizeof(key), "{\"ns\":%llu,", s->ns);
		e = strstr(nss, key);
		if (!e || e > nse) {
			JBAD("namespaces: no entry for %s's %llu", s->comm, s->ns);
			continue;
		}
		/* one entry per namespace: count the array's own objects (depth 0) */
		{
			int depth = 0, entries = 0;

			for (next = nss; next < nse; next++) {
				if (*next == '{' && !depth++)
					entries += !strncmp(next, key, strlen(key));
				else if (*next == '}')
					depth--;
			}
			if (entries != 1)
				JBAD("namespaces: %d entries for %llu (%s)", entries, s->ns, s->comm);
		}
		/* the entry's end: its braces balance (no braces in its strings) */
		{
			int depth = 0;

			for (next = e; next < nse; next++) {
				depth += *next == '{';
				depth -= *next == '}';
				if (!depth)
					break;
			}
		}
		if (!lq_json_str(e, next, "name", name, sizeof(name), &null) ||
		    (s->name ? null || strcmp(name, s->name) : !null))
			JBAD("namespaces: %llu (%s) named '%s'%s, want %s", s->ns, s->comm, name,
			     null ? " (null)" : "", s->name ? s->name : "null");
		e = lq_json_key(e, next, "sysctl");
		if (!e || strncmp(e, "{", 1) || !lq_json_key(e, next, "somaxconn"))
			JBAD("namespaces: %llu (%s) without its sysctls", s->ns, s->comm);
		else if (s->somaxconn && (!lq_json_num(e, next, "somaxconn", &v) || v != s->somaxconn))
			JBAD("namespaces: %llu (%s): somaxconn %lld, want %d", s->ns, s->comm, v,
			     s->somaxconn);
	}
	for (line = lst; *line; line = *end ? end + 1 : end) {
		char local[80], name[128];
		long long ns, ino, acc;
		const struct srv *s;
		const struct lsn *l = NULL;
		struct owner o[MAX_OWNERS];
		bool null;
		int n;

		end = lq_eol(line);
		if (!lq_json_str(line, end, "local", local, sizeof(local), &null))
			continue;
		if (!lq_json_num(line, end, "ns", &ns) || !lq_json_num(line, end, "inode", &ino)) {
			JBAD("listener without ns or inode: %.*s", (int)(end - line), line);
			continue;
		}
		/* rows sorted by namespace inode */
		if (nrows++ && ns < prev_ns)
			JBAD("ns %lld after ns %lld: rows not sorted by namespace", ns, prev_ns);
		prev_ns = ns;
		if (churn_rows && strstr(local, ":" STR(CHURN_PORT)))
			(*churn_rows)++;
		s = srv_of_ns(self, ns);
		if (!s)
			continue;
		for (j = 0; j < nlsn(s); j++)
			if ((long long)s->l[j].ino == ino)
				l = &s->l[j];
		if (!l) {
			JBAD("ns %llu (%s) has a listener it did not make: %.*s", s->ns, s->comm,
			     (int)(end - line), line);
			continue;
		}
		seen[s - self->w][l - s->l]++;
		if (strcmp(local, l->local))
			JBAD("%s inode %lld: local %s, want %s", s->comm, ino, local, l->local);
		if (!lq_json_str(line, end, "ns_name", name, sizeof(name), &null) ||
		    (s->name ? null || strcmp(name, s->name) : !null))
			JBAD("%s %s: ns_name '%s'%s, want %s", s->comm, l->local, name,
			     null ? " (null)" : "", s->name ? s->name : "null");
		if (!lq_json_num(line, end, "acc_q", &acc) || acc != l->clients)
			JBAD("%s %s: acc_q %lld, want %d", s->comm, l->local, acc, l->clients);
		n = owners_of(s, l, o);
		if (!jprocs_match(line, end, o, n, why, sizeof(why)))
			JBAD("%s %s: %s: %.*s", s->comm, l->local, why, (int)(end - line), line);
	}
	for (i = 0; i < self->nup; i++)
		for (j = 0; j < nlsn(&self->w[i]); j++)
			if (seen[i][j] != 1)
				JBAD("%s %s (ns %llu, inode %llu): %d rows, want 1", self->w[i].comm,
				     self->w[i].l[j].local, self->w[i].ns, self->w[i].l[j].ino,
				     seen[i][j]);
	return bad;
#undef JBAD
}

/* Whitespace-separated tokens of one line, in place. */
static int tokens(char *line, char **tok, int max)
{
	int n = 0;
	char *save, *t;

	for (t = strtok_r(line, " \t", &save); t && n < max; t = strtok_r(NULL, " \t", &save))
		tok[n++] = t;
	return n;
}

static int check_table(struct __test_metadata *_metadata, const FIXTURE_DATA(allns) *self,
		       const char *out)
{
	char *text = strdup(out), *line, *save, *tok[64], *hdr[64];
	int nh = 0, c_local = -1, c_acc = -1, bad = 0, seen[NSRV][MAX_LSN] = { { 0 } }, i, j;

	ASSERT_TRUE(text != NULL);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int n;

		if (!nh) {
			nh = tokens(line, hdr, 64);
			for (i = 0; i < nh; i++) {
				if (!strcmp(hdr[i], "LOCAL"))
					c_local = i;
				if (!strcmp(hdr[i], "ACC_Q"))
					c_acc = i;
			}
			if (nh < 4 || strcmp(hdr[0], "NETNS") || strcmp(hdr[1], "NAME") ||
			    strcmp(hdr[nh - 1], "PROCESSES") || c_local < 0 || c_acc < 0) {
				TH_LOG("table header: want NETNS NAME ... LOCAL ... ACC_Q ... "
				       "PROCESSES, got %d columns:\n%s", nh, out);
				free(text);
				return 1;
			}
			continue;
		}
		n = tokens(line, tok, 64);
		if (n != nh)
			continue;
		for (i = 0; i < self->nup; i++) {
			const struct srv *s = &self->w[i];
			char ns[24], users[512];

			snprintf(ns, sizeof(ns), "%llu", s->ns);
			if (strcmp(tok[0], ns))
				continue;
			for (j = 0; j < nlsn(s) && strcmp(tok[c_local], s->l[j].local); j++)
				;
			if (j == nlsn(s)) {
				TH_LOG("table: ns %s (%s) has a row it did not make: %s", ns, s->comm,
				       tok[c_local]);
				bad++;
			}
			for (j = 0; j < nlsn(s); j++) {
				const struct lsn *l = &s->l[j];
				char acc[16];

				if (strcmp(tok[c_local], l->local))
					continue;
				seen[i][j]++;
				users_str(s, l, users, sizeof(users));
				snprintf(acc, sizeof(acc), "%d", l->clients);
				if (strcmp(tok[1], s->name ? s->name : "-") || strcmp(tok[c_acc], acc) ||
				    strcmp(tok[n - 1], users)) {
					TH_LOG("table row of %s %s: NAME %s ACC_Q %s PROCESSES %s; "
					       "want %s %s %s", s->comm, l->local, tok[1], tok[c_acc],
					       tok[n - 1], s->name ? s->name : "-", acc, users);
					bad++;
				}
			}
		}
	}
	for (i = 0; i < self->nup; i++)
		for (j = 0; j < nlsn(&self->w[i]); j++)
			if (seen[i][j] != 1) {
				TH_LOG("table: %d rows of %s %s in ns %llu, want 1", seen[i][j],
				       self->w[i].comm, self->w[i].l[j].local, self->w[i].ns);
				bad++;
			}
	if (bad)
		TH_LOG("the table:\n%s", out);
	free(text);
	return bad;
}

/*
 * The sample of metric with labels ns and local: its other labels and value.
 * Returns how many samples matched.
 */
static int prom_find(const char *out, const char *metric, unsigned long long ns,
		     const char *local, char *ns_name, char *command, size_t len, long long *v)
{
	const char *labels[] = { "ns", NULL, local ? "local" : NULL, local, NULL }, *line = NULL;
	char want_ns[24];
	int n;

	snprintf(want_ns, sizeof(want_ns), "%llu", ns);
	labels[1] = want_ns;
	n = lq_prom_sample(out, metric, labels, &line, v);
	if (n && !lq_prom_label(line, "ns_name", ns_name, len))
		snprintf(ns_name, len, "(absent)");
	if (n && !lq_prom_label(line, "command", command, len))
		snprintf(command, len, "(absent)");
	return n;
}

static int check_prom(struct __test_metadata *_metadata, const FIXTURE_DATA(allns) *self,
		      const char *out)
{
	int bad = 0, i, j;

	for (i = 0; i < self->nup; i++) {
		const struct srv *s = &self->w[i];
		char name[128], cmd[128];
		long long v = -1;
		int n;

		for (j = 0; j < nlsn(s); j++) {
			const struct lsn *l = &s->l[j];

			n = prom_find(out, "listenq_accept_queue_length", s->ns, l->local, name, cmd,
				      sizeof(name), &v);
			if (n != 1 || strcmp(name, s->name ? s->name : "") ||
			    strcmp(cmd, command_of(s, l)) || v != l->clients) {
				TH_LOG("listenq_accept_queue_length of %s %s (ns %llu): %d samples, "
				       "ns_name \"%s\" command \"%s\" value %lld; want 1, \"%s\" "
				       "\"%s\" %d", s->comm, l->local, s->ns, n, name, cmd, v,
				       s->name ? s->name : "", command_of(s, l), l->clients);
				bad++;
			}
			n = prom_find(out, "listenq_accept_queue_backlog", s->ns, l->local, name,
				      cmd, sizeof(name), &v);
			if (n != 1 || v != l->backlog) {
				TH_LOG("listenq_accept_queue_backlog of %s %s: %d samples, %lld; "
				       "want 1, %d", s->comm, l->local, n, v, l->backlog);
				bad++;
			}
		}
		/* listenq_sysctl once per namespace */
		{
			const char *p;
			char key[96];
			int cnt = 0;

			snprintf(key, sizeof(key), "ns=\"%llu\"", s->ns);
			for (p = out; (p = strstr(p, "\nlistenq_sysctl{")); p++) {
				const char *e = lq_eol(p + 1);
				const char *k = strstr(p, key);

				if (k && k < e && strstr(p, "name=\"somaxconn\"") &&
				    strstr(p, "name=\"somaxconn\"") < e) {
					const char *val = strstr(p, "} ");

					cnt++;
					if (s->somaxconn && val && val < e &&
					    strtoll(val + 2, NULL, 10) != s->somaxconn) {
						TH_LOG("listenq_sysctl somaxconn of %s: %.*s, want %d",
						       s->comm, (int)(e - p - 1), p + 1, s->somaxconn);
						bad++;
					}
				}
			}
			if (cnt != 1) {
				TH_LOG("listenq_sysctl{ns=\"%llu\",name=\"somaxconn\"} of %s: %d "
				       "samples, want 1", s->ns, s->comm, cnt);
				bad++;
			}
		}
	}
	return bad;
}

/* The metrics service's arguments (contract item 4) but for --output. */
#define METRICS_DIR	"/tmp/lqt-metrics"
#define METRICS_FILE	METRICS_DIR "/listenq.prom"

static size_t expect_lines(const FIXTURE_DATA(allns) *self, char *buf, size_t len)
{
	size_t off = 0;
	int i, j;

	for (i = 0; i < self->nup; i++) {
		const struct srv *s = &self->w[i];

		if (s->somaxconn && off < len)
			off += snprintf(buf + off, len - off,
					"listenq_sysctl{ns=\"%llu\",name=\"somaxconn\"} %d\n", s->ns,
					s->somaxconn);
		for (j = 0; j < nlsn(s) && off < len; j++) {
			const struct lsn *l = &s->l[j];
			char labels[512];

			snprintf(labels, sizeof(labels),
				 "ns=\"%llu\",local=\"%s\",ns_name=\"%s\",command=\"%s\"", s->ns,
				 l->local, s->name ? s->name : "", command_of(s, l));
			off += snprintf(buf + off, len - off, "listenq_accept_queue_length{%s} %d\n",
					labels, l->clients);
			if (off < len)
				off += snprintf(buf + off, len - off,
						"listenq_accept_queue_backlog{%s} %d\n", labels,
						l->backlog);
		}
	}
	return off < len ? off : len;
}

/*
 * The metrics command, then its three artifact blocks. Outside the guest
 * (no LQ_KVER in the environment) a missing artifact port is not an error.
 */
static void metrics_artifacts(struct __test_metadata *_metadata, FIXTURE_DATA(allns) *self)
{
	char *argv[] = { (char *)lq_listenq_path(), "--all-namespaces", "--processes",
			 "--prometheus", "--output", METRICS_FILE, NULL };
	static char expect[16384], cmdline[512];
	struct lq_exec r;
	char *prom;
	struct stat st;
	DIR *d;
	struct dirent *e;
	int fd, ret, others = 0;

	mkdir(METRICS_DIR, 0755);
	unlink(METRICS_FILE);
	lq_exec_run(&r, argv, -1, LQ_LISTENQ_RUN_MS);
	if (r.status)
		lq_log_run(_metadata, "the metrics command", &r);
	EXPECT_EQ(0, r.status);
	EXPECT_EQ(0, (long long)r.out_len) TH_LOG("--output: stdout not empty:\n%s", r.out);
	lq_exec_free(&r);
	prom = lq_read_file(METRICS_FILE);
	if (!prom)
		prom = strdup("");
	ASSERT_TRUE(prom != NULL);
	EXPECT_EQ(0, stat(METRICS_FILE, &st));
	EXPECT_EQ(0644, (int)(st.st_mode & 07777));
	d = opendir(METRICS_DIR);
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && strcmp(e->d_name, "listenq.prom")) {
			TH_LOG("%s: left behind: %s", METRICS_DIR, e->d_name);
			others++;
		}
	if (d)
		closedir(d);
	EXPECT_EQ(0, others);

	/* command: the arguments after the binary, as in the unit's ExecStart */
	lq_exec_line(argv + 1, cmdline, sizeof(cmdline));
	expect_lines(self, expect, sizeof(expect));
	fd = lq_artifact_open();
	if (fd < 0 && !getenv("LQ_KVER")) {
		TH_LOG("no artifact port (%s), not in the guest: artifacts not written",
		       strerror(-fd));
	} else {
		ASSERT_LE(0, fd) TH_LOG("artifact port: %s", strerror(-fd));
		ret = lq_artifact_write(fd, "command", cmdline, strlen(cmdline));
		if (!ret)
			ret = lq_artifact_write(fd, "listenq.prom", prom, strlen(prom));
		if (!ret)
			ret = lq_artifact_write(fd, "expect", expect, strlen(expect));
		if (!ret)
			ret = lq_artifact_close(fd);
		else
			close(fd);
		EXPECT_EQ(0, ret) TH_LOG("writing the artifacts: %s", strerror(-ret));
		TH_LOG("artifacts: command '%s', listenq.prom %zu bytes, expect:\n%s", cmdline,
		       strlen(prom), expect);
	}
	EXPECT_EQ(0, check_prom(_metadata, self, prom)) TH_LOG("%s:\n%s", METRICS_FILE, prom);
	free(prom);
	unlink(METRICS_FILE);
	rmdir(METRICS_DIR);
}

/* Every row, name and owner, in every output format; and the metrics artifacts. */
TEST_F_TIMEOUT(allns, rows, 300)
{
	struct lq_exec r;
	char want[512];
	int i;

	if (self->skip[0])
		SKIP(return, "%s", self->skip);
	world_up(_metadata, self);

	metrics_artifacts(_metadata, self);

	lq_listenq(&r, -1, "-A", "-p", "--json", NULL);
	EXPECT_EQ(0, r.status);
	EXPECT_EQ(0, check_json(_metadata, self, r.out, false, NULL))
		lq_log_run(_metadata, "listenq -A -p --json", &r);
	lq_exec_free(&r);

	lq_listenq(&r, -1, "--all-namespaces", "--processes", NULL);
	EXPECT_EQ(0, r.status) lq_log_run(_metadata, "listenq -A -p", &r);
	EXPECT_EQ(0, check_table(_metadata, self, r.out));
	lq_exec_free(&r);

	lq_listenq(&r, -1, "-A", "-p", "--prometheus", NULL);
	EXPECT_EQ(0, r.status) lq_log_run(_metadata, "listenq -A -p --prometheus", &r);
	EXPECT_EQ(0, check_prom(_metadata, self, r.out)) TH_LOG("--prometheus:\n%s", r.out);
	lq_exec_free(&r);

	/* --watch: two frames, the last one complete */
	lq_listenq(&r, -1, "-A", "-p", "--watch=0.2", "--count", "2", NULL);
	EXPECT_EQ(0, r.status) lq_log_run(_metadata, "listenq -A -p --watch=0.2 --count 2", &r);
	{
		const char *p = r.out, *last = NULL;
		int frames = 0;

		for (; (p = strstr(p, "--- frame ")); p++, frames++)
			last = p;
		EXPECT_EQ(2, frames) TH_LOG("--watch --count 2:\n%s", r.out);
		if (last)
			EXPECT_EQ(0, check_table(_metadata, self, lq_eol(last) + 1));
	}
	lq_exec_free(&r);

	/* filters keep the matching rows of every namespace: 7101 is the named one's and the decoy's */
	{
		static const struct {
			const char *args[5], *local;
			int rows;
		} f[] = {
			{ { "7101" }, "127.0.0.1:7101", 2 },
			{ { "--addr", "127.0.0.1", "--port", "7101" }, "127.0.0.1:7101", 2 },
			{ { "[::]:7108" }, "[::]:7108", 1 },
			{ { "--addr", "::1" }, "[::1]:7111", 1 },
		};

		for (i = 0; i < (int)(sizeof(f) / sizeof(f[0])); i++) {
			char *argv[12] = { (char *)lq_listenq_path(), "-A", "-p", "--json" }, what[128];
			int n = 4, k;

			for (k = 0; k < 4 && f[i].args[k]; k++)
				argv[n++] = (char *)f[i].args[k];
			argv[n] = NULL;
			lq_exec_line(argv + 1, what, sizeof(what));
			lq_exec_run(&r, argv, -1, LQ_LISTENQ_RUN_MS);
			EXPECT_EQ(0, r.status) lq_log_run(_metadata, what, &r);
			EXPECT_EQ(f[i].rows, lq_json_count(r.out, f[i].local)) TH_LOG("%s:\n%s", what, r.out);
			EXPECT_EQ(f[i].rows, lq_json_count(r.out, NULL)) TH_LOG("%s:\n%s", what, r.out);
			lq_exec_free(&r);
		}
	}

	/* explain: the pre-fork server's owners, and a listener nobody holds */
	for (i = 0; i < (int)NSRV; i++) {
		const struct srv *s = &self->w[i];
		struct owner o[MAX_OWNERS];
		int n = owners_of(s, &s->l[0], o), k;
		size_t off;

		if (strcmp(s->comm, "lqt-docker") && !s->idle)
			continue;
		off = snprintf(want, sizeof(want), "owned by: ");
		for (k = 0; k < n; k++)
			off += snprintf(want + off, sizeof(want) - off, "%s%s (pid %d, fd %d)",
					k ? ", " : "", o[k].comm, o[k].pid, o[k].fd);
		if (!n)
			snprintf(want + off, sizeof(want) - off, "no process holds it");
		lq_listenq(&r, -1, "-A", "-p", "explain", (char *)s->l[0].local, NULL);
		EXPECT_EQ(0, r.status);
		EXPECT_TRUE(strstr(r.out, want) != NULL)
			TH_LOG("explain %s: no '%s' in:\n%s%s", s->l[0].local, want, r.out, r.err);
		lq_exec_free(&r);
	}
}

/* ---- namespaces that come and go ---- */

static volatile sig_atomic_t churn_stopping;

static void churn_sigterm(int sig)
{
	(void)sig;
	churn_stopping = 1;
}

/*
 * A namespace with a listener, named by ip netns every other time, gone within
 * 120 ms. Returns the exit status of its process.
 */
static int churn_life(unsigned int i)
{
	struct timespec ts = { 0, (long)(i * 7919 % 120) * 1000 * 1000 };
	char name[32];
	bool named = i & 1;
	int fd;

	snprintf(name, sizeof(name), CHURN_PREFIX "%u", i);
	if (named) {
		if (lq_netns_add(name, NULL) || lq_netns_join(name))
			return 1;
	} else if (unshare(CLONE_NEWNET)) {
		return 1;
	}
	if (lq_link_up("lo"))
		return 1;
	fd = lq_tcp_listener(AF_INET, "127.0.0.1", CHURN_PORT, 4, 0);
	if (fd >= 0)
		lq_connect_nb(AF_INET, "127.0.0.1", CHURN_PORT);
	nanosleep(&ts, NULL);
	if (named)
		lq_netns_del(name);
	return 0;
}

/*
 * The churn process, 4 namespaces alive at a time until SIGTERM: its pid, or
 * -1. **donep counts the namespaces that ended; it is shared memory,
 * unmapped by churn_stop().
 */
static pid_t churn_start(unsigned int **donep)
{
	unsigned int i = 0, alive = 0, *done;
	pid_t pid;

	done = mmap(NULL, sizeof(*done), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (done == MAP_FAILED)
		return -1;
	*donep = done;
	fflush(NULL);
	pid = fork();
	if (pid)
		return pid;
	prctl(PR_SET_NAME, "lqt-churn", 0, 0, 0);
	signal(SIGTERM, churn_sigterm);
	while (!churn_stopping || alive) {
		pid_t c;

		if (!churn_stopping && alive < 4) {
			c = fork();
			if (!c) {
				int st;

				signal(SIGTERM, SIG_DFL);
				prctl(PR_SET_NAME, "lqt-churn-ns", 0, 0, 0);
				st = churn_life(i);
				__atomic_add_fetch(done, 1, __ATOMIC_RELEASE);
				_exit(st);
			}
			if (c > 0) {
				alive++;
				i++;
			}
			continue;
		}
		c = wait(NULL);
		if (c > 0)
			alive--;
		else if (errno == ECHILD)
			break;
	}
	_exit(0);
}

/* Waits until one more churn namespace has ended since *seen; updates it. */
static void churn_step(const unsigned int *done, unsigned int *seen)
{
	struct timespec ms = { 0, 1000 * 1000 };
	unsigned int now;

	while ((now = __atomic_load_n(done, __ATOMIC_ACQUIRE)) == *seen)
		nanosleep(&ms, NULL);
	*seen = now;
}

/*
 * 25 reads (LQ_SCALE may make them fewer, not under 10) while namespaces
 * appear and disappear: every one exits 0 and shows
 * the world. Before each read the test waits until one more churn namespace
 * has ended, so consecutive reads never see the same set of namespaces, on a
 * fast machine or a slow one. Whether one disappears in the middle of a read
 * is up to the scheduler: the count of reads that saw one is logged, not
 * asserted.
 */
TEST_F_TIMEOUT(allns, churn, 600)
{
	int runs = lq_scaled(25, 10), failed_runs = 0, churn_seen = 0, i;
	unsigned int done = 0;
	struct lq_exec r;

	if (self->skip[0])
		SKIP(return, "%s", self->skip);
	world_up(_metadata, self);
	self->churn = churn_start(&self->churn_done);
	ASSERT_LT(0, self->churn);
	for (i = 0; i < runs; i++) {
		int bad, churn_rows = 0;

		churn_step(self->churn_done, &done);
		if (i % 10 == 9) {
			lq_listenq(&r, -1, "-A", "-p", NULL);
			bad = r.status ? 1 : check_table(_metadata, self, r.out);
		} else if (i % 10 == 4) {
			lq_listenq(&r, -1, "-A", "-p", "--prometheus", NULL);
			bad = r.status ? 1 : check_prom(_metadata, self, r.out);
		} else {
			lq_listenq(&r, -1, "-A", "-p", "--json", NULL);
			bad = r.status ? 1 : check_json(_metadata, self, r.out, true, &churn_rows);
		}
		if ((r.status || bad) && !failed_runs)
			lq_log_run(_metadata, "listenq -A -p during the churn", &r);
		if (r.err_len && !failed_runs && !r.status)
			TH_LOG("run %d: stderr not empty:\n%s", i, r.err);
		failed_runs += bad || r.err_len;
		churn_seen += churn_rows > 0;
		lq_exec_free(&r);
	}
	churn_stop(self);
	TH_LOG("%d of %d runs failed; %d runs saw namespaces of the churn; %u had ended by the last run",
	       failed_runs, runs, churn_seen, done);
	EXPECT_LE((unsigned int)runs, done);
	EXPECT_EQ(0, failed_runs);
}

/* -A needs root: as nobody it fails with a message that says so; -A with -N is a usage error. */
TEST_F(allns, not_root)
{
	struct lq_exec r;

	if (self->skip[0])
		SKIP(return, "%s", self->skip);
	world_up(_metadata, self);
	lq_listenq(&r, 65534, "-A", NULL);
	EXPECT_EQ(1, r.status) lq_log_run(_metadata, "listenq -A as nobody", &r);
	EXPECT_TRUE(strcasestr(r.err, "root") != NULL) lq_log_run(_metadata, "listenq -A as nobody", &r);
	EXPECT_EQ(0, (long long)r.out_len);
	lq_exec_free(&r);

	lq_listenq(&r, 65534, "--all-namespaces", "--processes", "--prometheus", NULL);
	EXPECT_EQ(1, r.status) lq_log_run(_metadata, "listenq -A -p --prometheus as nobody", &r);
	lq_exec_free(&r);

	lq_listenq(&r, -1, "-A", "-N", "lqt-named", NULL);
	EXPECT_EQ(2, r.status) lq_log_run(_metadata, "listenq -A -N lqt-named", &r);
	lq_exec_free(&r);
}

#define OUT_DIR		"/tmp/lqt-out"

static int dir_entries(const char *dir, char *names, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t off = 0;
	int n = 0;

	names[0] = '\0';
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		n++;
		if (off < len)
			off += snprintf(names + off, len - off, " %s", e->d_name);
	}
	if (d)
		closedir(d);
	return n;
}

/* -o: atomic replacement, 0644, nothing left behind; a failure leaves the target untouched. */
TEST_F(allns, output)
{
	struct lq_exec r;
	char names[512], *text;
	struct stat st0, st;
	int fd;

	if (self->skip[0])
		SKIP(return, "%s", self->skip);
	world_up(_metadata, self);
	mkdir(OUT_DIR, 0755);
	fd = open(OUT_DIR "/all.json", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(4, write(fd, "old\n", 4));
	close(fd);
	ASSERT_EQ(0, stat(OUT_DIR "/all.json", &st0));

	lq_listenq(&r, -1, "-A", "-p", "--json", "--output", OUT_DIR "/all.json", NULL);
	EXPECT_EQ(0, r.status) lq_log_run(_metadata, "listenq -A -p --json --output", &r);
	EXPECT_EQ(0, (long long)r.out_len);
	lq_exec_free(&r);
	ASSERT_EQ(0, stat(OUT_DIR "/all.json", &st));
	EXPECT_NE(st0.st_ino, st.st_ino) TH_LOG("the file was rewritten in place, not renamed over");
	EXPECT_EQ(0644, (int)(st.st_mode & 07777));
	text = lq_read_file(OUT_DIR "/all.json");
	ASSERT_TRUE(text != NULL);
	EXPECT_EQ(0, check_json(_metadata, self, text, false, NULL)) TH_LOG("-o file:\n%s", text);
	free(text);
	EXPECT_EQ(1, dir_entries(OUT_DIR, names, sizeof(names))) TH_LOG("%s:%s", OUT_DIR, names);

	/* the table too */
	lq_listenq(&r, -1, "-A", "-p", "--output", OUT_DIR "/all.txt", NULL);
	EXPECT_EQ(0, r.status) lq_log_run(_metadata, "listenq -A -p --output", &r);
	lq_exec_free(&r);
	text = lq_read_file(OUT_DIR "/all.txt");
	ASSERT_TRUE(text != NULL);
	EXPECT_EQ(0, check_table(_metadata, self, text));
	free(text);
	unlink(OUT_DIR "/all.txt");

	/* rename() over a directory fails: exit 1, no temporary file left, the directory stays */
	ASSERT_EQ(0, mkdir(OUT_DIR "/sub", 0755));
	lq_listenq(&r, -1, "-A", "--prometheus", "--output", OUT_DIR "/sub", NULL);
	EXPECT_EQ(1, r.status) lq_log_run(_metadata, "listenq --output <a directory>", &r);
	EXPECT_TRUE(r.err_len > 0);
	lq_exec_free(&r);
	EXPECT_EQ(0, stat(OUT_DIR "/sub", &st));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	EXPECT_EQ(2, dir_entries(OUT_DIR, names, sizeof(names))) TH_LOG("%s:%s", OUT_DIR, names);
	EXPECT_EQ(0, dir_entries(OUT_DIR "/sub", names, sizeof(names))) TH_LOG("sub:%s", names);

	/* a directory that does not exist */
	lq_listenq(&r, -1, "-A", "--output", OUT_DIR "/none/x.prom", NULL);
	EXPECT_EQ(1, r.status) lq_log_run(_metadata, "listenq --output <no such directory>", &r);
	lq_exec_free(&r);

	/* not with --watch */
	lq_listenq(&r, -1, "-A", "--watch", "-c", "1", "--output", OUT_DIR "/w.txt", NULL);
	EXPECT_EQ(2, r.status) lq_log_run(_metadata, "listenq --watch --output", &r);
	lq_exec_free(&r);
	EXPECT_NE(0, access(OUT_DIR "/w.txt", F_OK));

	rmdir(OUT_DIR "/sub");
	unlink(OUT_DIR "/all.json");
	rmdir(OUT_DIR);
}

TEST_HARNESS_MAIN
