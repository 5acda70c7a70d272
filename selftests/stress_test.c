// SPDX-License-Identifier: GPL-2.0
/*
 * Unload under load: the module is unloaded and loaded again STRESS_CYCLES
 * (4) times while
 *
 *  - a flooder sends raw SYNs, in its own netns, to a listener whose SYN
 *    queue is full (syncookies off: every extra SYN is a drop the probes
 *    count, and the queued ones expire after one SYN-ACK retry);
 *  - four readers read /proc/listenq in loops: two inside the flood's netns
 *    (4096- and 7-byte reads), one from outside through
 *    /proc/<flooder>/net/listenq, and one that keeps its file open across
 *    the unloads and rewinds it;
 *  - a toggler switches probes (and now and then drop_log) on and off
 *    through sysfs;
 *  - a churner opens and closes listeners, so records are taken and freed.
 *
 * Loads alternate between probes on and off, a drop log, and a table of 4
 * listeners that overflows. Nothing may oops (panic_on_warn and oops=panic
 * end the guest), every complete read must be a well-formed table, every
 * error must be one that a file or sysfs entry going away explains, and
 * afterwards the module must count exactly again: a fresh listener and a
 * known burst of SYNs give exact counters. The debug kernel's kmemleak scan
 * (run.sh) runs after this, with the module unloaded.
 *
 * Each load stays DWELL_MS before the next unload, so that the readers and
 * the toggler also meet a loaded module, not only one coming or going.
 *
 * Timing under single-threaded TCG with 2 vCPUs: a cycle costs 0.1-26 s
 * (kprobe registration and the RCU grace periods of unregistration
 * dominate, and unregister_ftrace_function() waits for RCU-tasks), so the
 * flood and the readers are paced to leave the CPUs mostly to the
 * load/unload loop. 4 cycles load each of the four variants once: 15-55 s
 * on Debian's kernels, 180 s on the debug kernel. The time limit only
 * detects a hang.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lq_kmod.h"
#include "lq_test.h"

#define STRESS_CYCLES	4
#define NR_READERS	4
#define DWELL_MS	25		/* loaded, before the next unload */

/* What every helper process reports back, in a shared mapping. */
struct storm {
	volatile int stop;
	volatile int cycle;		/* loads done so far */
	int port;			/* the flooded listener */
	long syns;
	long reads_ok[NR_READERS], reads_gone[NR_READERS], reads_bad[NR_READERS];
	long toggles_ok, toggles_gone, churns;
	long unexpected;		/* errors nothing explains */
	char first_bad[512];
};

static struct storm *st;

static void note_bad(const char *fmt, const char *what, int err)
{
	if (__sync_fetch_and_add(&st->unexpected, 1) == 0)
		snprintf(st->first_bad, sizeof(st->first_bad), fmt, what, strerror(err));
}

/* A complete table: header first, and every row as many fields as it. */
static bool well_formed(const char *text)
{
	int cols = -1;

	if (strncmp(text, "local ", 6))
		return false;
	for (const char *line = text; *line; ) {
		const char *eol = strchr(line, '\n');
		int n = 0;
		bool in = false;

		if (!eol)
			return false;	/* rows end in a newline */
		for (const char *p = line; p < eol; p++) {
			if (*p != ' ' && !in)
				n++;
			in = *p != ' ';
		}
		if (cols < 0)
			cols = n;
		else if (n != cols)
			return false;
		line = eol + 1;
	}
	return cols > 0;
}

/*
 * Errors that only mean the module went away under the reader: the entry
 * is gone (ENOENT), or going (proc_reg_*() say EIO, proc_get_link() EINVAL
 * while the /proc/listenq link is being removed, kernfs ENODEV).
 */
static bool gone(int err)
{
	return err == ENOENT || err == EIO || err == ENODEV || err == EINVAL;
}

static void reader_loop(int id, const char *path, size_t chunk)
{
	size_t cap = 1 << 16;
	char *buf = malloc(cap + 1);

	while (!st->stop && buf) {
		int fd = open(path, O_RDONLY);
		size_t n = 0;
		ssize_t r = 0;

		if (fd < 0) {
			if (!gone(errno))
				note_bad("open %s: %s", path, errno);
			st->reads_gone[id]++;
			usleep(5000);
			continue;
		}
		while (n + chunk <= cap && (r = read(fd, buf + n, chunk)) > 0)
			n += r;
		if (r < 0) {
			if (!gone(errno))
				note_bad("read %s: %s", path, errno);
			st->reads_gone[id]++;
		} else {
			buf[n] = '\0';
			if (well_formed(buf)) {
				st->reads_ok[id]++;
			} else {
				if (!st->reads_bad[id]++)
					snprintf(st->first_bad, sizeof(st->first_bad),
						 "reader %d: bad table: %.400s", id, buf);
			}
		}
		close(fd);
		usleep(2000);
	}
	free(buf);
}

