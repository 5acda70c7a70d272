// SPDX-License-Identifier: GPL-2.0
/*
 * Network helpers for the listenq selftests. See netutil.h.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "netutil.h"

/* glibc's <net/route.h> has struct in6_rtmsg but not always RTF_* for v6 */
#ifndef RTF_UP
#define RTF_UP 0x0001
#endif

int lq_link_up(const char *ifname)
{
	struct ifreq ifr = { 0 };
	int fd, ret = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		ret = -errno;
	} else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			ret = -errno;
	}
	close(fd);
	return ret;
}

int lq_netns_enter(void)
{
	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	return lq_link_up("lo");
}

unsigned long long lq_netns_ino(void)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st) < 0)
		return 0;
	return st.st_ino;
}

/* The legacy route ioctls need no netlink code and no ip(8) in the guest. */
int lq_route_add(int family, const char *prefix, int plen, const char *ifname)
{
	int fd, ret = 0;

	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (family == AF_INET) {
		struct rtentry rt = { 0 };
		struct sockaddr_in *dst = (struct sockaddr_in *)&rt.rt_dst;
		struct sockaddr_in *mask = (struct sockaddr_in *)&rt.rt_genmask;

		dst->sin_family = AF_INET;
		mask->sin_family = AF_INET;
		if (inet_pton(AF_INET, prefix, &dst->sin_addr) != 1) {
			close(fd);
			return -EINVAL;
		}
		mask->sin_addr.s_addr = plen ? htonl(~0U << (32 - plen)) : 0;
		rt.rt_flags = RTF_UP;
		rt.rt_dev = (char *)ifname;
		if (ioctl(fd, SIOCADDRT, &rt) < 0)
			ret = -errno;
	} else {
		struct in6_rtmsg rt = { 0 };

		if (inet_pton(AF_INET6, prefix, &rt.rtmsg_dst) != 1) {
			close(fd);
			return -EINVAL;
		}
		rt.rtmsg_dst_len = plen;
		rt.rtmsg_flags = RTF_UP;
		rt.rtmsg_metric = 1;
		rt.rtmsg_ifindex = if_nametoindex(ifname);
		if (!rt.rtmsg_ifindex)
			ret = -ENODEV;
		else if (ioctl(fd, SIOCADDRT, &rt) < 0)
			ret = -errno;
	}
	close(fd);
	return ret;
}

static int sysctl_path(char *buf, size_t len, const char *name)
{
	if ((size_t)snprintf(buf, len, "/proc/sys/%s", name) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int lq_write_buf(const char *path, const void *val, size_t len)
{
	int fd, ret = 0;
	ssize_t n;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

int lq_write_str(const char *path, const char *val)
{
	return lq_write_buf(path, val, strlen(val));
}

int lq_sysctl_write(const char *name, long long val)
{
	char path[256], buf[32];

	if (sysctl_path(path, sizeof(path), name))
		return -ENAMETOOLONG;
	snprintf(buf, sizeof(buf), "%lld\n", val);
	return lq_write_str(path, buf);
}

int lq_sysctl_read(const char *name, long long *val)
{
	char path[256], buf[64], *end;
	ssize_t len;
	int fd;

	if (sysctl_path(path, sizeof(path), name))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return len < 0 ? -errno : -EIO;
	buf[len] = '\0';
	errno = 0;
	*val = strtoll(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

static int make_sockaddr(int family, const char *addr, uint16_t port,
			 struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1)
			return -EINVAL;
		*len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) != 1)
			return -EINVAL;
		*len = sizeof(*sin6);
	}
	return 0;
}

int lq_tcp_socket(int family, const char *addr, uint16_t port, int flags)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, v6only = !!(flags & LQ_V6ONLY), ret;

	ret = make_sockaddr(family, addr, port, &ss, &len);
	if (ret)
		return ret;
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC |
		    (flags & LQ_NONBLOCK ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		return -errno;
	if ((flags & LQ_REUSEPORT) &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		goto err;
	if (family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) < 0)
		goto err;
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		goto err;
	return fd;
err:
	ret = -errno;
	close(fd);
	return ret;
}

int lq_tcp_listener(int family, const char *addr, uint16_t port, int backlog, int flags)
{
	int fd, ret;

	fd = lq_tcp_socket(family, addr, port, flags);
	if (fd < 0)
		return fd;
	if (listen(fd, backlog) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int lq_local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

unsigned long long lq_sock_ino(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return 0;
	return st.st_ino;
}

int lq_connect_nb(int family, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, ret;

	ret = make_sockaddr(family, addr, port, &ss, &len);
	if (ret)
		return ret;
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int lq_tcp_state(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return -errno;
	return ti.tcpi_state;
}

int lq_listener_info(int fd, unsigned int *ack_backlog, unsigned int *max_ack_backlog)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return -errno;
	if (ti.tcpi_state != LQ_TCP_LISTEN)
		return -EINVAL;
	*ack_backlog = ti.tcpi_unacked;
	*max_ack_backlog = ti.tcpi_sacked;
	return 0;
}

int lq_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

int lq_accept_all(int lfd)
{
	int n = 0, fd, ret = lq_set_nonblock(lfd);

	if (ret)
		return ret;
	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		close(fd);
		n++;
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK)
		return -errno;
	return n;
}

/* ---- raw SYNs ---- */

int lq_raw_socket(int family)
{
	/* IPPROTO_RAW implies IP_HDRINCL (and IPV6_HDRINCL): we write the IP header */
	int fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);

	return fd < 0 ? -errno : fd;
}

uint32_t lq_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += (p[0] << 8) | p[1];
	if (len)
		sum += p[0] << 8;
	return sum;
}

