// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input: module parameters refused at load and through sysfs, each with
 * one clear kernel log line, and the module unchanged afterwards; and
 * /proc/listenq under writes, seeks and odd read sizes.
 *
 * The generic half of the load-time checks (every parameter with a negative,
 * huge, non-numeric and empty value) is run.sh's insmod-bad-value, before
 * the module is first loaded; here are the range edges of each parameter,
 * and the values just inside them that must load.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lq_kmod.h"
#include "lq_test.h"

struct lq_params {
	char probes[16], drop_log[16], max_listeners[16];
};

static void params_get(struct __test_metadata *_metadata, struct lq_params *p)
{
	ASSERT_EQ(0, lq_param_get("probes", p->probes, sizeof(p->probes)));
	ASSERT_EQ(0, lq_param_get("drop_log", p->drop_log, sizeof(p->drop_log)));
	ASSERT_EQ(0, lq_param_get("max_listeners", p->max_listeners, sizeof(p->max_listeners)));
}

static void need_module(struct __test_metadata *_metadata)
{
	if (!lq_module_loaded())
		SKIP(return, "listenq is not loaded");
}

/*
 * The one log line that refused @name: "listenq: <name>=...", saying what
 * is expected, on one line (kmsg shows an embedded newline as \x0a).
 */
static void expect_refusal_line(struct __test_metadata *_metadata, const char *log,
				const char *name, const char *val)
{
	char prefix[64];
	const char *line;

	snprintf(prefix, sizeof(prefix), "listenq: %s=", name);
	line = strstr(log, prefix);
	EXPECT_TRUE(line != NULL) TH_LOG("no '%s' line for %s, log:\n%s", prefix,
					  val, log);
	if (!line)
		return;
	const char *eol = strchr(line, '\n');
	int len = eol ? (int)(eol - line) : (int)strlen(line);

	EXPECT_TRUE(memmem(line, len, "expected", 8) != NULL)
		TH_LOG("'%.*s' does not say what is expected", len, line);
	EXPECT_TRUE(memmem(line, len, "\\x0a", 4) == NULL)
		TH_LOG("'%.*s' breaks the line", len, line);
	EXPECT_GE(200, len) TH_LOG("refusal line of %d characters", len);
}

/* ---- parameters through sysfs ---- */

FIXTURE(sysfs) {
	struct lq_params before;
	int kmsg;
};

FIXTURE_VARIANT(sysfs) {
	const char *name, *val;
	int err;			/* what write() or open() returns */
};

