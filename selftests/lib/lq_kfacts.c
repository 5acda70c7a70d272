// SPDX-License-Identifier: GPL-2.0
/*
 * The running kernel's caps and functions, measured. See lq_kfacts.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lq_kfacts.h"
#include "netutil.h"

/* More than any test's listener holds: a measurement sends backlog + 4. */
#define LQ_MEASURE_MAX	1100

static const char *loopback(int family)
{
	return family == AF_INET ? "127.0.0.1" : "::1";
}

/* A fresh namespace with @c's sysctls; the backlog listen() will store. */
static int measure_netns(const struct lq_cap_conf *c, int *b)
{
	long long somaxconn;
	int ret = lq_netns_enter();

	if (!ret && c->somaxconn)
		ret = lq_sysctl_write("net/core/somaxconn", c->somaxconn);
	if (!ret)
		ret = lq_sysctl_write("net/ipv4/tcp_syncookies", c->syncookies);
	if (!ret && c->max_syn_backlog)
		ret = lq_sysctl_write("net/ipv4/tcp_max_syn_backlog", c->max_syn_backlog);
	if (!ret)
		ret = lq_sysctl_read("net/core/somaxconn", &somaxconn);
	if (ret)
		return ret;
	/* __sys_listen(): only to size the measurement */
	*b = (unsigned int)c->backlog > (unsigned int)somaxconn ? (int)somaxconn : c->backlog;
	return *b + 4 > LQ_MEASURE_MAX ? -E2BIG : 0;
}

struct syn_settle {
	int family, port, n;
	struct lq_mib before;
};

static bool syns_settled(void *arg)
{
	struct syn_settle *s = arg;
	int queued = lq_tcp_count(s->family, s->port, LQ_TCP_SYN_RECV);
	struct lq_mib now, d;

	if (queued < 0 || lq_mib_snapshot(&now))
		return false;
	lq_mib_delta(&s->before, &now, &d);
	return queued + d.reqq_full_do_cookies + d.listen_drops == (unsigned long long)s->n;
}

static int syn_cap_child(const struct lq_cap_conf *c)
{
	struct syn_settle s = { .family = c->family };
	int b, lfd, raw, ret, queued;

	ret = measure_netns(c, &b);
	if (!ret)
		ret = c->family == AF_INET ?
		      lq_route_add(AF_INET, LQ_SYN_NET4, LQ_SYN_PREFIX4, "lo") :
		      lq_route_add(AF_INET6, LQ_SYN_NET6, LQ_SYN_PREFIX6, "lo");
	if (ret)
		return ret;
	lfd = lq_tcp_listener(c->family, loopback(c->family), 0, c->backlog, 0);
	if (lfd < 0)
		return lfd;
	s.port = lq_local_port(lfd);
	raw = lq_raw_socket(c->family);
	if (s.port < 0 || raw < 0)
		return s.port < 0 ? s.port : raw;
	ret = lq_mib_snapshot(&s.before);
	if (ret)
		return ret;
	s.n = b + 4;
	ret = lq_send_syns(raw, c->family, loopback(c->family), s.port, 0, s.n);
	if (ret != s.n)
		return ret < 0 ? ret : -EIO;
	if (!lq_wait_until(syns_settled, &s, 10000))
		return -ETIMEDOUT;
	queued = lq_tcp_count(c->family, s.port, LQ_TCP_SYN_RECV);
	if (queued == s.n)
		return -EOVERFLOW;
	return queued;
}

struct acc_step {
	int lfd, client;
	unsigned int acc0;
	unsigned long long drops0;
	bool dropped;
};

/* The client's handshake made a child, or its SYN was dropped. */
static bool acc_step_done(void *arg)
{
	struct acc_step *st = arg;
	unsigned long long drops;
	unsigned int acc, max;

	if (!lq_mib_read("ListenDrops", &drops) && drops > st->drops0) {
		st->dropped = true;
		return true;
	}
	return !lq_listener_info(st->lfd, &acc, &max) && acc > st->acc0 &&
	       lq_tcp_state(st->client) == LQ_TCP_ESTABLISHED;
}

static int acc_cap_child(const struct lq_cap_conf *c)
{
	struct acc_step st = { 0 };
	unsigned int max;
	int b, i, ret, port;

	ret = measure_netns(c, &b);
	if (ret)
		return ret;
	st.lfd = lq_tcp_listener(c->family, loopback(c->family), 0, c->backlog, 0);
	if (st.lfd < 0)
		return st.lfd;
	port = lq_local_port(st.lfd);
	if (port < 0)
		return port;
	for (i = 0; i < b + 4; i++) {
		ret = lq_mib_read("ListenDrops", &st.drops0);
		if (!ret)
			ret = lq_listener_info(st.lfd, &st.acc0, &max);
		if (ret)
			return ret;
		st.client = lq_connect_nb(c->family, loopback(c->family), port);
		if (st.client < 0)
			return st.client;
		if (!lq_wait_until(acc_step_done, &st, 5000))
			return -ETIMEDOUT;
		if (st.dropped) {
			/* before its 1 s SYN retransmit: nothing else reaches the queue */
			close(st.client);
			ret = lq_accept_all(st.lfd);
			return ret < 0 ? ret : ret == (int)st.acc0 ? ret : -EPROTO;
		}
		/* the client stays open: its child stays queued */
	}
	return -EOVERFLOW;
}