/* Keeps one file open across unloads: rewinds and rereads it. */
static void stale_reader_loop(int id, const char *path)
{
	char buf[65536];
	int fd = -1;

	while (!st->stop) {
		size_t n = 0;
		ssize_t r;

		if (fd < 0) {
			fd = open(path, O_RDONLY);
			if (fd < 0) {
				if (!gone(errno))
					note_bad("open %s: %s", path, errno);
				usleep(5000);
				continue;
			}
		}
		if (lseek(fd, 0, SEEK_SET) < 0) {
			if (!gone(errno))
				note_bad("lseek %s: %s", path, errno);
			st->reads_gone[id]++;
			close(fd);
			fd = -1;
			continue;
		}
		while (n + 512 < sizeof(buf) && (r = read(fd, buf + n, 512)) > 0)
			n += r;
		if (r < 0) {
			/* the module is gone: this file is dead for good */
			if (!gone(errno))
				note_bad("read of an open %s: %s", path, errno);
			st->reads_gone[id]++;
			close(fd);
			fd = -1;
			continue;
		}
		buf[n] = '\0';
		if (well_formed(buf))
			st->reads_ok[id]++;
		else if (!st->reads_bad[id]++)
			snprintf(st->first_bad, sizeof(st->first_bad),
				 "reader %d: bad table: %.400s", id, buf);
		usleep(3000);
	}
}

/*
 * At most TOGGLES_PER_CYCLE switches per load: on a debug kernel a switch
 * costs as much as a load, and an unbounded toggler would own the locks.
 */
#define TOGGLES_PER_CYCLE	2

static void toggler_loop(void)
{
	int cycle = -1, n = 0;

	for (unsigned int i = 0; !st->stop; i++) {
		if (st->cycle != cycle) {
			cycle = st->cycle;
			n = 0;
		} else if (n++ >= TOGGLES_PER_CYCLE) {
			usleep(5000);
			continue;
		}
		const char *name = i % 8 == 7 ? "drop_log" : "probes";
		const char *val = i % 8 == 7 ? (i % 16 == 15 ? "0\n" : "3\n") : (i % 2 ? "1\n" : "0\n");
		int ret = lq_param_write(name, val, 2);

		if (!ret)
			st->toggles_ok++;
		else if (gone(-ret))
			st->toggles_gone++;
		else
			note_bad("write %s: %s", name, -ret);
		usleep(15000);
	}
}

static void churner_loop(void)
{
	while (!st->stop) {
		int l = lq_tcp_listener(AF_INET, "127.0.0.1", 0, 1, 0);

		if (l >= 0) {
			int c = lq_connect_nb(AF_INET, "127.0.0.1", lq_local_port(l));

			if (c >= 0)
				close(c);
			close(l);
			st->churns++;
		}
		usleep(4000);
	}
}

/* In the flood's netns (already entered): SYNs in bursts of 16. */
static void flooder_loop(int port)
{
	int raw = lq_raw_socket(AF_INET), first = 0;

	while (!st->stop && raw >= 0) {
		if (lq_send_syns(raw, AF_INET, "127.0.0.1", port, first, 16) == 16)
			st->syns += 16;
		first = (first + 16) % 60000;
		usleep(3000);
	}
}

static void join_netns(pid_t pid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0 || setns(fd, CLONE_NEWNET))
		_exit(1);
	close(fd);
}

static pid_t spawn(void (*fn)(int, pid_t), int arg, pid_t ns)
{
	pid_t pid = fork();

	if (!pid) {
		fn(arg, ns);
		_exit(0);
	}
	return pid;
}

static void run_reader(int id, pid_t ns)
{
	char path[64];

	switch (id) {
	case 0:
		join_netns(ns);
		reader_loop(id, LQ_PROC_PATH, 4096);
		break;
	case 1:
		join_netns(ns);
		reader_loop(id, LQ_PROC_PATH, 7);
		break;
	case 2:
		snprintf(path, sizeof(path), "/proc/%d/net/listenq", ns);
		reader_loop(id, path, 65536);
		break;
	default:
		join_netns(ns);
		stale_reader_loop(id, LQ_PROC_NET_PATH);
		break;
	}
}

static void run_toggler(int arg, pid_t ns)
{
	(void)arg;
	(void)ns;
	toggler_loop();
}

static void run_churner(int arg, pid_t ns)
{
	(void)arg;
	join_netns(ns);
	churner_loop();
}