/* What `echo VALUE > /sys/module/listenq/parameters/NAME` writes. */
#define SYSFS_BAD(id, param, value) \
	FIXTURE_VARIANT_ADD(sysfs, id) { .name = #param, .val = value "\n", .err = -EINVAL }
SYSFS_BAD(probes_negative, probes, "-1");
SYSFS_BAD(probes_huge, probes, "99999999999999999999");
SYSFS_BAD(probes_two, probes, "2");
SYSFS_BAD(probes_word, probes, "bogus");
SYSFS_BAD(probes_empty, probes, "");
SYSFS_BAD(probes_blank, probes, " ");
SYSFS_BAD(drop_log_negative, drop_log, "-1");
SYSFS_BAD(drop_log_above_max, drop_log, "1001");
SYSFS_BAD(drop_log_u32_wrap, drop_log, "4294967296");
SYSFS_BAD(drop_log_huge, drop_log, "99999999999999999999");
SYSFS_BAD(drop_log_word, drop_log, "bogus");
SYSFS_BAD(drop_log_empty, drop_log, "");
SYSFS_BAD(drop_log_hex_prefix_only, drop_log, "0x");
SYSFS_BAD(drop_log_fraction, drop_log, "1.5");
SYSFS_BAD(drop_log_two_numbers, drop_log, "1 2");
/* max_listeners is fixed at load (0444): no write even opens, root or not */
FIXTURE_VARIANT_ADD(sysfs, max_listeners_valid) { "max_listeners", "10\n", -EACCES };
FIXTURE_VARIANT_ADD(sysfs, max_listeners_zero) { "max_listeners", "0\n", -EACCES };
FIXTURE_VARIANT_ADD(sysfs, max_listeners_negative) { "max_listeners", "-1\n", -EACCES };
FIXTURE_VARIANT_ADD(sysfs, max_listeners_word) { "max_listeners", "bogus\n", -EACCES };

FIXTURE_SETUP(sysfs)
{
	need_module(_metadata);
	params_get(_metadata, &self->before);
	self->kmsg = lq_kmsg_open();
	ASSERT_LE(0, self->kmsg) TH_LOG("/dev/kmsg: %s", strerror(-self->kmsg));
}

FIXTURE_TEARDOWN(sysfs)
{
	if (self->kmsg >= 0)
		close(self->kmsg);
}

TEST_F(sysfs, refused)
{
	struct lq_params after;
	char *log;
	int ret;

	ret = lq_param_write(variant->name, variant->val, strlen(variant->val));
	EXPECT_EQ(variant->err, ret) TH_LOG("%s=\"%.*s\": %s", variant->name,
					    (int)strcspn(variant->val, "\n"), variant->val,
					    ret ? strerror(-ret) : "accepted");
	params_get(_metadata, &after);
	EXPECT_STREQ(self->before.probes, after.probes);
	EXPECT_STREQ(self->before.drop_log, after.drop_log);
	EXPECT_STREQ(self->before.max_listeners, after.max_listeners);

	log = lq_kmsg_read(self->kmsg);
	ASSERT_TRUE(log != NULL);
	if (variant->err == -EINVAL)
		expect_refusal_line(_metadata, log, variant->name, variant->val);
	free(log);
	/* still serving */
	free(lq_read_file(LQ_PROC_PATH));
	ASSERT_TRUE(lq_module_loaded());
}

/* A zero-length write never reaches the module and changes nothing. */
TEST(sysfs_zero_length_write)
{
	struct lq_params before, after;

	need_module(_metadata);
	params_get(_metadata, &before);
	EXPECT_EQ(0, lq_param_write("probes", "", 0));
	EXPECT_EQ(0, lq_param_write("drop_log", "", 0));
	params_get(_metadata, &after);
	EXPECT_STREQ(before.probes, after.probes);
	EXPECT_STREQ(before.drop_log, after.drop_log);
}

/* More than a page: sysfs passes the first 4096 bytes, still a bad number. */
TEST(sysfs_long_value)
{
	struct lq_params before, after;
	char val[5000];

	need_module(_metadata);
	params_get(_metadata, &before);
	memset(val, '7', sizeof(val));
	EXPECT_GT(0, lq_param_write("drop_log", val, sizeof(val)));
	params_get(_metadata, &after);
	EXPECT_STREQ(before.drop_log, after.drop_log);
}

/* The edges that must be accepted, and the module working with them. */
TEST(sysfs_edges_accepted)
{
	struct lq_params before, after;
	char v[16];

	need_module(_metadata);
	params_get(_metadata, &before);
	ASSERT_EQ(0, lq_param_write("drop_log", "1000\n", 5));
	ASSERT_EQ(0, lq_param_get("drop_log", v, sizeof(v)));
	EXPECT_STREQ("1000", v);
	ASSERT_EQ(0, lq_param_write("drop_log", "0", 1));
	ASSERT_EQ(0, lq_param_get("drop_log", v, sizeof(v)));
	EXPECT_STREQ("0", v);
	ASSERT_EQ(0, lq_param_write("drop_log", before.drop_log, strlen(before.drop_log)));
	/* writing the current value again is a no-op, whichever it is */
	ASSERT_EQ(0, lq_param_write("probes", before.probes, strlen(before.probes)));
	params_get(_metadata, &after);
	EXPECT_STREQ(before.probes, after.probes);
	EXPECT_STREQ(before.drop_log, after.drop_log);
}

/* ---- parameters at load ---- */

/* Unload for a test; reloaded with run.sh's parameters whatever happens. */
static void unload(struct __test_metadata *_metadata)
{
	int ret;

	need_module(_metadata);
	ret = lq_module_unload(5000);
	ASSERT_EQ(0, ret) TH_LOG("rmmod listenq: %s", strerror(-ret));
}

static void reload(void)
{
	const char *params = getenv("LQ_PARAMS");

	if (!lq_module_loaded())
		lq_module_load(params ? params : "");
}

struct load_case {
	const char *params;
	const char *param;	/* named in the refusal line */
	bool own_line;		/* listenq's own "name=value: expected" line */
};

/*
 * Values just outside each range, and a parameter with no value at all:
 * the kernel's parse_args() refuses that one itself before listenq sees it
 * ("`' invalid for parameter `probes'").
 */
static const struct load_case bad_loads[] = {
	{ "probes=2", "probes", true },
	{ "drop_log=1001", "drop_log", true },
	{ "max_listeners=0", "max_listeners", true },
	{ "max_listeners=1048577", "max_listeners", true },
	{ "max_listeners=0x100001", "max_listeners", true },
	{ "probes", "probes", false },
	{ "drop_log", "drop_log", false },
	{ "max_listeners", "max_listeners", false },
	{ "probes=1 drop_log=1001", "drop_log", true },
};

TEST(load_refused)
{
	int kmsg, ret;
	char *log;

	unload(_metadata);
	kmsg = lq_kmsg_open();
	for (unsigned int i = 0; i < sizeof(bad_loads) / sizeof(bad_loads[0]); i++) {
		const struct load_case *c = &bad_loads[i];
		char want[64];

		ret = lq_module_load(c->params);
		EXPECT_EQ(-EINVAL, ret) TH_LOG("insmod listenq.ko %s: %s", c->params,
					       ret ? strerror(-ret) : "loaded");
		if (!ret)
			lq_module_unload(5000);
		EXPECT_FALSE(lq_module_loaded());
		EXPECT_NE(0, access(LQ_PROC_NET_PATH, F_OK));
		log = kmsg >= 0 ? lq_kmsg_read(kmsg) : NULL;
		if (!log)
			continue;
		if (c->own_line) {
			expect_refusal_line(_metadata, log, c->param, c->params);
		} else {
			snprintf(want, sizeof(want), "parameter `%s'", c->param);
			EXPECT_TRUE(strstr(log, want) != NULL)
				TH_LOG("%s: no \"%s\" line in:\n%s", c->params, want, log);
		}
		free(log);
	}
	if (kmsg >= 0)
		close(kmsg);
	reload();
}

struct good_load {
	const char *params;
	const char *probes, *drop_log, *max_listeners;	/* as sysfs shows them */
};

static const struct good_load good_loads[] = {
	{ "", "N", "0", "16384" },
	{ "probes=1 drop_log=1000", "Y", "1000", "16384" },
	{ "probes=y drop_log=0x10", "Y", "16", "16384" },
	{ "max_listeners=1 probes=1", "Y", "0", "1" },
	{ "max_listeners=1048576 probes=1", "Y", "0", "1048576" },
	{ "max_listeners=1048576", "N", "0", "1048576" },
};

/*
 * Six loads and unloads, four of them with probes on and off again: 12 s
 * in all on a TCG guest beside two busy loops on the host's 2 cores, and
 * the default limit of 120 s was reached on a guest starved further. The
 * limit only detects a hang: a wide margin, under the binary's own
 * (selftests/settings).
 */
FIXTURE(slow) {};
FIXTURE_SETUP(slow) {}
FIXTURE_TEARDOWN(slow) {}

TEST_F_TIMEOUT(slow, load_edges_accepted, 300)
{
	struct lq_params p;
	int ret;

	unload(_metadata);
	for (unsigned int i = 0; i < sizeof(good_loads) / sizeof(good_loads[0]); i++) {
		const struct good_load *c = &good_loads[i];

		ret = lq_module_load(c->params);
		EXPECT_EQ(0, ret) TH_LOG("insmod listenq.ko %s: %s", c->params, strerror(-ret));
		if (ret)
			continue;
		params_get(_metadata, &p);
		EXPECT_STREQ(c->probes, p.probes) TH_LOG("%s", c->params);
		EXPECT_STREQ(c->drop_log, p.drop_log) TH_LOG("%s", c->params);
		EXPECT_STREQ(c->max_listeners, p.max_listeners) TH_LOG("%s", c->params);
		free(lq_read_file(LQ_PROC_PATH));
		ret = lq_module_unload(5000);
		EXPECT_EQ(0, ret) TH_LOG("rmmod after %s: %s", c->params, strerror(-ret));
	}
	reload();
}

/*
 * The SYN-ACK retransmits of listener @port's requests: the sum of their
 * num_timeout, with every request of the @cap queued still there.
 */
static unsigned long long synack_resent(struct __test_metadata *_metadata, int port, int cap)
{
	unsigned long long resent;
	int rows = lq_tcp_syn_recv(AF_INET, port, &resent);

	ASSERT_EQ(cap, rows) TH_LOG("SYN_RECV rows of port %d", port);
	return resent;
}

/*
 * One try of max_listeners_one; false when it cannot tell the count
 * exactly: a timer of b's sent a SYN-ACK again while probes went off.
 */
static bool max_listeners_one_try(struct __test_metadata *_metadata, int cap)
{
	unsigned long long resent, resent_after;
	int a, b, pa, pb, raw, kmsg, ret;
	char *log;

	unload(_metadata);
	ret = lq_module_load("max_listeners=1 probes=1");
	ASSERT_EQ(0, ret) TH_LOG("insmod: %s", strerror(-ret));
	lq_setup_netns(_metadata);
	ASSERT_EQ(0, lq_route_add(AF_INET, LQ_SYN_NET4, LQ_SYN_PREFIX4, "lo"));
	lq_set_sysctl(_metadata, "net/ipv4/tcp_syncookies", 0);
	/* no request expires during the test, however slow the guest */
	lq_set_sysctl(_metadata, "net/ipv4/tcp_synack_retries", 100);
	a = lq_listen(_metadata, AF_INET, "127.0.0.1", 0, 0);
	b = lq_listen(_metadata, AF_INET, "127.0.0.1", 0, 0);
	pa = lq_port(_metadata, a);
	pb = lq_port(_metadata, b);
	raw = lq_raw_socket(AF_INET);
	ASSERT_LE(0, raw);
	/* backlog 0: cap SYNs queued, the other 5 - cap dropped, on each listener */
	ASSERT_EQ(5, lq_send_syns(raw, AF_INET, "127.0.0.1", pa, 0, 5));
	ASSERT_EQ(5, lq_send_syns(raw, AF_INET, "127.0.0.1", pb, 10, 5));
	close(raw);

	struct lq_proc t;
	const struct lq_proc_row *ra = NULL, *rb = NULL;
	/* a hang detector, as lq_wait_until()'s */
	long long deadline = lq_now_ms() + 5000LL * lq_timeout_scale();

	for (;;) {
		ASSERT_EQ(0, lq_proc_read(&t, LQ_PROC_PATH));
		ra = lq_proc_find_port(&t, AF_INET, pa);
		rb = lq_proc_find_port(&t, AF_INET, pb);
		ASSERT_TRUE(ra && rb);
		if ((ra->drops == 5 - cap && rb->drops == 5 - cap) || lq_now_ms() > deadline)
			break;
		lq_proc_free(&t);
		usleep(20 * 1000);
	}
	EXPECT_EQ(5 - cap, ra->drops);
	EXPECT_EQ(5 - cap, rb->drops);
	lq_proc_free(&t);

	kmsg = lq_kmsg_open();
	ASSERT_LE(0, kmsg);
	/*
	 * b's queued requests send their SYN-ACK again at each timeout (1 s,
	 * then doubling), and each time is an event of b's too
	 * (tcp:tcp_retransmit_synack): how many came before probes went off
	 * depends on the guest's speed, so the kernel tells. A request's
	 * num_timeout counts them (lq_tcp_syn_recv()); read before and after
	 * probes off, which waits for RCU and so for any timer handler that
	 * fired the tracepoint. Equal, every one of them was counted and no
	 * later one; different, one came during probes off, counted or not,
	 * and the test tries again. tcp_synack_retries=0 would not help: the
	 * request would then expire at its first timeout, an event of b's as
	 * well, at a time that depends on the guest's speed just the same.
	 */
	resent = synack_resent(_metadata, pb, cap);
	ASSERT_EQ(0, lq_param_write("probes", "0\n", 2));
	resent_after = synack_resent(_metadata, pb, cap);
	log = lq_kmsg_read(kmsg);
	ASSERT_TRUE(log != NULL);
	/*
	 * a's listen() took the only record; b's events found the table full,
	 * and probes off reports them: its listen(), its 5 SYNs' arrivals
	 * (syn_fill_*), the cap it queued (syn_q_peak), its 5 - cap drops and
	 * its SYN-ACKs sent again.
	 */
	const char *said = strstr(log, " events not counted: more than 1 listeners");
	long long lost = -1;

	if (said) {
		while (said > log && said[-1] >= '0' && said[-1] <= '9')
			said--;
		lost = atoll(said);
	}
	if (resent)
		TH_LOG("b sent %llu SYN-ACKs again before probes off", resent);
	if (resent == resent_after) {
		EXPECT_EQ(1 + 5 + cap + 5 - cap + (long long)resent, lost)
			TH_LOG("%llu SYN-ACKs of b sent again; probes off said:\n%s", resent, log);
	} else {
		TH_LOG("b sent SYN-ACKs again during probes off (%llu, then %llu): again",
		       resent, resent_after);
	}
	/* the only record, a's, was still taken: a is open */
	EXPECT_EQ(1, lq_probes_off_held(log)) TH_LOG("probes off said:\n%s", log);
	free(log);
	close(kmsg);
	close(a);
	close(b);
	ASSERT_EQ(0, lq_module_unload(5000));
	reload();
	return resent == resent_after;
}

/* Probes off takes a small part of the 1 s or more between two timeouts. */
#define MAX_LISTENERS_ONE_TRIES	5

/*
 * max_listeners=1: the first listener's drops count, the second's do not,
 * and switching probes off says how many events went uncounted.
 */
TEST(max_listeners_one)
{
	/* backlog 0 queues one request, or none where the SYN queue is full at qlen >= backlog */
	struct lq_cap_conf c = { .family = AF_INET, .backlog = 0, .syncookies = 0 };
	int cap = lq_cap_ok(_metadata, lq_measure_syn_cap(&c), "SYN queue");
	int i;

	for (i = 0; i < MAX_LISTENERS_ONE_TRIES; i++)
		if (max_listeners_one_try(_metadata, cap))
			break;
	EXPECT_GT(MAX_LISTENERS_ONE_TRIES, i)
		TH_LOG("b sent a SYN-ACK again during probes off in every try");
}

/* ---- /proc/listenq: writes, seeks, odd read sizes ---- */

#define IO_LISTENERS	100		/* three batches of the module's 32 rows and more */

FIXTURE(procio) {
	int fds[IO_LISTENERS];
	char *ref;			/* the file in one read */
	size_t len;
};

FIXTURE_VARIANT(procio) {
	const char *path;
};

FIXTURE_VARIANT_ADD(procio, listenq) { LQ_PROC_PATH };
FIXTURE_VARIANT_ADD(procio, listenq_sysctl) { LQ_SYSCTL_PATH };

FIXTURE_SETUP(procio)
{
	need_module(_metadata);
	lq_setup_netns(_metadata);
	for (int i = 0; i < IO_LISTENERS; i++) {
		int family = i % 3 ? AF_INET : AF_INET6;

		self->fds[i] = lq_listen(_metadata, family, lq_loopback(family), i % 7,
					 i % 10 ? 0 : LQ_REUSEPORT);
	}
	self->ref = lq_read_file_chunked(variant->path, 1 << 16, &self->len);
	ASSERT_TRUE(self->ref != NULL) TH_LOG("%s: %s", variant->path, strerror(errno));
	ASSERT_LT(100, (long long)self->len);
}

FIXTURE_TEARDOWN(procio)
{
	free(self->ref);
}

/* Nothing changes in this namespace, so every way of reading agrees. */
TEST_F(procio, one_read_is_whole)
{
	char *again;
	size_t len;

	/* a second big read: nothing changed, same bytes */
	again = lq_read_file_chunked(variant->path, 1 << 16, &len);
	ASSERT_TRUE(again != NULL);
	EXPECT_EQ(self->len, len);
	EXPECT_EQ(0, strcmp(self->ref, again));
	free(again);
	if (!strcmp(variant->path, LQ_PROC_PATH)) {
		int lines = 0;

		for (const char *p = self->ref; *p; p++)
			lines += *p == '\n';
		EXPECT_EQ(IO_LISTENERS + 1, lines);
	}
}

TEST_F(procio, small_reads_concatenate)
{
	static const size_t chunks[] = { 1, 7, 4096, 4097, 65536 };

	for (unsigned int i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		size_t len;
		char *s = lq_read_file_chunked(variant->path, chunks[i], &len);

		ASSERT_TRUE(s != NULL);
		EXPECT_EQ(self->len, len) TH_LOG("reads of %zu bytes", chunks[i]);
		EXPECT_EQ(0, strcmp(self->ref, s)) TH_LOG("reads of %zu bytes differ", chunks[i]);
		free(s);
	}
}

/* Two open files read in turns keep separate positions. */
TEST_F(procio, two_readers_interleaved)
{
	char *a = calloc(1, self->len + 1), *b = calloc(1, self->len + 1);
	int fa = open(variant->path, O_RDONLY), fb = open(variant->path, O_RDONLY);
	size_t na = 0, nb = 0;
	ssize_t r;

	ASSERT_TRUE(a && b);
	ASSERT_LE(0, fa);
	ASSERT_LE(0, fb);
	for (;;) {
		bool more = false;

		if (na < self->len && (r = read(fa, a + na, 7)) > 0) {
			na += r;
			more = true;
		}
		if (nb < self->len && (r = read(fb, b + nb, 13)) > 0) {
			nb += r;
			more = true;
		}
		if (!more)
			break;
	}
	EXPECT_EQ(0, read(fa, a, 1));
	EXPECT_EQ(0, read(fb, b, 1));
	EXPECT_EQ(self->len, na);
	EXPECT_EQ(self->len, nb);
	EXPECT_EQ(0, memcmp(self->ref, a, self->len));
	EXPECT_EQ(0, memcmp(self->ref, b, self->len));
	close(fa);
	close(fb);
	free(a);
	free(b);
}

TEST_F(procio, pread_at_offsets)
{
	const size_t offs[] = { 0, 1, 7, self->len / 3, self->len / 2, self->len - 1,
				self->len, self->len + 100, 1 << 24 };
	static const size_t sizes[] = { 1, 7, 4096 };
	char buf[4096];
	int fd = open(variant->path, O_RDONLY);

	ASSERT_LE(0, fd);
	/* backwards too: every pread starts from where the offset says */
	for (int k = 0; k < 2; k++) {
		for (unsigned int o = 0; o < sizeof(offs) / sizeof(offs[0]); o++) {
			size_t off = offs[k ? sizeof(offs) / sizeof(offs[0]) - 1 - o : o];

			for (unsigned int s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
				size_t want = off >= self->len ? 0 :
					      self->len - off < sizes[s] ? self->len - off : sizes[s];
				ssize_t r = pread(fd, buf, sizes[s], off);

				/* seq_file may return less than asked; never other bytes */
				EXPECT_LE(0, r) TH_LOG("pread(%zu, %zu): %s", sizes[s], off,
						       strerror(errno));
				if (r < 0)
					continue;
				EXPECT_GE(want, (size_t)r) TH_LOG("pread(%zu at %zu)", sizes[s], off);
				EXPECT_TRUE(r > 0 || want == 0) TH_LOG("pread(%zu at %zu) got 0",
								       sizes[s], off);
				if ((size_t)r <= want)
					EXPECT_EQ(0, memcmp(self->ref + off, buf, r))
						TH_LOG("pread(%zu at %zu): other bytes", sizes[s], off);
			}
		}
	}
	/* pread does not move the file position */
	EXPECT_EQ(0, lseek(fd, 0, SEEK_CUR));
	close(fd);
}

TEST_F(procio, lseek)
{
	size_t mid = self->len / 2, n = 0;
	char *buf = calloc(1, self->len + 1);
	int fd = open(variant->path, O_RDONLY);
	ssize_t r;

	ASSERT_TRUE(buf != NULL);
	ASSERT_LE(0, fd);
	/* into the middle of a row, then the rest of the file */
	ASSERT_EQ((off_t)mid, lseek(fd, mid, SEEK_SET));
	while ((r = read(fd, buf + n, 7)) > 0)
		n += r;
	EXPECT_EQ(self->len - mid, n);
	EXPECT_EQ(0, memcmp(self->ref + mid, buf, n));

	/* back to 0 after EOF: the whole file again */
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	n = 0;
	while ((r = read(fd, buf + n, 4096)) > 0)
		n += r;
	EXPECT_EQ(self->len, n);
	EXPECT_EQ(0, memcmp(self->ref, buf, n));

	/* relative moves */
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	ASSERT_EQ(10, read(fd, buf, 10));
	ASSERT_EQ(20, lseek(fd, 10, SEEK_CUR));
	ASSERT_EQ(1, read(fd, buf, 1));
	EXPECT_EQ(self->ref[20], buf[0]);
	ASSERT_EQ(5, lseek(fd, -16, SEEK_CUR));
	ASSERT_EQ(1, read(fd, buf, 1));
	EXPECT_EQ(self->ref[5], buf[0]);

	/* past the end: EOF, not an error */
	ASSERT_EQ((off_t)self->len + 1000, lseek(fd, self->len + 1000, SEEK_SET));
	EXPECT_EQ(0, read(fd, buf, 10));

	/* what seq_file refuses, it refuses cleanly and the position stays */
	ASSERT_EQ(3, lseek(fd, 3, SEEK_SET));
	EXPECT_EQ(-1, lseek(fd, -1, SEEK_SET));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, lseek(fd, -10, SEEK_CUR));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	off_t end = lseek(fd, 0, SEEK_END);

	EXPECT_TRUE(end == -1 && errno == EINVAL) TH_LOG("SEEK_END gave %lld (%s)",
							  (long long)end, strerror(errno));
	EXPECT_EQ(3, lseek(fd, 0, SEEK_CUR));
	ASSERT_EQ(1, read(fd, buf, 1));
	EXPECT_EQ(self->ref[3], buf[0]);
	close(fd);
	free(buf);
}

