// SPDX-License-Identifier: GPL-2.0
/*
 * The /proc/listenq file itself: columns, one row per listener, identity
 * columns (local, ns, uid, inode, reuseport_id), per-netns visibility,
 * listenq_sysctl, and per-socket options (defer_accept, tfo_max).
 *
 * Ground truth: fstat() of the socket, stat() of /proc/self/ns/net,
 * /proc/net/tcp{,6}, /proc/sys, and getsockopt() on the listener.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lq_test.h"

FIXTURE(proc) {
	int fd[8];
	int nfd;
};

FIXTURE_SETUP(proc)
{
	lq_setup_netns(_metadata);
}

FIXTURE_TEARDOWN(proc)
{
	for (int i = 0; i < self->nfd; i++)
		close(self->fd[i]);
}

static int add_listener(struct __test_metadata *_metadata, FIXTURE_DATA(proc) *self,
			int family, const char *addr, int flags)
{
	ASSERT_LT(self->nfd, 8);
	self->fd[self->nfd] = lq_listen(_metadata, family, addr, 10, flags);
	return self->fd[self->nfd++];
}

/*
 * The header names every column of the ABI, in the ABI's order, each once.
 * The list is the test's own: a column appended to the ABI must be added
 * here, at the end, too.
 */
TEST_F(proc, header_columns)
{
	static const char *const want[] = {
		"local", "ns", "uid", "inode", "acc_q", "acc_max", "acc_cap", "syn_q",
		"syn_young", "syn_cap", "drops", "syn_full", "defer_accept", "tfo_q",
		"tfo_max", "reuseport_id", "drop_synq", "cookie_synq", "drop_accq_syn",
		"drop_accq_ack", "drop_quarter", "expired", "backlog", "syn_q_peak",
		"acc_q_peak", "synack_retrans",
	};
	const int nwant = sizeof(want) / sizeof(want[0]);
	struct lq_proc t;

	if (!lq_read_proc(_metadata, &t))
		SKIP(return, LQ_NO_MODULE_SKIP);
	EXPECT_EQ(nwant, t.hdr.ncols) TH_LOG("header: %.*s", (int)strcspn(t.raw, "\n"), t.raw);
	for (int i = 0; i < nwant && i < t.hdr.ncols; i++) {
		EXPECT_STREQ(want[i], t.hdr.cols[i]) TH_LOG("column %d", i);
	}
	for (int i = 0; i < t.hdr.ncols; i++) {
		for (int j = i + 1; j < t.hdr.ncols; j++) {
			EXPECT_STRNE(t.hdr.cols[i], t.hdr.cols[j]);
		}
	}
	lq_proc_free(&t);
}

/* One well-formed row per LISTEN row of /proc/net/tcp and /proc/net/tcp6. */
TEST_F(proc, one_row_per_listener)
{
	struct lq_tcp_row *rows;
	unsigned long long ns = lq_netns_ino();
	int listeners = 0, n, i, fam;
	struct lq_proc t;

	add_listener(_metadata, self, AF_INET, "127.0.0.1", 0);
	add_listener(_metadata, self, AF_INET, "0.0.0.0", 0);
	add_listener(_metadata, self, AF_INET6, "::1", 0);
	add_listener(_metadata, self, AF_INET6, "::", LQ_V6ONLY);
	/* a bound but not listening socket is no listener */
	self->fd[self->nfd] = lq_tcp_socket(AF_INET, "127.0.0.1", 0, 0);
	ASSERT_LE(0, self->fd[self->nfd++]);

	for (fam = AF_INET; fam; fam = fam == AF_INET ? AF_INET6 : 0) {
		n = lq_tcp_rows(fam, &rows);
		ASSERT_LE(0, n);
		for (i = 0; i < n; i++) {
			if (rows[i].state != LQ_TCP_LISTEN)
				continue;
			listeners++;
			/* each kernel listener row has its listenq row */
			if (!lq_no_module()) {
				ASSERT_TRUE(lq_read_proc(_metadata, &t));
				EXPECT_TRUE(lq_proc_find_inode(&t, rows[i].inode) != NULL)
					TH_LOG("listener inode %llu has no row", rows[i].inode);
				lq_proc_free(&t);
			}
		}
		free(rows);
	}
	ASSERT_EQ(4, listeners);
	if (!lq_read_proc(_metadata, &t))
		SKIP(return, LQ_NO_MODULE_SKIP);
	EXPECT_EQ(listeners, t.nrows);
	for (i = 0; i < t.nrows; i++) {
		EXPECT_EQ(t.hdr.ncols, t.rows[i].nfields) TH_LOG("row '%s'", t.rows[i].local);
		EXPECT_NE(0, t.rows[i].family) TH_LOG("local '%s'", t.rows[i].local);
		EXPECT_LT(0, t.rows[i].port);
		EXPECT_EQ((long long)ns, t.rows[i].ns);
	}
	lq_proc_free(&t);
}