uint16_t lq_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

/* A 24-byte SYN header with an MSS option; the checksum is left for the caller. */
static void build_syn(struct tcphdr *th, uint16_t sport, uint16_t dport, uint32_t seq)
{
	uint8_t *opt = (uint8_t *)(th + 1);

	memset(th, 0, sizeof(*th) + 4);
	th->source = htons(sport);
	th->dest = htons(dport);
	th->seq = htonl(seq);
	th->doff = (sizeof(*th) + 4) / 4;
	th->syn = 1;
	th->window = htons(65535);
	opt[0] = TCPOPT_MAXSEG;
	opt[1] = TCPOLEN_MAXSEG;
	opt[2] = 1460 >> 8;
	opt[3] = 1460 & 0xff;
}

int lq_send_syns_data(int rawfd, int family, const char *dst, uint16_t dport, int first, int n,
		      const void *data, size_t dlen)
{
	uint8_t pkt[sizeof(struct ip6_hdr) + sizeof(struct tcphdr) + 4 + LQ_SYN_DATA_MAX];
	const size_t tcplen = sizeof(struct tcphdr) + 4 + dlen;
	struct sockaddr_storage ss;
	socklen_t sslen;
	int i, ret;

	if (dlen > LQ_SYN_DATA_MAX)
		return -EMSGSIZE;
	ret = make_sockaddr(family, dst, 0, &ss, &sslen);
	if (ret)
		return ret;
	for (i = first; i < first + n; i++) {
		/* distinct source address and port per SYN: one request each */
		uint16_t sport = 10000 + (i % 50000);
		uint32_t seq = 0x1000000u + i * 2654435761u;
		struct tcphdr *th;
		uint32_t sum;
		size_t len;

		memset(pkt, 0, sizeof(pkt));
		if (family == AF_INET) {
			struct iphdr *iph = (struct iphdr *)pkt;
			uint8_t pseudo[4] = { 0, IPPROTO_TCP, tcplen >> 8, tcplen & 0xff };

			th = (struct tcphdr *)(iph + 1);
			iph->version = 4;
			iph->ihl = 5;
			iph->ttl = 64;
			iph->protocol = IPPROTO_TCP;
			len = sizeof(*iph) + tcplen;
			iph->tot_len = htons(len);
			iph->id = htons(i);
			inet_pton(AF_INET, LQ_SYN_NET4, &iph->saddr);
			iph->saddr = htonl(ntohl(iph->saddr) + i + 1);
			iph->daddr = ((struct sockaddr_in *)&ss)->sin_addr.s_addr;
			/* the kernel fills the IP checksum for IP_HDRINCL; compute it anyway */
			iph->check = lq_csum_fold(lq_csum_add(0, iph, sizeof(*iph)));
			sum = lq_csum_add(0, &iph->saddr, 8);
			sum = lq_csum_add(sum, pseudo, sizeof(pseudo));
		} else {
			struct ip6_hdr *ip6 = (struct ip6_hdr *)pkt;
			uint8_t pseudo[8] = { 0, 0, tcplen >> 8, tcplen & 0xff, 0, 0, 0, IPPROTO_TCP };
			uint32_t host = htonl(i + 1);

			th = (struct tcphdr *)(ip6 + 1);
			ip6->ip6_flow = htonl(6u << 28);
			ip6->ip6_plen = htons(tcplen);
			ip6->ip6_nxt = IPPROTO_TCP;
			ip6->ip6_hlim = 64;
			inet_pton(AF_INET6, LQ_SYN_NET6, &ip6->ip6_src);
			memcpy(&ip6->ip6_src.s6_addr[12], &host, 4);
			ip6->ip6_dst = ((struct sockaddr_in6 *)&ss)->sin6_addr;
			len = sizeof(*ip6) + tcplen;
			/* IPV6_HDRINCL: the kernel sends our header as is, no checksum help */
			sum = lq_csum_add(0, &ip6->ip6_src, 32);
			sum = lq_csum_add(sum, pseudo, sizeof(pseudo));
		}
		build_syn(th, sport, dport, seq);
		if (dlen)
			memcpy((uint8_t *)th + tcplen - dlen, data, dlen);
		th->check = lq_csum_fold(lq_csum_add(sum, th, tcplen));
		if (sendto(rawfd, pkt, len, 0, (struct sockaddr *)&ss, sslen) != (ssize_t)len)
			return -errno;
	}
	return n;
}

