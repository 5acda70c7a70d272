/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Network helpers for the listenq selftests: namespaces, routes, sysctls,
 * sockets, raw SYNs, and the kernel's own views (/proc/net/tcp{,6},
 * /proc/net/netstat) that the tests use as ground truth.
 *
 * Functions return 0 (or a count/fd) on success and -errno on failure; they
 * never abort, so each test decides what is fatal.
 */
#ifndef LQ_NETUTIL_H
#define LQ_NETUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Sources of raw SYNs: RFC 2544 benchmarking ranges, routed to lo. */
#define LQ_SYN_NET4		"198.18.0.0"
#define LQ_SYN_PREFIX4		15
#define LQ_SYN_NET6		"2001:2::"
#define LQ_SYN_PREFIX6		48

/* /proc/net/tcp "st" values (include/net/tcp_states.h) */
#define LQ_TCP_ESTABLISHED	0x01
#define LQ_TCP_SYN_SENT		0x02
#define LQ_TCP_SYN_RECV		0x03
#define LQ_TCP_LISTEN		0x0A

/* Namespaces and routes */
int lq_netns_enter(void);			/* unshare(CLONE_NEWNET), lo up */
int lq_link_up(const char *ifname);
int lq_route_add(int family, const char *prefix, int plen, const char *ifname);
unsigned long long lq_netns_ino(void);		/* st_ino of /proc/self/ns/net */

/* write(2) len bytes of val, or the string val, to the file at path, whole: 0 or -errno */
int lq_write_buf(const char *path, const void *val, size_t len);
int lq_write_str(const char *path, const char *val);

/* sysctls, name relative to /proc/sys, e.g. "net/ipv4/tcp_syncookies" */
int lq_sysctl_write(const char *name, long long val);
int lq_sysctl_read(const char *name, long long *val);

/* Sockets. addr is a numeric string; family AF_INET or AF_INET6. */
#define LQ_REUSEPORT	0x1		/* set SO_REUSEPORT before bind */
#define LQ_NONBLOCK	0x2		/* O_NONBLOCK on the socket */
#define LQ_V6ONLY	0x4		/* IPV6_V6ONLY=1 (default is 0) */
int lq_tcp_socket(int family, const char *addr, uint16_t port, int flags);
int lq_tcp_listener(int family, const char *addr, uint16_t port, int backlog, int flags);
int lq_local_port(int fd);			/* port, or -errno */
unsigned long long lq_sock_ino(int fd);		/* st_ino of the socket, 0 on error */
int lq_connect_nb(int family, const char *addr, uint16_t port);	/* nonblocking connect */
int lq_tcp_state(int fd);			/* tcpi_state of fd, or -errno */
/* TCP_INFO of a listener: tcpi_unacked = sk_ack_backlog, tcpi_sacked = sk_max_ack_backlog */
int lq_listener_info(int fd, unsigned int *ack_backlog, unsigned int *max_ack_backlog);
int lq_accept_all(int lfd);			/* nonblocking accept()s until EAGAIN, closes them */
int lq_set_nonblock(int fd);

/* Raw SYNs to dst:dport from distinct sources in LQ_SYN_NET4/6 (index first..first+n-1). */
int lq_raw_socket(int family);
/* RFC 1071: add @len bytes to a running sum; fold it to a checksum (network order). */
uint32_t lq_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t lq_csum_fold(uint32_t sum);
int lq_send_syns(int rawfd, int family, const char *dst, uint16_t dport, int first, int n);
/* The same SYNs carrying dlen bytes of data (a TCP Fast Open attempt without cookie). */
#define LQ_SYN_DATA_MAX	64
int lq_send_syns_data(int rawfd, int family, const char *dst, uint16_t dport, int first, int n,
		      const void *data, size_t dlen);

/* /proc/net/tcp and /proc/net/tcp6 */
struct lq_tcp_row {
	char laddr[33];			/* hex, as the kernel prints it */
	uint16_t lport;
	uint16_t rport;
	int state;
	unsigned int tx_queue, rx_queue;
	unsigned int retrnsmt;		/* SYN_RECV rows: the request's num_timeout */
	unsigned int uid;
	unsigned long long inode;
};
int lq_tcp_rows(int family, struct lq_tcp_row **rows);	/* count, caller frees */
/*
 * visit(row, ctx) for each row of one read of the family's table, in order:
 * the number of rows, or the read's -errno (then no row was visited).
 */
int lq_tcp_each(int family, void (*visit)(const struct lq_tcp_row *row, void *ctx), void *ctx);
int lq_tcp_count(int family, uint16_t lport, int state);
/* SYN_RECV rows of lport whose SYN-ACK has not timed out yet (retrnsmt == 0) */
int lq_tcp_count_young(int family, uint16_t lport);
/*
 * SYN_RECV rows of lport: their count, and in *timeouts the sum of their
 * retrnsmt, each request's num_timeout. Without TCP_DEFER_ACCEPT that is
 * how many times its timer sent the SYN-ACK again (reqsk_timer_handler()
 * counts a timeout once inet_rtx_syn_ack() succeeded, and drops the
 * request when it failed).
 */
int lq_tcp_syn_recv(int family, uint16_t lport, unsigned long long *timeouts);
int lq_tcp_find_inode(int family, unsigned long long inode, struct lq_tcp_row *out);

/* TcpExt counters of /proc/net/netstat */
int lq_mib_read(const char *name, unsigned long long *val);

/* A snapshot of the TcpExt counters the tests diff. */
struct lq_mib {
	unsigned long long listen_overflows, listen_drops;
	unsigned long long reqq_full_drop, reqq_full_do_cookies;
	unsigned long long syncookies_sent;
};
int lq_mib_snapshot(struct lq_mib *m);
void lq_mib_delta(const struct lq_mib *before, const struct lq_mib *after, struct lq_mib *d);

/* Time and polling */
long long lq_now_ms(void);
/*
 * LQ_TIMEOUT_SCALE from the environment, a positive integer, else 1: it
 * multiplies every timeout, the harness's per test and lq_wait_until()'s
 * (slow debug kernels).
 */
int lq_timeout_scale(void);
/*
 * Poll cond(arg) every few ms until it is true or timeout_ms passes; returns
 * the last result. The timeout is a hang detector: lq_timeout_scale()
 * multiplies it.
 */
bool lq_wait_until(bool (*cond)(void *arg), void *arg, int timeout_ms);

#endif /* LQ_NETUTIL_H */