/* No way of writing works, even for root, and the contents stay. */
TEST_F(procio, writes_refused)
{
	struct iovec iov[2] = { { "1", 1 }, { "\n", 1 } };
	char *after;
	size_t len;
	int fd;

	fd = open(variant->path, O_WRONLY);
	if (fd >= 0) {
		EXPECT_GT(0, write(fd, "0\n", 2));
		EXPECT_GT(0, pwrite(fd, "0\n", 2, 0));
		EXPECT_GT(0, writev(fd, iov, 2));
		EXPECT_GT(0, write(fd, self->ref, self->len));
		close(fd);
	}
	fd = open(variant->path, O_RDWR);
	if (fd >= 0) {
		EXPECT_GT(0, write(fd, "x", 1));
		close(fd);
	}
	/* root may get such an open through; the write itself fails */
	static const int flags[] = { O_WRONLY | O_TRUNC, O_WRONLY | O_APPEND | O_CREAT };

	for (unsigned int i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		fd = open(variant->path, flags[i], 0644);
		if (fd < 0)
			continue;
		EXPECT_GT(0, write(fd, "1\n", 2)) TH_LOG("open flags %#x", flags[i]);
		close(fd);
	}
	fd = open(variant->path, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_GT(0, write(fd, "0\n", 2));
	EXPECT_EQ(EBADF, errno);
	EXPECT_TRUE(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED);
	EXPECT_GT(0, ftruncate(fd, 0));
	close(fd);
	after = lq_read_file_chunked(variant->path, 1 << 16, &len);
	ASSERT_TRUE(after != NULL);
	EXPECT_EQ(0, strcmp(self->ref, after));
	free(after);
}

TEST_HARNESS_MAIN