int lq_send_syns(int rawfd, int family, const char *dst, uint16_t dport, int first, int n)
{
	return lq_send_syns_data(rawfd, family, dst, dport, first, n, NULL, 0);
}

/* ---- /proc/net/tcp{,6} ---- */

int lq_tcp_rows(int family, struct lq_tcp_row **rows)
{
	const char *path = family == AF_INET ? "/proc/net/tcp" : "/proc/net/tcp6";
	struct lq_tcp_row *v = NULL, r;
	char line[512];
	int n = 0, cap = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f)) {	/* header */
		fclose(f);
		return -EIO;
	}
	while (fgets(line, sizeof(line), f)) {
		memset(&r, 0, sizeof(r));
		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
		if (sscanf(line, " %*d: %32[0-9A-Fa-f]:%hx %*[0-9A-Fa-f]:%hx %x %x:%x %*x:%*x %x %u %*d %llu",
			   r.laddr, &r.lport, &r.rport, &r.state, &r.tx_queue, &r.rx_queue,
			   &r.retrnsmt, &r.uid, &r.inode) != 9)
			continue;
		if (n == cap) {
			struct lq_tcp_row *nv;

			cap = cap ? 2 * cap : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				fclose(f);
				return -ENOMEM;
			}
			v = nv;
		}
		v[n++] = r;
	}
	fclose(f);
	*rows = v;
	return n;
}

int lq_tcp_each(int family, void (*visit)(const struct lq_tcp_row *row, void *ctx), void *ctx)
{
	struct lq_tcp_row *rows;
	int n, i;

	n = lq_tcp_rows(family, &rows);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++)
		visit(&rows[i], ctx);
	free(rows);
	return n;
}

/* What lq_tcp_count(), lq_tcp_count_young() and lq_tcp_syn_recv() look for, and find. */
struct tcp_match {
	uint16_t lport;
	int state;
	bool young;			/* retrnsmt 0 only */
	int count;
	unsigned long long timeouts;	/* their retrnsmt, summed */
};

static void tcp_match_visit(const struct lq_tcp_row *row, void *ctx)
{
	struct tcp_match *m = ctx;

	if (row->lport != m->lport || row->state != m->state || (m->young && row->retrnsmt))
		return;
	m->count++;
	m->timeouts += row->retrnsmt;
}

static int tcp_match(int family, struct tcp_match *m)
{
	int ret = lq_tcp_each(family, tcp_match_visit, m);

	return ret < 0 ? ret : m->count;
}