/* ns is the inode of the reader's netns, in both files. */
TEST_F(proc, ns_column)
{
	unsigned long long ns = lq_netns_ino();
	struct lq_proc_row row;
	long long val;

	ASSERT_NE(0ULL, ns);
	if (!lq_row_of(_metadata, add_listener(_metadata, self, AF_INET, "127.0.0.1", 0), &row))
		SKIP(return, LQ_NO_MODULE_SKIP);
	EXPECT_EQ((long long)ns, row.ns);
	ASSERT_EQ(0, lq_sysctl_table_get("ns", &val));
	EXPECT_EQ((long long)ns, val);
}

/* /proc/listenq resolves through /proc/self/net; neither file takes writes. */
TEST_F(proc, files)
{
	char link[64] = "";
	struct stat st;
	int fd;

	if (lq_no_module())
		SKIP(return, "LQ_NO_MODULE");
	ASSERT_LT(0, readlink(LQ_PROC_PATH, link, sizeof(link) - 1));
	EXPECT_STREQ("net/listenq", link);
	ASSERT_EQ(0, stat(LQ_PROC_NET_PATH, &st));
	EXPECT_EQ(0444, (int)(st.st_mode & 07777));
	ASSERT_EQ(0, stat(LQ_SYSCTL_PATH, &st));
	EXPECT_EQ(0444, (int)(st.st_mode & 07777));

	/* root passes the mode check on open: the write itself must fail */
	static const char * const paths[] = { LQ_PROC_PATH, LQ_PROC_NET_PATH, LQ_SYSCTL_PATH };

	for (unsigned int i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		fd = open(paths[i], O_WRONLY);
		if (fd < 0)
			continue;
		EXPECT_GT(0, write(fd, "1\n", 2)) TH_LOG("write to %s succeeded", paths[i]);
		close(fd);
	}
}

/* Listeners are only visible from their own netns. */
TEST_F(proc, netns_isolation)
{
	int a, b, home;
	unsigned long long ino_a, ino_b, ns_a, ns_b;
	struct lq_proc t;

	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, home);
	a = add_listener(_metadata, self, AF_INET, "127.0.0.1", 0);
	ino_a = lq_sock_ino(a);
	ns_a = lq_netns_ino();

	lq_setup_netns(_metadata);
	b = add_listener(_metadata, self, AF_INET, "127.0.0.1", 0);
	ino_b = lq_sock_ino(b);
	ns_b = lq_netns_ino();
	ASSERT_NE(ns_a, ns_b);

	if (lq_read_proc(_metadata, &t)) {
		EXPECT_TRUE(lq_proc_find_inode(&t, ino_b) != NULL);
		EXPECT_TRUE(lq_proc_find_inode(&t, ino_a) == NULL);
		for (int i = 0; i < t.nrows; i++) {
			EXPECT_EQ((long long)ns_b, t.rows[i].ns);
		}
		lq_proc_free(&t);
	}

	ASSERT_EQ(0, setns(home, CLONE_NEWNET));
	close(home);
	if (lq_read_proc(_metadata, &t)) {
		EXPECT_TRUE(lq_proc_find_inode(&t, ino_a) != NULL);
		EXPECT_TRUE(lq_proc_find_inode(&t, ino_b) == NULL);
		for (int i = 0; i < t.nrows; i++) {
			EXPECT_EQ((long long)ns_a, t.rows[i].ns);
		}
		lq_proc_free(&t);
	}
}

/*
 * /proc/<pid>/net/listenq of a process in another netns shows that netns:
 * the child's listener there, not ours, and ours not in the child's view.
 */
TEST_F(proc, other_process_netns)
{
	int a = add_listener(_metadata, self, AF_INET, "127.0.0.1", 0);
	unsigned long long ino_a = lq_sock_ino(a), info[2];
	int to_parent[2], to_child[2];
	char path[64], ok = 0;
	struct lq_proc t;
	pid_t pid;

	ASSERT_EQ(0, pipe(to_parent));
	ASSERT_EQ(0, pipe(to_child));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct lq_proc ct;
		int fd, seen = 0;

		/* the child: own netns, own listener, then wait for the parent */
		if (lq_netns_enter())
			_exit(1);
		fd = lq_tcp_listener(AF_INET, "127.0.0.1", 0, 1, 0);
		if (fd < 0)
			_exit(1);
		if (!lq_no_module()) {
			if (lq_proc_read(&ct, LQ_PROC_PATH))
				_exit(1);
			seen = lq_proc_find_inode(&ct, ino_a) != NULL;
		}
		info[0] = lq_sock_ino(fd);
		info[1] = lq_netns_ino();
		if (seen || write(to_parent[1], info, sizeof(info)) != sizeof(info))
			_exit(1);
		if (read(to_child[0], &ok, 1) != 1)
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ((ssize_t)sizeof(info), read(to_parent[0], info, sizeof(info)))
		TH_LOG("child failed (or saw the parent's listener)");
	if (lq_read_proc(_metadata, &t)) {
		EXPECT_TRUE(lq_proc_find_inode(&t, info[0]) == NULL);
		lq_proc_free(&t);
		snprintf(path, sizeof(path), "/proc/%d/net/listenq", pid);
		ASSERT_EQ(0, lq_proc_read(&t, path));
		EXPECT_TRUE(lq_proc_find_inode(&t, info[0]) != NULL);
		EXPECT_TRUE(lq_proc_find_inode(&t, ino_a) == NULL);
		for (int i = 0; i < t.nrows; i++) {
			EXPECT_EQ((long long)info[1], t.rows[i].ns);
		}
		lq_proc_free(&t);
	}
	ASSERT_EQ(1, write(to_child[1], &ok, 1));
	int status;

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
}