/* fn(c) in a child process (which leaves its namespace behind when it exits). */
static int in_child(int (*fn)(const struct lq_cap_conf *), const struct lq_cap_conf *c)
{
	int p[2], ret = -EIO, status;
	pid_t pid;

	if (pipe(p))
		return -errno;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(p[0]);
		close(p[1]);
		return ret;
	}
	if (!pid) {
		close(p[0]);
		ret = fn(c);
		if (write(p[1], &ret, sizeof(ret)) != sizeof(ret))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &ret, sizeof(ret)) != sizeof(ret))
		ret = -EIO;
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return ret;
}

/*
 * One boot's answers (see lq_kfacts.h): $LQ_KFACTS_DIR (default
 * /tmp/lq-kfacts)/<boot_id>/<key> holds what a measurement found, as a
 * decimal number and a newline, written under a name of its own and renamed
 * into place, so a reader sees the whole answer or none. Only answers are
 * kept, never an error: a failed measurement is made again next time.
 */
#define LQ_KFACTS_DIR	"/tmp/lq-kfacts"

static bool cache_on(void)
{
	const char *e = getenv("LQ_KFACTS_CACHE");

	return !e || strcmp(e, "0");
}

/* The directory of this boot's answers, made if need be: 0 or -errno. */
static int cache_dir(char *buf, size_t size)
{
	const char *base = getenv("LQ_KFACTS_DIR");
	char id[64] = "";
	int fd, n;

	if (!base || !*base)
		base = LQ_KFACTS_DIR;
	fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, id, sizeof(id) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -ENODATA;
	id[strcspn(id, "\n")] = '\0';
	if (!*id || strchr(id, '/'))
		return -EINVAL;
	if (mkdir(base, 0700) < 0 && errno != EEXIST)
		return -errno;
	if ((size_t)snprintf(buf, size, "%s/%s", base, id) >= size)
		return -ENAMETOOLONG;
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int cache_path(const char *key, char *buf, size_t size)
{
	char dir[512];
	int ret;

	if (!cache_on() || strchr(key, '/'))
		return -ENOENT;
	ret = cache_dir(dir, sizeof(dir));
	if (ret)
		return ret;
	return (size_t)snprintf(buf, size, "%s/%s", dir, key) >= size ? -ENAMETOOLONG : 0;
}

/* This boot's answer to @key, or -ENOENT. */
static int cache_get(const char *key)
{
	char path[640], text[32], end;
	int fd, n, val;

	if (cache_path(key, path, sizeof(path)))
		return -ENOENT;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return -ENOENT;
	text[n] = '\0';
	if (sscanf(text, "%d%c", &val, &end) != 2 || end != '\n' || val < 0)
		return -ENOENT;
	return val;
}

static void cache_put(const char *key, int val)
{
	char path[640], tmp[700], text[32];
	int fd, len, ok;

	if (val < 0 || cache_path(key, path, sizeof(path)))
		return;
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	len = snprintf(text, sizeof(text), "%d\n", val);
	ok = write(fd, text, len) == len;
	if (close(fd))
		ok = 0;
	if (!ok || rename(tmp, path))
		unlink(tmp);
}

/* fn(c), or this boot's answer for the same @kind and configuration. */
static int measure_cached(const char *kind, int (*fn)(const struct lq_cap_conf *),
			  const struct lq_cap_conf *c)
{
	char key[128];
	int ret;

	snprintf(key, sizeof(key), "%s-%s-backlog%d-somaxconn%d-syncookies%d-max_syn_backlog%d",
		 kind, c->family == AF_INET ? "inet" : c->family == AF_INET6 ? "inet6" : "other",
		 c->backlog, c->somaxconn, c->syncookies, c->max_syn_backlog);
	ret = cache_get(key);
	if (ret >= 0)
		return ret;
	ret = in_child(fn, c);
	cache_put(key, ret);
	return ret;
}

int lq_measure_syn_cap(const struct lq_cap_conf *c)
{
	return measure_cached("syn_cap", syn_cap_child, c);
}

int lq_measure_acc_cap(const struct lq_cap_conf *c)
{
	return measure_cached("acc_cap", acc_cap_child, c);
}

int lq_synq_gt(void)
{
	static int gt = -EAGAIN;
	const struct lq_cap_conf c = { .family = AF_INET, .backlog = 2, .syncookies = 1 };
	int cap;

	if (gt != -EAGAIN)
		return gt;
	cap = lq_measure_syn_cap(&c);
	gt = cap < 0 ? cap : cap == 3 ? 1 : cap == 2 ? 0 : -EPROTO;
	return gt;
}

int lq_kallsyms_has(const char *name)
{
	char line[512], sym[256], key[300], type;
	unsigned long long a;
	FILE *f;
	int found = 0;

	snprintf(key, sizeof(key), "kallsyms-%s", name);
	found = cache_get(key);
	if (found == 0 || found == 1)
		return found;
	found = 0;
	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return -errno;
	/* a module's symbol has its "\t[module]" after the name: not the kernel's */
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%llx %c %255s", &a, &type, sym) == 3 && !strcmp(sym, name) &&
			!strchr(line, '[');
	fclose(f);
	cache_put(key, found);
	return found;
}

bool lq_kernel_has_expire_fn(void)
{
	return lq_kallsyms_has("__inet_csk_reqsk_queue_drop") == 1;
}
