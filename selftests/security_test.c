// SPDX-License-Identifier: GPL-2.0
/*
 * What listenq shows, and to whom.
 *
 *  - No kernel address in anything it writes: /proc/listenq,
 *    listenq_sysctl, its sysfs parameters and its kernel log lines (the
 *    drop log included), with probes on and every kind of listener.
 *  - A reader sees exactly one namespace's listeners: its own through
 *    /proc/listenq, or the one of <pid> through /proc/<pid>/net/listenq,
 *    never a mix, whatever the port numbers; an open file keeps the
 *    namespace it was opened in; and hidepid hides other users' processes'
 *    namespaces as it does for /proc/<pid>/net/tcp.
 *  - Owners are shown as the reader's user namespace maps them.
 *  - Unprivileged users read the table (0444, as /proc/net/tcp) but cannot
 *    switch probes or the drop log.
 *  - The drop log is off unless root turns it on; its rate limit is
 *    probes_test's drop_log_rate_limited.
 *  - Reading changes nothing: the namespace's counters and sockets stay as
 *    they were after many reads.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lq_kmod.h"
#include "lq_test.h"

#define NOBODY	65534

static void need_module(struct __test_metadata *_metadata)
{
	if (!lq_module_loaded())
		SKIP(return, "listenq is not loaded");
}

static void expect_no_pointer(struct __test_metadata *_metadata, const char *what,
			      const char *text)
{
	const char *p = lq_find_kernel_pointer(text);

	EXPECT_TRUE(p == NULL) TH_LOG("%s: kernel address at '%.40s'", what, p);
}

static void scan_file(struct __test_metadata *_metadata, const char *path)
{
	char *text = lq_read_file(path);

	ASSERT_TRUE(text != NULL) TH_LOG("%s: %s", path, strerror(errno));
	expect_no_pointer(_metadata, path, text);
	free(text);
}

/* Every record in the kernel log, from the start, that listenq wrote. */
static char *module_log(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	char *all, *out, *line, *save = NULL;
	size_t len = 0;

	if (fd < 0)
		return NULL;
	all = lq_kmsg_read(fd);
	close(fd);
	if (!all)
		return NULL;
	out = calloc(1, strlen(all) + 1);
	for (line = strtok_r(all, "\n", &save); out && line; line = strtok_r(NULL, "\n", &save)) {
		if (!strstr(line, "listenq"))
			continue;
		len += sprintf(out + len, "%s\n", line);
	}
	free(all);
	return out;
}

/*
 * Probes on, the drop log at its most, every kind of listener and every
 * kind of event; then every output of the module is scanned.
 */
TEST(no_kernel_pointers)
{
	char saved_probes[8], saved_log[16], path[300], *log;
	int v4, v6, rp[2], tfo, raw, port, lines = 0;
	DIR *dir;
	struct dirent *de;

	need_module(_metadata);
	ASSERT_EQ(0, lq_param_get("probes", saved_probes, sizeof(saved_probes)));
	ASSERT_EQ(0, lq_param_get("drop_log", saved_log, sizeof(saved_log)));
	ASSERT_EQ(0, lq_param_write("probes", "1\n", 2));
	ASSERT_EQ(0, lq_param_write("drop_log", "1000\n", 5));

	lq_setup_netns(_metadata);
	ASSERT_EQ(0, lq_route_add(AF_INET, LQ_SYN_NET4, LQ_SYN_PREFIX4, "lo"));
	ASSERT_EQ(0, lq_route_add(AF_INET6, LQ_SYN_NET6, LQ_SYN_PREFIX6, "lo"));
	lq_set_sysctl(_metadata, "net/ipv4/tcp_syncookies", 0);
	v4 = lq_listen(_metadata, AF_INET, "127.0.0.1", 0, 0);
	v6 = lq_listen(_metadata, AF_INET6, "::1", 0, 0);
	rp[0] = lq_listen(_metadata, AF_INET, "0.0.0.0", 3, LQ_REUSEPORT);
	port = lq_port(_metadata, rp[0]);
	rp[1] = lq_tcp_listener(AF_INET, "0.0.0.0", port, 3, LQ_REUSEPORT);
	ASSERT_LE(0, rp[1]);
	tfo = lq_listen(_metadata, AF_INET6, "::", 5, 0);
	/* drops with peers in the log: v4 and v6 */
	raw = lq_raw_socket(AF_INET);
	ASSERT_LE(0, raw);
	EXPECT_EQ(5, lq_send_syns(raw, AF_INET, "127.0.0.1", lq_port(_metadata, v4), 0, 5));
	close(raw);
	raw = lq_raw_socket(AF_INET6);
	ASSERT_LE(0, raw);
	EXPECT_EQ(5, lq_send_syns(raw, AF_INET6, "::1", lq_port(_metadata, v6), 0, 5));
	close(raw);
	ASSERT_LE(0, lq_connect_nb(AF_INET, "127.0.0.1", port));
	usleep(300 * 1000);

	scan_file(_metadata, LQ_PROC_PATH);
	scan_file(_metadata, LQ_SYSCTL_PATH);
	dir = opendir(LQ_PARAM_DIR);
	ASSERT_TRUE(dir != NULL);
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), LQ_PARAM_DIR "%s", de->d_name);
		scan_file(_metadata, path);
	}
	closedir(dir);
	scan_file(_metadata, "/sys/module/listenq/version");

	/* probes off prints its own summary lines too */
	ASSERT_EQ(0, lq_param_write("probes", "0\n", 2));
	ASSERT_EQ(0, lq_param_write("probes", saved_probes, strlen(saved_probes)));
	ASSERT_EQ(0, lq_param_write("drop_log", saved_log, strlen(saved_log)));
	log = module_log();
	ASSERT_TRUE(log != NULL);
	for (const char *p = log; (p = strstr(p, " peer ")); p++)
		lines++;
	EXPECT_LE(2, lines) TH_LOG("no drop log lines with peers to look at:\n%s", log);
	expect_no_pointer(_metadata, "listenq's kernel log", log);
	free(log);
	close(v4);
	close(v6);
	close(rp[0]);
	close(rp[1]);
	close(tfo);
}