#define KPROBES_LIST	"/sys/kernel/debug/kprobes/list"
#define FTRACE_LIST	"/sys/kernel/debug/tracing/enabled_functions"

/* Lines of a debugfs list (kprobes, functions with ftrace callbacks); -1 without. */
static int line_count(const char *path)
{
	char *text = lq_read_file(path);
	int n = 0;

	if (!text)
		return -1;
	for (const char *p = text; *p; p++)
		n += *p == '\n';
	free(text);
	return n;
}

static const char *const cycle_params[] = {
	"probes=1",
	"",
	"probes=1 drop_log=2",
	"probes=1 max_listeners=4",
};

FIXTURE(storm) {
	pid_t flooder, helpers[NR_READERS + 2];
	int kprobes_before, hooks_before;
};

FIXTURE_SETUP(storm)
{
	int ready[2], port = 0, ret;

	if (!lq_module_loaded())
		SKIP(return, "listenq is not loaded");
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(st != MAP_FAILED);
	memset(st, 0, sizeof(*st));

	/* kprobes registered by others, with listenq loaded and its probes off */
	ASSERT_EQ(0, lq_param_write("probes", "0\n", 2));
	self->kprobes_before = line_count(KPROBES_LIST);
	self->hooks_before = line_count(FTRACE_LIST);

	ASSERT_EQ(0, pipe(ready));
	self->flooder = fork();
	ASSERT_LE(0, self->flooder);
	if (!self->flooder) {
		int lfd;

		close(ready[0]);
		if (lq_netns_enter() || lq_route_add(AF_INET, LQ_SYN_NET4, LQ_SYN_PREFIX4, "lo") ||
		    lq_sysctl_write("net/ipv4/tcp_syncookies", 0) ||
		    lq_sysctl_write("net/ipv4/tcp_synack_retries", 1))
			_exit(1);
		lfd = lq_tcp_listener(AF_INET, "127.0.0.1", 0, 8, 0);
		port = lq_local_port(lfd);
		if (lfd < 0 || write(ready[1], &port, sizeof(port)) != sizeof(port))
			_exit(1);
		flooder_loop(port);
		_exit(0);
	}
	close(ready[1]);
	ret = read(ready[0], &port, sizeof(port));
	close(ready[0]);
	ASSERT_EQ((ssize_t)sizeof(port), ret) TH_LOG("the flooder could not set up its netns");
	st->port = port;

	for (int i = 0; i < NR_READERS; i++)
		self->helpers[i] = spawn(run_reader, i, self->flooder);
	self->helpers[NR_READERS] = spawn(run_toggler, 0, self->flooder);
	self->helpers[NR_READERS + 1] = spawn(run_churner, 0, self->flooder);
}

/* Back to how run.sh loaded it; the harness kills the helpers anyway. */
FIXTURE_TEARDOWN(storm)
{
	const char *params = getenv("LQ_PARAMS");

	if (st && st != MAP_FAILED)
		st->stop = 1;
	lq_module_unload(10000);
	lq_module_load(params ? params : "");
}

static void stop_all(FIXTURE_DATA(storm) *self)
{
	st->stop = 1;
	for (int i = 0; i < NR_READERS + 2; i++)
		waitpid(self->helpers[i], NULL, 0);
	waitpid(self->flooder, NULL, 0);
}

/*
 * A fresh listener, backlog 0, 5 SYNs: exactly cap queued and 5 - cap
 * counted drops, cap measured on this kernel first (1, or 0 where the SYN
 * queue is full at qlen >= backlog).
 */
static void exact_burst(struct __test_metadata *_metadata)
{
	struct lq_cap_conf c = { .family = AF_INET, .backlog = 0, .syncookies = 0 };
	int cap = lq_cap_ok(_metadata, lq_measure_syn_cap(&c), "SYN queue");
	struct lq_mib before, now, d;
	long long t0 = lq_now_ms();
	int lfd, port, raw;
	struct lq_proc t;
	const struct lq_proc_row *r;

	lq_setup_netns(_metadata);
	ASSERT_EQ(0, lq_route_add(AF_INET, LQ_SYN_NET4, LQ_SYN_PREFIX4, "lo"));
	lq_set_sysctl(_metadata, "net/ipv4/tcp_syncookies", 0);
	lfd = lq_listen(_metadata, AF_INET, "127.0.0.1", 0, 0);
	port = lq_port(_metadata, lfd);
	lq_mib(_metadata, &before);
	raw = lq_raw_socket(AF_INET);
	ASSERT_LE(0, raw);
	ASSERT_EQ(5, lq_send_syns(raw, AF_INET, "127.0.0.1", port, 0, 5));
	close(raw);
	for (;;) {
		lq_mib(_metadata, &now);
		lq_mib_delta(&before, &now, &d);
		if (d.reqq_full_drop >= (unsigned long long)(5 - cap) || lq_now_ms() - t0 > 5000)
			break;
		usleep(10000);
	}
	EXPECT_EQ(5 - cap, (long long)d.reqq_full_drop);
	ASSERT_EQ(0, lq_proc_read(&t, LQ_PROC_PATH));
	r = lq_proc_find_port(&t, AF_INET, port);
	ASSERT_TRUE(r != NULL);
	EXPECT_EQ(cap, r->syn_q);
	EXPECT_EQ(5 - cap, r->drops);
	EXPECT_EQ(5 - cap, lq_proc_col(r, "drop_synq")) TH_LOG("%s", t.raw);
	lq_proc_free(&t);
	close(lfd);
}