int lq_tcp_count(int family, uint16_t lport, int state)
{
	struct tcp_match m = { .lport = lport, .state = state };

	return tcp_match(family, &m);
}

int lq_tcp_count_young(int family, uint16_t lport)
{
	struct tcp_match m = { .lport = lport, .state = LQ_TCP_SYN_RECV, .young = true };

	return tcp_match(family, &m);
}

int lq_tcp_syn_recv(int family, uint16_t lport, unsigned long long *timeouts)
{
	struct tcp_match m = { .lport = lport, .state = LQ_TCP_SYN_RECV };
	int ret = tcp_match(family, &m);

	if (ret >= 0)
		*timeouts = m.timeouts;
	return ret;
}

struct inode_match {
	unsigned long long inode;
	struct lq_tcp_row *out;
	int found;
};

static void inode_match_visit(const struct lq_tcp_row *row, void *ctx)
{
	struct inode_match *m = ctx;

	if (row->inode == m->inode && !m->found++)
		*m->out = *row;
}

int lq_tcp_find_inode(int family, unsigned long long inode, struct lq_tcp_row *out)
{
	struct inode_match m = { .inode = inode, .out = out };
	int ret = lq_tcp_each(family, inode_match_visit, &m);

	return ret < 0 ? ret : m.found;
}

/* ---- /proc/net/netstat ---- */

int lq_mib_read(const char *name, unsigned long long *val)
{
	static const char blanks[] = " \t\n";
	char names[8192], values[8192], *ns, *vs, *n, *v;
	int ret = -ENOENT;
	FILE *f;

	f = fopen("/proc/net/netstat", "re");
	if (!f)
		return -errno;
	/* pairs of lines: "TcpExt: Name1 Name2 ..." then "TcpExt: 1 2 ..." */
	while (fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
		if (strncmp(names, "TcpExt:", 7) || strncmp(values, "TcpExt:", 7))
			continue;
		n = strtok_r(names + 7, blanks, &ns);
		v = strtok_r(values + 7, blanks, &vs);
		for (; n && v; n = strtok_r(NULL, blanks, &ns), v = strtok_r(NULL, blanks, &vs)) {
			if (!strcmp(n, name)) {
				*val = strtoull(v, NULL, 10);
				ret = 0;
				break;
			}
		}
		break;
	}
	fclose(f);
	return ret;
}

int lq_mib_snapshot(struct lq_mib *m)
{
	const struct {
		const char *name;
		unsigned long long *val;
	} fields[] = {
		{ "ListenOverflows", &m->listen_overflows },
		{ "ListenDrops", &m->listen_drops },
		{ "TCPReqQFullDrop", &m->reqq_full_drop },
		{ "TCPReqQFullDoCookies", &m->reqq_full_do_cookies },
		{ "SyncookiesSent", &m->syncookies_sent },
	};
	int ret;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		ret = lq_mib_read(fields[i].name, fields[i].val);
		if (ret)
			return ret;
	}
	return 0;
}

void lq_mib_delta(const struct lq_mib *before, const struct lq_mib *after, struct lq_mib *d)
{
	d->listen_overflows = after->listen_overflows - before->listen_overflows;
	d->listen_drops = after->listen_drops - before->listen_drops;
	d->reqq_full_drop = after->reqq_full_drop - before->reqq_full_drop;
	d->reqq_full_do_cookies = after->reqq_full_do_cookies - before->reqq_full_do_cookies;
	d->syncookies_sent = after->syncookies_sent - before->syncookies_sent;
}

/* ---- time ---- */

long long lq_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int lq_timeout_scale(void)
{
	const char *env = getenv("LQ_TIMEOUT_SCALE");
	int scale = env ? atoi(env) : 1;

	return scale > 0 ? scale : 1;
}

bool lq_wait_until(bool (*cond)(void *arg), void *arg, int timeout_ms)
{
	long long deadline = lq_now_ms() + (long long)timeout_ms * lq_timeout_scale();
	struct timespec pause = { 0, 2 * 1000 * 1000 };

	while (!cond(arg)) {
		if (lq_now_ms() >= deadline)
			return cond(arg);
		nanosleep(&pause, NULL);
	}
	return true;
}