/* ---- one namespace per reader ---- */

#define NR_NS	6

struct ns_info {
	unsigned long long ns;
	unsigned long long ino[3];	/* its listeners */
	int ok;				/* its own view was exactly its own */
};

/* The inodes in a table: exactly @want, all rows of namespace @ns. */
static bool exactly(const struct lq_proc *t, const unsigned long long *want, int n,
		    unsigned long long ns)
{
	if (t->nrows != n)
		return false;
	for (int i = 0; i < t->nrows; i++)
		if ((unsigned long long)t->rows[i].ns != ns)
			return false;
	for (int i = 0; i < n; i++)
		if (!lq_proc_find_inode(t, want[i]))
			return false;
	return true;
}

/*
 * NR_NS namespaces, each with listeners on the same port numbers (so they
 * share hash buckets) and its own tcp_max_syn_backlog: every view, from
 * inside and through /proc/<pid>/net, shows exactly one namespace.
 */
TEST(netns_views)
{
	struct ns_info *info = mmap(NULL, NR_NS * sizeof(*info), PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int ready[2], go[2], port = 0, probe;
	pid_t pid[NR_NS];
	struct lq_proc t;
	char path[64];

	need_module(_metadata);
	ASSERT_TRUE(info != MAP_FAILED);
	memset(info, 0, NR_NS * sizeof(*info));
	lq_setup_netns(_metadata);	/* ours: no listener at all */
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	/* a port free everywhere: fresh namespaces have no listeners */
	probe = lq_listen(_metadata, AF_INET, "127.0.0.1", 1, 0);
	port = lq_port(_metadata, probe);
	close(probe);
	for (int i = 0; i < NR_NS; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (pid[i])
			continue;
		struct ns_info *me = &info[i];
		struct lq_proc own;
		int fds[3];
		char c;

		if (lq_netns_enter() || lq_sysctl_write("net/ipv4/tcp_max_syn_backlog", 100 + i))
			_exit(1);
		fds[0] = lq_tcp_listener(AF_INET, "127.0.0.1", port, 1 + i, 0);
		fds[1] = lq_tcp_listener(AF_INET6, "::", port, 1 + i, LQ_REUSEPORT | LQ_V6ONLY);
		fds[2] = lq_tcp_listener(AF_INET6, "::", port, 1 + i, LQ_REUSEPORT | LQ_V6ONLY);
		for (int k = 0; k < 3; k++) {
			if (fds[k] < 0)
				_exit(1);
			me->ino[k] = lq_sock_ino(fds[k]);
		}
		me->ns = lq_netns_ino();
		if (!lq_proc_read(&own, LQ_PROC_PATH)) {
			me->ok = exactly(&own, me->ino, 3, me->ns);
			lq_proc_free(&own);
		}
		if (write(ready[1], "x", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);	/* a child that fails makes read() see EOF */
	for (int i = 0; i < NR_NS; i++) {
		char c;

		ASSERT_EQ(1, read(ready[0], &c, 1)) TH_LOG("a namespace could not be set up");
	}

	/* our own namespace has none of theirs */
	ASSERT_EQ(0, lq_proc_read(&t, LQ_PROC_PATH));
	EXPECT_EQ(0, t.nrows) TH_LOG("%s", t.raw);
	lq_proc_free(&t);

	for (int i = 0; i < NR_NS; i++) {
		long long val = 0;

		EXPECT_TRUE(info[i].ok) TH_LOG("namespace %d saw more than its own listeners", i);
		snprintf(path, sizeof(path), "/proc/%d/net/listenq", pid[i]);
		ASSERT_EQ(0, lq_proc_read(&t, path));
		EXPECT_TRUE(exactly(&t, info[i].ino, 3, info[i].ns)) TH_LOG("%s:\n%s", path, t.raw);
		lq_proc_free(&t);

		/* its sysctls, not ours */
		snprintf(path, sizeof(path), "/proc/%d/net/listenq_sysctl", pid[i]);
		char *text = lq_read_file(path), *p;

		ASSERT_TRUE(text != NULL);
		p = strstr(text, "tcp_max_syn_backlog ");
		EXPECT_TRUE(p && (val = atoll(p + 20)) == 100 + i) TH_LOG("%s:\n%s", path, text);
		p = strstr(text, "ns ");
		EXPECT_TRUE(p && strtoull(p + 3, NULL, 10) == info[i].ns) TH_LOG("%s", text);
		free(text);
	}
	ASSERT_EQ(NR_NS, write(go[1], "xxxxxxxxxxxx", NR_NS));
	for (int i = 0; i < NR_NS; i++) {
		int status;

		ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
		EXPECT_EQ(0, status);
	}
}

/* An open file shows the namespace it was opened in, as /proc/net/tcp does. */
TEST(open_file_keeps_its_netns)
{
	unsigned long long ino_a, ino_b;
	struct lq_proc t;
	int a, b, fd, home;
	char *text;

	need_module(_metadata);
	lq_setup_netns(_metadata);
	a = lq_listen(_metadata, AF_INET, "127.0.0.1", 1, 0);
	ino_a = lq_sock_ino(a);
	home = open("/proc/self/ns/net", O_RDONLY);
	ASSERT_LE(0, home);
	fd = open(LQ_PROC_PATH, O_RDONLY);
	ASSERT_LE(0, fd);

	lq_setup_netns(_metadata);
	b = lq_listen(_metadata, AF_INET, "127.0.0.1", 1, 0);
	ino_b = lq_sock_ino(b);

	/* the file opened before: still namespace A */
	text = calloc(1, 65536);
	ASSERT_TRUE(text != NULL);
	ASSERT_LT(0, read(fd, text, 65535));
	close(fd);
	ASSERT_EQ(0, lq_proc_parse(&t, text));
	EXPECT_TRUE(lq_proc_find_inode(&t, ino_a) != NULL) TH_LOG("%s", t.raw);
	EXPECT_TRUE(lq_proc_find_inode(&t, ino_b) == NULL) TH_LOG("%s", t.raw);
	lq_proc_free(&t);

	/* a fresh open: namespace B */
	ASSERT_EQ(0, lq_proc_read(&t, LQ_PROC_PATH));
	EXPECT_TRUE(lq_proc_find_inode(&t, ino_b) != NULL);
	EXPECT_TRUE(lq_proc_find_inode(&t, ino_a) == NULL);
	lq_proc_free(&t);
	close(home);
	close(a);
	close(b);
}

/* Run fn in a child as uid/gid NOBODY, without capabilities; its exit code. */
static int as_nobody(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int status;

	if (!pid) {
		if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			_exit(100);
		_exit(fn(arg));
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

struct unpriv {
	unsigned long long ino;
	int reads, write_errno[2];
};

static int unpriv_reads(void *arg)
{
	struct unpriv *u = arg;
	struct lq_proc t;

	if (lq_proc_read(&t, LQ_PROC_PATH))
		return 1;
	u->reads = lq_proc_find_inode(&t, u->ino) != NULL;
	lq_proc_free(&t);
	u->write_errno[0] = -lq_param_write("probes", "1\n", 2);
	u->write_errno[1] = -lq_param_write("drop_log", "1000\n", 5);
	return 0;
}

/* Anyone reads the table (as /proc/net/tcp); only root switches probes. */
TEST(unprivileged)
{
	struct unpriv *u = mmap(NULL, sizeof(*u), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char probes[8], drop_log[16], after[16];
	int fd;

	need_module(_metadata);
	ASSERT_TRUE(u != MAP_FAILED);
	lq_setup_netns(_metadata);
	fd = lq_listen(_metadata, AF_INET, "127.0.0.1", 1, 0);
	u->ino = lq_sock_ino(fd);
	ASSERT_EQ(0, lq_param_get("probes", probes, sizeof(probes)));
	ASSERT_EQ(0, lq_param_get("drop_log", drop_log, sizeof(drop_log)));
	ASSERT_EQ(0, as_nobody(unpriv_reads, u));
	EXPECT_EQ(1, u->reads);
	EXPECT_EQ(EACCES, u->write_errno[0]);
	EXPECT_EQ(EACCES, u->write_errno[1]);
	ASSERT_EQ(0, lq_param_get("probes", after, sizeof(after)));
	EXPECT_STREQ(probes, after);
	ASSERT_EQ(0, lq_param_get("drop_log", after, sizeof(after)));
	EXPECT_STREQ(drop_log, after);
	close(fd);
}

static int hidden_pid;

static int try_other_pid(void *arg)
{
	char path[64];
	int fd;

	(void)arg;
	snprintf(path, sizeof(path), "/proc/%d/net/listenq", hidden_pid);
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		close(fd);
		return 2;
	}
	/* its own view still works */
	fd = open(LQ_PROC_PATH, O_RDONLY);
	if (fd < 0)
		return 3;
	close(fd);
	return 0;
}

/*
 * With /proc mounted hidepid=invisible, another user's process and so its
 * /proc/<pid>/net/listenq are not there, as for /proc/<pid>/net/tcp.
 */
TEST(hidepid)
{
	int ready[2];
	pid_t pid;
	char c;

	need_module(_metadata);
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* root, in a netns of its own, waiting */
		if (lq_netns_enter() || lq_tcp_listener(AF_INET, "127.0.0.1", 0, 1, 0) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	hidden_pid = pid;
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	if (mount("proc", "/proc", "proc", 0, "hidepid=2")) {
		kill(pid, SIGKILL);
		SKIP(return, "cannot mount /proc with hidepid=2: %s", strerror(errno));
	}
	EXPECT_EQ(0, as_nobody(try_other_pid, NULL));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

struct userns_view {
	unsigned long long root_ino, user_ino;
	long long root_uid, user_uid;
};

/* In a user namespace that maps only uid 0: uid 1000 is unmapped (overflowuid). */
static int userns_reader(void *arg)
{
	struct userns_view *v = arg;
	const struct lq_proc_row *r;
	struct lq_proc t;
	int fd;

	if (unshare(CLONE_NEWUSER))
		return errno == EINVAL ? 4 : 1;
	fd = open("/proc/self/setgroups", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "deny", 4) != 4)
			return 1;
		close(fd);
	}
	fd = open("/proc/self/uid_map", O_WRONLY);
	if (fd < 0 || write(fd, "0 0 1", 5) != 5)
		return 1;
	close(fd);
	if (lq_proc_read(&t, LQ_PROC_PATH))
		return 1;
	r = lq_proc_find_inode(&t, v->root_ino);
	v->root_uid = r ? r->uid : LQ_BAD;
	r = lq_proc_find_inode(&t, v->user_ino);
	v->user_uid = r ? r->uid : LQ_BAD;
	lq_proc_free(&t);
	return 0;
}

TEST(uid_as_the_reader_maps_it)
{
	struct userns_view *v = mmap(NULL, sizeof(*v), PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int root_fd, user_fd, sv[2], status;
	struct lq_proc t;
	const struct lq_proc_row *r;
	pid_t pid;

	need_module(_metadata);
	ASSERT_TRUE(v != MAP_FAILED);
	lq_setup_netns(_metadata);
	root_fd = lq_listen(_metadata, AF_INET, "127.0.0.1", 1, 0);
	v->root_ino = lq_sock_ino(root_fd);
	/* a listener created by uid 1000, handed back to us */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
		struct msghdr mh = { .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		struct iovec iov = { "x", 1 };
		struct cmsghdr *cm;
		int fd;

		if (setresuid(1000, 1000, 1000))
			_exit(1);
		fd = lq_tcp_listener(AF_INET, "127.0.0.1", 0, 1, 0);
		if (fd < 0)
			_exit(1);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
		_exit(sendmsg(sv[1], &mh, 0) == 1 ? 0 : 1);
	}
	{
		char cbuf[CMSG_SPACE(sizeof(int))], x;
		struct iovec iov = { &x, 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };

		ASSERT_EQ(1, recvmsg(sv[0], &mh, 0));
		ASSERT_TRUE(CMSG_FIRSTHDR(&mh) != NULL);
		memcpy(&user_fd, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof(int));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	v->user_ino = lq_sock_ino(user_fd);

	ASSERT_EQ(0, lq_proc_read(&t, LQ_PROC_PATH));
	r = lq_proc_find_inode(&t, v->user_ino);
	ASSERT_TRUE(r != NULL);
	EXPECT_EQ(1000, r->uid);
	lq_proc_free(&t);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(userns_reader(v));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 4)
		SKIP(return, "no user namespaces in this kernel");
	ASSERT_EQ(0, status);
	EXPECT_EQ(0, v->root_uid);
	EXPECT_EQ(NOBODY, v->user_uid);
	close(root_fd);
	close(user_fd);
}

/* ---- the drop log ---- */

/* Off unless root turns it on: probes alone log no peer. */
TEST(drop_log_off_by_default)
{
	char probes[8], drop_log[16], *log;
	int kmsg, lfd, raw, port;

	need_module(_metadata);
	ASSERT_EQ(0, lq_param_get("drop_log", drop_log, sizeof(drop_log)));
	if (strcmp(drop_log, "0"))
		SKIP(return, "drop_log is %s in this run", drop_log);
	ASSERT_EQ(0, lq_param_get("probes", probes, sizeof(probes)));
	ASSERT_EQ(0, lq_param_write("probes", "1\n", 2));
	lq_setup_netns(_metadata);
	ASSERT_EQ(0, lq_route_add(AF_INET, LQ_SYN_NET4, LQ_SYN_PREFIX4, "lo"));
	lq_set_sysctl(_metadata, "net/ipv4/tcp_syncookies", 0);
	kmsg = lq_kmsg_open();
	ASSERT_LE(0, kmsg);
	lfd = lq_listen(_metadata, AF_INET, "127.0.0.1", 0, 0);
	port = lq_port(_metadata, lfd);
	raw = lq_raw_socket(AF_INET);
	ASSERT_LE(0, raw);
	ASSERT_EQ(10, lq_send_syns(raw, AF_INET, "127.0.0.1", port, 0, 10));
	close(raw);
	usleep(300 * 1000);
	log = lq_kmsg_read(kmsg);
	ASSERT_TRUE(log != NULL);
	EXPECT_TRUE(strstr(log, " peer ") == NULL) TH_LOG("%s", log);
	free(log);
	close(kmsg);
	close(lfd);
	ASSERT_EQ(0, lq_param_write("probes", probes, strlen(probes)));
}

/* ---- reading changes nothing ---- */

TEST(reads_change_nothing)
{
	static const char *const views[] = {
		"/proc/net/netstat", "/proc/net/snmp", "/proc/net/tcp", "/proc/net/tcp6",
		"/proc/net/sockstat",
	};
	char *before[5], *after;
	int fds[4];

	need_module(_metadata);
	lq_setup_netns(_metadata);
	for (int i = 0; i < 4; i++)
		fds[i] = lq_listen(_metadata, i % 2 ? AF_INET6 : AF_INET, i % 2 ? "::1" : "127.0.0.1",
				   i, i == 3 ? LQ_REUSEPORT : 0);
	for (int i = 0; i < 5; i++) {
		ASSERT_TRUE((before[i] = lq_read_file(views[i])) != NULL);
	}
	for (int i = 0; i < 50; i++) {
		free(lq_read_file(LQ_PROC_PATH));
		free(lq_read_file(LQ_SYSCTL_PATH));
		free(lq_read_file_chunked(LQ_PROC_PATH, 7, NULL));
	}
	for (int i = 0; i < 5; i++) {
		after = lq_read_file(views[i]);
		ASSERT_TRUE(after != NULL);
		EXPECT_STREQ(before[i], after);
		free(after);
		free(before[i]);
	}
	for (int i = 0; i < 4; i++)
		close(fds[i]);
}

TEST_HARNESS_MAIN