/* SO_REUSEPORT members: a row each, one shared group id; others get "-". */
TEST_F(proc, reuseport)
{
	unsigned long long ino[4];
	long long id;
	int port = 0, port2, i, plain, g2a, g2b;
	struct lq_proc t;
	const struct lq_proc_row *r;

	for (i = 0; i < 4; i++) {
		self->fd[self->nfd] = lq_tcp_listener(AF_INET, "127.0.0.1", i ? port : 0, 10,
						      LQ_REUSEPORT);
		ASSERT_LE(0, self->fd[self->nfd]);
		if (!i)
			port = lq_port(_metadata, self->fd[self->nfd]);
		ino[i] = lq_sock_ino(self->fd[self->nfd++]);
	}
	plain = add_listener(_metadata, self, AF_INET, "127.0.0.1", 0);
	g2a = add_listener(_metadata, self, AF_INET6, "::1", LQ_REUSEPORT);
	port2 = lq_port(_metadata, g2a);
	self->fd[self->nfd] = lq_tcp_listener(AF_INET6, "::1", port2, 10, LQ_REUSEPORT);
	g2b = self->fd[self->nfd++];
	ASSERT_LE(0, g2b);
	ASSERT_EQ(4, lq_tcp_count(AF_INET, port, LQ_TCP_LISTEN));

	if (!lq_read_proc(_metadata, &t))
		SKIP(return, LQ_NO_MODULE_SKIP);
	EXPECT_EQ(4, lq_proc_count_port(&t, AF_INET, port));
	r = lq_proc_find_inode(&t, ino[0]);
	ASSERT_TRUE(r != NULL);
	id = r->reuseport_id;
	EXPECT_LE(0, id);
	for (i = 0; i < 4; i++) {
		r = lq_proc_find_inode(&t, ino[i]);
		ASSERT_TRUE(r != NULL) TH_LOG("member %d (inode %llu) has no row", i, ino[i]);
		EXPECT_EQ(id, r->reuseport_id);
		EXPECT_EQ(port, r->port);
	}
	r = lq_proc_find_inode(&t, lq_sock_ino(plain));
	ASSERT_TRUE(r != NULL);
	EXPECT_EQ(LQ_NONE, r->reuseport_id);
	/* another group, another id */
	r = lq_proc_find_inode(&t, lq_sock_ino(g2a));
	ASSERT_TRUE(r != NULL);
	EXPECT_LE(0, r->reuseport_id);
	EXPECT_NE(id, r->reuseport_id);
	EXPECT_EQ(r->reuseport_id, lq_proc_find_inode(&t, lq_sock_ino(g2b))->reuseport_id);
	lq_proc_free(&t);
}

static const char *const sysctls[][2] = {
	{ "somaxconn", "net/core/somaxconn" },
	{ "tcp_max_syn_backlog", "net/ipv4/tcp_max_syn_backlog" },
	{ "tcp_syncookies", "net/ipv4/tcp_syncookies" },
	{ "tcp_abort_on_overflow", "net/ipv4/tcp_abort_on_overflow" },
	{ "tcp_synack_retries", "net/ipv4/tcp_synack_retries" },
};
#define NR_SYSCTLS (int)(sizeof(sysctls) / sizeof(sysctls[0]))

/* listenq_sysctl shows this netns's values, defaults included. */
TEST_F(proc, sysctl_defaults)
{
	long long want, got;

	for (int i = 0; i < NR_SYSCTLS; i++) {
		want = lq_get_sysctl(_metadata, sysctls[i][1]);
		if (lq_no_module())
			continue;
		ASSERT_EQ(0, lq_sysctl_table_get(sysctls[i][0], &got))
			TH_LOG("no '%s' line in %s", sysctls[i][0], LQ_SYSCTL_PATH);
		EXPECT_EQ(want, got) TH_LOG("%s", sysctls[i][0]);
	}
}

TEST_F(proc, sysctl_written)
{
	/* values unlike any default, so a reader of the wrong netns shows up */
	static const long long vals[NR_SYSCTLS] = { 77, 333, 2, 1, 3 };
	long long got;

	for (int i = 0; i < NR_SYSCTLS; i++)
		lq_set_sysctl(_metadata, sysctls[i][1], vals[i]);
	for (int i = 0; i < NR_SYSCTLS; i++) {
		EXPECT_EQ(vals[i], lq_get_sysctl(_metadata, sysctls[i][1]));
		if (lq_no_module())
			continue;
		ASSERT_EQ(0, lq_sysctl_table_get(sysctls[i][0], &got));
		EXPECT_EQ(vals[i], got) TH_LOG("%s", sysctls[i][0]);
	}
}

