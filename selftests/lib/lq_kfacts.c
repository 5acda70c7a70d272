// SPDX-License-Identifier: GPL-2.0
/*
 * The running kernel's caps and functions, measured. See lq_kfacts.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

int lq_measure_syn_cap(const struct lq_cap_conf *c)
{
	return in_child(syn_cap_child, c);
}

int lq_measure_acc_cap(const struct lq_cap_conf *c)
{
	return in_child(acc_cap_child, c);
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
	char line[512], sym[256], type;
	unsigned long long a;
	FILE *f = fopen("/proc/kallsyms", "re");
	int found = 0;

	if (!f)
		return -errno;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%llx %c %255s", &a, &type, sym) == 3 && !strcmp(sym, name);
	fclose(f);
	return found;
}

bool lq_kernel_has_expire_fn(void)
{
	return lq_kallsyms_has("__inet_csk_reqsk_queue_drop") == 1;
}
