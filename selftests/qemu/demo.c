// SPDX-License-Identifier: GPL-2.0
/*
 * make demo: flood a listener until its SYN and accept queues are full and
 * show /proc/listenq while it happens. Runs as root in the QEMU guest.
 *
 * Everything happens in a fresh netns with lo up and 198.18.0.0/15 routed
 * to lo: the SYN-ACKs to the fake clients need a route, otherwise the
 * request is freed at once and never sits in the SYN queue.
 *
 * The raw SYNs go first. Once the SYN queue is full (qlen > backlog) new SYNs
 * get syncookies, so the 20 real clients still complete their handshakes and
 * fill the accept queue (backlog + 1 children); after that every client SYN
 * is dropped and retransmitted. Filling the accept queue first would make
 * the listener drop the raw SYNs too.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define PORT		8080
#define BACKLOG		8
#define RAW_SYNS	12	/* more than the SYN queue takes (BACKLOG + 1) */
#define CLIENTS		20
#define SNAPSHOTS	4

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void cat(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		printf("%s: %s\n", path, strerror(errno));
		return;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, stdout);
	close(fd);
	fflush(stdout);
}

/* unshare + `ip link set lo up` + `ip route add 198.18.0.0/15 dev lo` */
static void setup_netns(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	struct rtentry rt = { .rt_flags = RTF_UP, .rt_dev = "lo" };
	struct sockaddr_in *sin;
	int fd;

	if (unshare(CLONE_NEWNET))
		die("unshare(CLONE_NEWNET)");
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr))
		die("SIOCGIFFLAGS lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr))
		die("SIOCSIFFLAGS lo");
	sin = (struct sockaddr_in *)&rt.rt_dst;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = inet_addr("198.18.0.0");
	sin = (struct sockaddr_in *)&rt.rt_genmask;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = inet_addr("255.254.0.0");
	if (ioctl(fd, SIOCADDRT, &rt))
		die("SIOCADDRT 198.18.0.0/15 dev lo");
	close(fd);
}

/* RFC 1071 checksum of big-endian 16-bit words, returned in network order. */
static unsigned short csum(const unsigned char *p, size_t len)
{
	unsigned int sum = 0;
	size_t k;

	for (k = 0; k + 1 < len; k += 2)
		sum += p[k] << 8 | p[k + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

/* One SYN from 198.18.0.<i + 1>:<40000 + i>; nobody will ever answer it. */
static void send_raw_syn(int fd, int i)
{
	struct { struct iphdr ip; struct tcphdr tcp; } pkt = { 0 };
	unsigned char buf[12 + sizeof(struct tcphdr)] = { 0 };
	struct sockaddr_in dst = { .sin_family = AF_INET };

	pkt.ip.version = 4;
	pkt.ip.ihl = 5;
	pkt.ip.ttl = 64;
	pkt.ip.protocol = IPPROTO_TCP;
	pkt.ip.tot_len = htons(sizeof(pkt));
	pkt.ip.saddr = htonl(0xc6120001 + i);	/* 198.18.0.1 + i */
	pkt.ip.daddr = htonl(INADDR_LOOPBACK);
	pkt.tcp.source = htons(40000 + i);
	pkt.tcp.dest = htons(PORT);
	pkt.tcp.seq = htonl(0x1000000 * (i + 1));
	pkt.tcp.doff = 5;
	pkt.tcp.syn = 1;
	pkt.tcp.window = htons(65535);

	/* TCP checksum over the pseudo header (src, dst, 0, proto, length) + header. */
	memcpy(buf, &pkt.ip.saddr, 8);
	buf[9] = IPPROTO_TCP;
	buf[11] = sizeof(pkt.tcp);
	memcpy(buf + 12, &pkt.tcp, sizeof(pkt.tcp));
	pkt.tcp.check = csum(buf, sizeof(buf));

	dst.sin_addr.s_addr = pkt.ip.daddr;
	if (sendto(fd, &pkt, sizeof(pkt), 0, (struct sockaddr *)&dst, sizeof(dst)) < 0)
		die("sendto raw SYN");
}

/* The TcpExt counters that tell the overflow story, from /proc/net/netstat. */
static void listen_counters(void)
{
	char names[4096], values[4096], *n, *v, *sn, *sv;
	FILE *f = fopen("/proc/net/netstat", "r");

	if (!f)
		return;
	while (fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
		if (strncmp(names, "TcpExt:", 7))
			continue;
		n = strtok_r(names, " \n", &sn);
		v = strtok_r(values, " \n", &sv);
		while ((n = strtok_r(NULL, " \n", &sn)) && (v = strtok_r(NULL, " \n", &sv)))
			if (!strcmp(n, "ListenOverflows") || !strcmp(n, "ListenDrops") ||
			    !strcmp(n, "TCPReqQFullDoCookies") || !strcmp(n, "SyncookiesSent"))
				printf("  %s %s\n", n, v);
	}
	fclose(f);
}

int main(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	int one = 1, lfd, raw, fd, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	setup_netns();
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, BACKLOG))
		die("listen 127.0.0.1:8080");
	printf("\n=== listener 127.0.0.1:%d, backlog %d, in a fresh netns\n", PORT, BACKLOG);
	printf("    watch syn_q and acc_q reach their caps, then drops climb\n");
	cat("/proc/listenq");

	raw = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (raw < 0)
		die("socket(SOCK_RAW)");
	for (i = 0; i < RAW_SYNS; i++)
		send_raw_syn(raw, i);
	printf("\n=== after %d raw SYNs from 198.18.0.1-%d (never answered)\n", RAW_SYNS, RAW_SYNS);
	cat("/proc/listenq");

	for (i = 0; i < CLIENTS; i++) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (fd < 0 || (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) && errno != EINPROGRESS))
			die("connect");
	}
	printf("\n=== after %d client connects, none accepted\n", CLIENTS);
	for (i = 1; i <= SNAPSHOTS; i++) {
		sleep(1);
		printf("\n--- t=%ds: cat /proc/listenq\n", i);
		cat("/proc/listenq");
	}
	printf("\n=== /proc/net/listenq_sysctl (this netns)\n");
	cat("/proc/net/listenq_sysctl");
	printf("\n=== /proc/net/netstat\n");
	listen_counters();
	return 0;
}