/* A token of 16 or more hex digits would be a leaked kernel address. */
static void check_no_pointers(struct __test_metadata *_metadata, const char *path)
{
	char *text = lq_read_file(path), *tok, *save;

	ASSERT_TRUE(text != NULL) TH_LOG("%s: %s", path, strerror(errno));
	for (tok = strtok_r(text, " \t\n[]:", &save); tok; tok = strtok_r(NULL, " \t\n[]:", &save)) {
		const char *p = strncmp(tok, "0x", 2) ? tok : tok + 2;
		size_t n = 0;

		while (isxdigit((unsigned char)p[n]))
			n++;
		EXPECT_FALSE(n >= 16 && !p[n]) TH_LOG("%s: '%s' looks like a pointer", path, tok);
	}
	free(text);
}

TEST_F(proc, no_kernel_pointers)
{
	int fd = add_listener(_metadata, self, AF_INET, "127.0.0.1", LQ_REUSEPORT);

	add_listener(_metadata, self, AF_INET6, "::", 0);
	ASSERT_LE(0, lq_connect_nb(AF_INET, "127.0.0.1", lq_port(_metadata, fd)));
	if (lq_no_module())
		SKIP(return, "LQ_NO_MODULE");
	check_no_pointers(_metadata, LQ_PROC_PATH);
	check_no_pointers(_metadata, LQ_SYSCTL_PATH);
}

/* close() unhashes a listener at once: its row goes with it. */
TEST_F(proc, closed_listener_disappears)
{
	int fd = lq_listen(_metadata, AF_INET, "127.0.0.1", 4, 0);
	unsigned long long ino = lq_sock_ino(fd);
	int port = lq_port(_metadata, fd), client;
	struct lq_proc_row row;
	struct lq_proc t;

	/* with a child still waiting in the accept queue */
	client = lq_connect_nb(AF_INET, "127.0.0.1", port);
	ASSERT_LE(0, client);
	if (lq_row_of(_metadata, fd, &row))
		EXPECT_EQ(port, row.port);
	close(fd);
	EXPECT_EQ(0, lq_tcp_count(AF_INET, port, LQ_TCP_LISTEN));
	if (!lq_read_proc(_metadata, &t))
		SKIP(return, LQ_NO_MODULE_SKIP);
	EXPECT_TRUE(lq_proc_find_inode(&t, ino) == NULL);
	EXPECT_EQ(0, lq_proc_count_port(&t, AF_INET, port));
	lq_proc_free(&t);
	close(client);
}

/* ---- many listeners: the module prints them in batches ---- */

#define WALK_MAX 160

FIXTURE(walk) {
	int fd[WALK_MAX];
	int n;
};

FIXTURE_VARIANT(walk) {
	int n;
	bool one_port;		/* SO_REUSEPORT members on one address: one hash bucket */
	size_t chunk;		/* read() size */
};

/* well past one 32-row batch of module/proc.c, across many buckets */
FIXTURE_VARIANT_ADD(walk, spread) { .n = WALK_MAX, .chunk = 65536 };
FIXTURE_VARIANT_ADD(walk, spread_small_reads) { .n = WALK_MAX, .chunk = 97 };
/* one bucket holding more rows than a batch: the walk resumes inside it */
FIXTURE_VARIANT_ADD(walk, one_bucket) { .n = 70, .one_port = true, .chunk = 65536 };
FIXTURE_VARIANT_ADD(walk, one_bucket_small_reads) { .n = 70, .one_port = true, .chunk = 61 };

FIXTURE_SETUP(walk)
{
	int port = 0;

	lq_setup_netns(_metadata);
	for (self->n = 0; self->n < variant->n; self->n++) {
		int fd = lq_tcp_listener(AF_INET, "127.0.0.1", port, 1,
					 variant->one_port ? LQ_REUSEPORT : 0);

		ASSERT_LE(0, fd) TH_LOG("listener %d: %s", self->n, strerror(-fd));
		self->fd[self->n] = fd;
		if (variant->one_port)
			port = lq_port(_metadata, fd);
	}
}

FIXTURE_TEARDOWN(walk)
{
	for (int i = 0; i < self->n; i++)
		close(self->fd[i]);
}

/* LISTEN rows of /proc/net/tcp: the kernel's own count of our listeners. */
static int count_listen_rows(struct __test_metadata *_metadata)
{
	struct lq_tcp_row *rows;
	int n = lq_tcp_rows(AF_INET, &rows), count = 0;

	ASSERT_LE(0, n);
	for (int i = 0; i < n; i++)
		count += rows[i].state == LQ_TCP_LISTEN;
	free(rows);
	return count;
}

/* Every listener exactly once, however the reader slices the file. */
TEST_F(walk, rows_once)
{
	struct lq_proc t;
	char *text;
	int count;

	ASSERT_EQ(variant->n, count_listen_rows(_metadata));
	if (lq_no_module())
		SKIP(return, "LQ_NO_MODULE");
	text = lq_read_file_chunked(LQ_PROC_PATH, variant->chunk, NULL);
	ASSERT_TRUE(text != NULL);
	ASSERT_EQ(0, lq_proc_parse(&t, text));
	EXPECT_EQ(variant->n, t.nrows);
	for (int i = 0; i < self->n; i++) {
		unsigned long long ino = lq_sock_ino(self->fd[i]);

		count = 0;
		for (int r = 0; r < t.nrows; r++)
			count += t.rows[r].inode == (long long)ino;
		EXPECT_EQ(1, count) TH_LOG("listener %d (inode %llu)", i, ino);
	}
	lq_proc_free(&t);
}