TEST_F_TIMEOUT(storm, load_unload_under_load, 900)
{
	int cycles = lq_scaled(STRESS_CYCLES, 4);
	int done = 0, load_fail = 0, unload_fail = 0;
	long long t0 = lq_now_ms(), slowest = 0;
	int ret;

	for (int i = 0; i < cycles; i++) {
		long long c0 = lq_now_ms();

		ret = lq_module_unload(10000);
		if (ret) {
			if (!unload_fail++)
				TH_LOG("cycle %d: rmmod: %s", i, strerror(-ret));
			continue;
		}
		ret = lq_module_load(cycle_params[i % 4]);
		if (ret) {
			if (!load_fail++)
				TH_LOG("cycle %d: insmod %s: %s", i, cycle_params[i % 4], strerror(-ret));
			continue;
		}
		done++;
		st->cycle++;
		if (lq_now_ms() - c0 > slowest)
			slowest = lq_now_ms() - c0;
		/* let the readers and the toggler find it loaded for a moment */
		usleep(DWELL_MS * 1000);
		if ((i + 1) % 50 == 0)
			TH_LOG("%d cycles in %lld ms", i + 1, lq_now_ms() - t0);
	}
	stop_all(self);
	TH_LOG("%d cycles in %lld ms (slowest %lld ms); %ld SYNs sent, %ld listeners churned",
	       done, lq_now_ms() - t0, slowest, st->syns, st->churns);
	TH_LOG("reads ok/gone/bad: %ld/%ld/%ld %ld/%ld/%ld %ld/%ld/%ld %ld/%ld/%ld",
	       st->reads_ok[0], st->reads_gone[0], st->reads_bad[0],
	       st->reads_ok[1], st->reads_gone[1], st->reads_bad[1],
	       st->reads_ok[2], st->reads_gone[2], st->reads_bad[2],
	       st->reads_ok[3], st->reads_gone[3], st->reads_bad[3]);
	TH_LOG("probe toggles ok/gone: %ld/%ld", st->toggles_ok, st->toggles_gone);

	EXPECT_EQ(cycles, done);
	EXPECT_EQ(0, load_fail);
	EXPECT_EQ(0, unload_fail);
	EXPECT_EQ(0, st->unexpected) TH_LOG("first: %s", st->first_bad);
	for (int i = 0; i < NR_READERS; i++) {
		EXPECT_EQ(0, st->reads_bad[i]) TH_LOG("%s", st->first_bad);
		EXPECT_LT(0, st->reads_ok[i]) TH_LOG("reader %d never read a whole table", i);
	}
	EXPECT_LT(0, st->toggles_ok);
	EXPECT_LT(0, st->syns);

	/* settled: loaded with probes off, no kprobe or ftrace hook left behind */
	if (!lq_module_loaded())
		ASSERT_EQ(0, lq_module_load(""));
	ASSERT_EQ(0, lq_param_write("probes", "0\n", 2));
	if (self->kprobes_before >= 0)
		EXPECT_EQ(self->kprobes_before, line_count(KPROBES_LIST))
			TH_LOG("kprobes registered now: %s", lq_read_file(KPROBES_LIST));
	if (self->hooks_before >= 0)
		EXPECT_EQ(self->hooks_before, line_count(FTRACE_LIST))
			TH_LOG("functions hooked now: %s", lq_read_file(FTRACE_LIST));

	/* and counting exactly again */
	ASSERT_EQ(0, lq_param_write("probes", "1\n", 2));
	ASSERT_EQ(0, lq_param_write("drop_log", "0\n", 2));
	exact_burst(_metadata);

	/* every listener of the storm and of the burst is closed: none holds a record */
	lq_probes_off_expect_held(_metadata, 0);
}

TEST_HARNESS_MAIN