/* ---- reads at any offset: the same bytes as one sequential read ---- */

/* Many batches of module/proc.c (32 rows each), across many buckets. */
#define SEEK_N 1000

FIXTURE(seek) {
	int fd[SEEK_N];
	int n;
	char *ref;		/* the whole file, read from start to end */
	size_t len;
};

FIXTURE_SETUP(seek)
{
	struct rlimit rl = { SEEK_N + 64, SEEK_N + 64 };

	lq_setup_netns(_metadata);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl)) TH_LOG("RLIMIT_NOFILE: %s", strerror(errno));
	for (self->n = 0; self->n < SEEK_N; self->n++) {
		int fd = lq_tcp_listener(AF_INET, "127.0.0.1", 0, 1, 0);

		ASSERT_LE(0, fd) TH_LOG("listener %d: %s", self->n, strerror(-fd));
		self->fd[self->n] = fd;
	}
	if (!lq_no_module()) {
		self->ref = lq_read_file_chunked(LQ_PROC_PATH, 1 << 20, &self->len);
		ASSERT_TRUE(self->ref != NULL) TH_LOG("%s: %s", LQ_PROC_PATH, strerror(errno));
	}
}

FIXTURE_TEARDOWN(seek)
{
	for (int i = 0; i < self->n; i++)
		close(self->fd[i]);
	free(self->ref);
}

/* Offsets to start at: row boundaries and mid-row, before and past a batch. */
static size_t seek_offsets(const char *ref, size_t len, size_t *off, size_t max)
{
	static const int lines[] = { 1, 2, 31, 32, 33, 34, 64, 65, 100, 500, 999, 1000 };
	size_t n = 0, line = 0, i;
	const char *p = ref;

	off[n++] = 0;
	off[n++] = 1;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]) && n + 2 <= max; i++) {
		while (line < (size_t)lines[i] && p) {
			p = memchr(p, '\n', len - (p - ref));
			if (p)
				p++;
			line++;
		}
		if (!p || (size_t)(p - ref) >= len)
			break;
		off[n++] = p - ref;		/* the start of row lines[i] */
		off[n++] = p - ref + 7;		/* inside it */
	}
	if (n < max)
		off[n++] = len - 1;
	if (n < max)
		off[n++] = len;
	return n;
}

/* The bytes from the file's offset @off to its end, read in @chunk-byte reads. */
static void expect_tail(struct __test_metadata *_metadata, FIXTURE_DATA(seek) *self,
			int fd, size_t off, size_t chunk, bool use_pread)
{
	char *buf = malloc(self->len + chunk + 1);
	size_t got = 0;
	ssize_t n;

	ASSERT_TRUE(buf != NULL);
	for (;;) {
		if (use_pread)
			n = pread(fd, buf + got, chunk, off + got);
		else
			n = read(fd, buf + got, chunk);
		if (n <= 0)
			break;
		got += n;
		if (got > self->len - off)
			break;
	}
	EXPECT_LE(0, n) TH_LOG("read at %zu: %s", off + got, strerror(errno));
	EXPECT_EQ(self->len - off, got) TH_LOG("from offset %zu", off);
	if (got == self->len - off) {
		EXPECT_EQ(0, memcmp(buf, self->ref + off, got)) TH_LOG("from offset %zu", off);
	}
	free(buf);
}

/* The sequential read: a header and one row per listener, as /proc/net/tcp has them. */
TEST_F(seek, whole_read)
{
	struct lq_tcp_row *rows;
	struct lq_proc t;
	int n, listen = 0;

	n = lq_tcp_rows(AF_INET, &rows);
	ASSERT_LE(0, n);
	for (int i = 0; i < n; i++)
		listen += rows[i].state == LQ_TCP_LISTEN;
	EXPECT_EQ(SEEK_N, listen);
	if (lq_no_module()) {
		free(rows);
		SKIP(return, LQ_NO_MODULE_SKIP);
	}
	ASSERT_EQ(0, lq_proc_parse(&t, strdup(self->ref)));
	EXPECT_EQ(SEEK_N, t.nrows);
	for (int i = 0; i < n; i++) {
		if (rows[i].state == LQ_TCP_LISTEN) {
			EXPECT_TRUE(lq_proc_find_inode(&t, rows[i].inode) != NULL)
				TH_LOG("listener inode %llu has no row", rows[i].inode);
		}
	}
	for (int i = 0; i < self->n; i++) {
		unsigned long long ino = lq_sock_ino(self->fd[i]);
		int count = 0;

		for (int r = 0; r < t.nrows; r++)
			count += t.rows[r].inode == (long long)ino;
		EXPECT_EQ(1, count) TH_LOG("listener %d (inode %llu)", i, ino);
	}
	lq_proc_free(&t);
	free(rows);
}

/* One byte per read(): every read but the first resumes mid-row. */
TEST_F(seek, one_byte_reads)
{
	int fd;

	if (lq_no_module())
		SKIP(return, LQ_NO_MODULE_SKIP);
	fd = open(LQ_PROC_PATH, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	expect_tail(_metadata, self, fd, 0, 1, false);
	close(fd);
}

/* pread() at offsets, each on a file another pread() left elsewhere. */
TEST_F(seek, pread_offsets)
{
	size_t off[32], n;
	int fd;

	if (lq_no_module())
		SKIP(return, LQ_NO_MODULE_SKIP);
	n = seek_offsets(self->ref, self->len, off, 32);
	ASSERT_LT(20U, n);
	fd = open(LQ_PROC_PATH, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	/* forwards, then backwards: each start is where no read stopped */
	for (size_t i = 0; i < n; i++)
		expect_tail(_metadata, self, fd, off[i], 4096, true);
	for (size_t i = n; i-- > 0;) {
		expect_tail(_metadata, self, fd, off[i], 333, true);
		/* a short read there, then one far away */
		expect_tail(_metadata, self, fd, off[n - 1 - i], 65536, true);
	}
	close(fd);
}

/* lseek() to the same offsets, then read(). */
TEST_F(seek, lseek_offsets)
{
	size_t off[32], n;
	int fd;

	if (lq_no_module())
		SKIP(return, LQ_NO_MODULE_SKIP);
	n = seek_offsets(self->ref, self->len, off, 32);
	fd = open(LQ_PROC_PATH, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	for (size_t i = n; i-- > 0;) {
		ASSERT_EQ((off_t)off[i], lseek(fd, off[i], SEEK_SET));
		expect_tail(_metadata, self, fd, off[i], 4096, false);
		/* and a read of a few bytes, then a seek back into it */
		ASSERT_EQ((off_t)off[i], lseek(fd, off[i], SEEK_SET));
		if (off[i] < self->len) {
			char c;

			ASSERT_EQ(1, read(fd, &c, 1));
			EXPECT_EQ(self->ref[off[i]], c);
		}
	}
	close(fd);
}

/* ---- address formatting and socket identity ---- */

FIXTURE(addr) {
	int fd;
};

FIXTURE_VARIANT(addr) {
	int family;
	const char *bind;
	const char *shown;	/* expected "local" without the port */
	int flags;
};

FIXTURE_VARIANT_ADD(addr, v4_loopback) { AF_INET, "127.0.0.1", "127.0.0.1", 0 };
FIXTURE_VARIANT_ADD(addr, v4_any) { AF_INET, "0.0.0.0", "0.0.0.0", 0 };
FIXTURE_VARIANT_ADD(addr, v4_other) { AF_INET, "127.1.2.3", "127.1.2.3", 0 };
FIXTURE_VARIANT_ADD(addr, v6_loopback) { AF_INET6, "::1", "[::1]", 0 };
FIXTURE_VARIANT_ADD(addr, v6_any) { AF_INET6, "::", "[::]", 0 };
FIXTURE_VARIANT_ADD(addr, v6_any_v6only) { AF_INET6, "::", "[::]", LQ_V6ONLY };
/* %pI6c prints a v4-mapped address in dotted form */
FIXTURE_VARIANT_ADD(addr, v6_mapped) { AF_INET6, "::ffff:127.0.0.1", "[::ffff:127.0.0.1]", 0 };
/*
 * What lib/vsprintf.c's ip6_compressed_string() prints, which the module
 * printed with %pISpc until it formatted rows itself: the ABI. The first
 * longest run of two or more zero words is "::", a single zero word is
 * not compressed, words lose their leading zeros, hex is lower case, and
 * an ISATAP interface identifier (0000:5efe, 0200:5efe) ends in dotted
 * IPv4, as a v4-mapped address does; a v4-compatible one (::a.b.c.d) and
 * ::ffff:0:a.b.c.d do not. Bound in a namespace with ip_nonlocal_bind.
 */
FIXTURE_VARIANT_ADD(addr, v6_global) { AF_INET6, "2001:db8::1", "[2001:db8::1]", 0 };
FIXTURE_VARIANT_ADD(addr, v6_full) { AF_INET6, "1:2:3:4:5:6:7:8", "[1:2:3:4:5:6:7:8]", 0 };
FIXTURE_VARIANT_ADD(addr, v6_leading_zero_word) {
	AF_INET6, "0:2:3:4:5:6:7:8", "[0:2:3:4:5:6:7:8]", 0 };
FIXTURE_VARIANT_ADD(addr, v6_single_zero_words) {
	AF_INET6, "2001:db8:0:1:0:1:0:1", "[2001:db8:0:1:0:1:0:1]", 0 };
FIXTURE_VARIANT_ADD(addr, v6_longest_run) {
	AF_INET6, "2001:db8:0:1:0:0:0:1", "[2001:db8:0:1::1]", 0 };
FIXTURE_VARIANT_ADD(addr, v6_first_of_equal_runs) {
	AF_INET6, "2001:db8:0:0:1:0:0:1", "[2001:db8::1:0:0:1]", 0 };
FIXTURE_VARIANT_ADD(addr, v6_trailing_run) { AF_INET6, "2001:db8:1::", "[2001:db8:1::]", 0 };
FIXTURE_VARIANT_ADD(addr, v6_hex) {
	AF_INET6, "fd00:ABCD:0a0b:00f0:ff:fff:ffff:1", "[fd00:abcd:a0b:f0:ff:fff:ffff:1]", 0 };
FIXTURE_VARIANT_ADD(addr, v6_isatap) {
	AF_INET6, "2001:db8::5efe:c000:201", "[2001:db8::5efe:192.0.2.1]", 0 };
FIXTURE_VARIANT_ADD(addr, v6_isatap_global) {
	AF_INET6, "2001:db8:1:2:200:5efe:c000:201", "[2001:db8:1:2:200:5efe:192.0.2.1]", 0 };
FIXTURE_VARIANT_ADD(addr, v6_isatap_run) {
	AF_INET6, "2001:0:0:0:200:5efe:0:0", "[2001::200:5efe:0.0.0.0]", 0 };
FIXTURE_VARIANT_ADD(addr, v6_v4_compatible) { AF_INET6, "::192.0.2.1", "[::c000:201]", 0 };
FIXTURE_VARIANT_ADD(addr, v6_siit) { AF_INET6, "::ffff:0:c000:201", "[::ffff:0:c000:201]", 0 };
FIXTURE_VARIANT_ADD(addr, v6_longest) {
	AF_INET6, "2001:ffff:ffff:ffff:ffff:ffff:ffff:fffe",
	"[2001:ffff:ffff:ffff:ffff:ffff:ffff:fffe]", 0 };
FIXTURE_VARIANT_ADD(addr, v6_longest_isatap) {
	AF_INET6, "2001:ffff:ffff:ffff:200:5efe:ffff:ffff",
	"[2001:ffff:ffff:ffff:200:5efe:255.255.255.255]", 0 };
FIXTURE_VARIANT_ADD(addr, v4_three_digits) { AF_INET, "198.51.100.255", "198.51.100.255", 0 };

#define TEST_UID 4242

FIXTURE_SETUP(addr)
{
	lq_setup_netns(_metadata);
	/* Addresses no interface has: the namespace is the test's own. */
	lq_set_sysctl(_metadata, "net/ipv4/ip_nonlocal_bind", 1);
	lq_set_sysctl(_metadata, "net/ipv6/ip_nonlocal_bind", 1);
	/* the socket inode takes the creator's fsuid: create it as TEST_UID */
	ASSERT_EQ(0, setresuid(-1, TEST_UID, -1));
	self->fd = lq_tcp_listener(variant->family, variant->bind, 0, 3, variant->flags);
	ASSERT_EQ(0, setresuid(-1, 0, -1));
	ASSERT_LE(0, self->fd) TH_LOG("listen on %s: %s", variant->bind, strerror(-self->fd));
}

FIXTURE_TEARDOWN(addr)
{
	close(self->fd);
}

TEST_F(addr, local)
{
	char want[80];
	struct lq_proc_row row;

	snprintf(want, sizeof(want), "%s:%d", variant->shown, lq_port(_metadata, self->fd));
	if (!lq_row_of(_metadata, self->fd, &row))
		SKIP(return, LQ_NO_MODULE_SKIP);
	EXPECT_STREQ(want, row.local);
	EXPECT_EQ(variant->family, row.family);
}

/* uid and inode are what /proc/net/tcp{,6} shows for the same listener. */
TEST_F(addr, uid_inode)
{
	unsigned long long ino = lq_sock_ino(self->fd);
	struct lq_tcp_row tr;
	struct lq_proc_row row;

	ASSERT_EQ(1, lq_tcp_find_inode(variant->family, ino, &tr));
	EXPECT_EQ(TEST_UID, (long long)tr.uid);
	EXPECT_EQ(LQ_TCP_LISTEN, tr.state);
	if (!lq_row_of(_metadata, self->fd, &row))
		SKIP(return, LQ_NO_MODULE_SKIP);
	EXPECT_EQ(tr.uid, row.uid);
	EXPECT_EQ((long long)tr.inode, row.inode);
	EXPECT_EQ(tr.lport, row.port);
}

/* fchown() of a listening socket moves its owner in both files. */
TEST_F(addr, uid_fchown)
{
	unsigned long long ino = lq_sock_ino(self->fd);
	struct lq_tcp_row tr;
	struct lq_proc_row row;

	ASSERT_EQ(0, fchown(self->fd, TEST_UID + 1, -1)) TH_LOG("fchown: %s", strerror(errno));
	ASSERT_EQ(1, lq_tcp_find_inode(variant->family, ino, &tr));
	EXPECT_EQ(TEST_UID + 1, (long long)tr.uid);
	if (!lq_row_of(_metadata, self->fd, &row))
		SKIP(return, LQ_NO_MODULE_SKIP);
	EXPECT_EQ(tr.uid, row.uid);
	EXPECT_EQ((long long)tr.inode, row.inode);
}

/* ---- TCP_DEFER_ACCEPT ---- */

FIXTURE(defer) {
	int fd;
};

FIXTURE_VARIANT(defer) {
	int secs;		/* setsockopt value; the kernel rounds it up to retransmits */
	bool before_listen;
};

FIXTURE_VARIANT_ADD(defer, off) { .secs = 0 };
FIXTURE_VARIANT_ADD(defer, s1) { .secs = 1 };
FIXTURE_VARIANT_ADD(defer, s5) { .secs = 5 };
FIXTURE_VARIANT_ADD(defer, s30) { .secs = 30 };
FIXTURE_VARIANT_ADD(defer, s1000) { .secs = 1000 };
FIXTURE_VARIANT_ADD(defer, s5_before_listen) { .secs = 5, .before_listen = true };

FIXTURE_SETUP(defer)
{
	lq_setup_netns(_metadata);
	self->fd = lq_tcp_socket(AF_INET, "127.0.0.1", 0, 0);
	ASSERT_LE(0, self->fd);
	if (!variant->before_listen)
		ASSERT_EQ(0, listen(self->fd, 5));
	ASSERT_EQ(0, setsockopt(self->fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &variant->secs,
				sizeof(int)));
	if (variant->before_listen)
		ASSERT_EQ(0, listen(self->fd, 5));
}

FIXTURE_TEARDOWN(defer)
{
	close(self->fd);
}

/* defer_accept is what getsockopt(TCP_DEFER_ACCEPT) returns (retrans_to_secs). */
TEST_F(defer, getsockopt)
{
	socklen_t len = sizeof(int);
	struct lq_proc_row row;
	int secs = -1;

	ASSERT_EQ(0, getsockopt(self->fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, &len));
	EXPECT_LE(variant->secs, secs);
	if (!lq_row_of(_metadata, self->fd, &row))
		SKIP(return, LQ_NO_MODULE_SKIP);
	EXPECT_EQ(secs, row.defer_accept);
}

/* ---- TCP Fast Open limit ---- */

FIXTURE(tfo_max) {
	int fd;
};

FIXTURE_VARIANT(tfo_max) {
	int sysctl;		/* net.ipv4.tcp_fastopen, 0: leave the default */
	int somaxconn;		/* 0: leave the default */
	int backlog;
	int qlen;		/* TCP_FASTOPEN value, -1: not set */
	int want;		/* fastopenq.max_qlen = min(value, somaxconn) */
};

FIXTURE_VARIANT_ADD(tfo_max, off) { .backlog = 10, .qlen = -1, .want = 0 };
FIXTURE_VARIANT_ADD(tfo_max, sockopt) { .backlog = 10, .qlen = 5, .want = 5 };
FIXTURE_VARIANT_ADD(tfo_max, sockopt_zero) { .backlog = 10, .qlen = 0, .want = 0 };
/* fastopen_queue_tune() clamps to somaxconn (include/linux/tcp.h) */
FIXTURE_VARIANT_ADD(tfo_max, sockopt_clamped) {
	.somaxconn = 8, .backlog = 4, .qlen = 100, .want = 8,
};
/* 0x402 = TFO_SERVER_ENABLE | TFO_SERVER_WO_SOCKOPT1: inet_listen() uses the backlog */
FIXTURE_VARIANT_ADD(tfo_max, at_listen) { .sysctl = 0x402, .backlog = 7, .qlen = -1, .want = 7 };
FIXTURE_VARIANT_ADD(tfo_max, at_listen_clamped) {
	.sysctl = 0x402, .somaxconn = 3, .backlog = 7, .qlen = -1, .want = 3,
};

FIXTURE_SETUP(tfo_max)
{
	lq_setup_netns(_metadata);
	if (variant->sysctl)
		lq_set_sysctl(_metadata, "net/ipv4/tcp_fastopen", variant->sysctl);
	if (variant->somaxconn)
		lq_set_sysctl(_metadata, "net/core/somaxconn", variant->somaxconn);
	self->fd = lq_listen(_metadata, AF_INET, "127.0.0.1", variant->backlog, 0);
	if (variant->qlen >= 0)
		ASSERT_EQ(0, setsockopt(self->fd, IPPROTO_TCP, TCP_FASTOPEN, &variant->qlen,
					sizeof(int)));
}

FIXTURE_TEARDOWN(tfo_max)
{
	close(self->fd);
}

TEST_F(tfo_max, getsockopt)
{
	socklen_t len = sizeof(int);
	struct lq_proc_row row;
	int qlen = -1;

	ASSERT_EQ(0, getsockopt(self->fd, IPPROTO_TCP, TCP_FASTOPEN, &qlen, &len));
	EXPECT_EQ(variant->want, qlen);
	if (!lq_row_of(_metadata, self->fd, &row))
		SKIP(return, LQ_NO_MODULE_SKIP);
	EXPECT_EQ(qlen, row.tfo_max);
	EXPECT_EQ(0, row.tfo_q);
}

TEST_HARNESS_MAIN
