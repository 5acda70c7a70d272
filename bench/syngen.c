// SPDX-License-Identifier: GPL-2.0
/*
 * syngen: a bounded TCP SYN generator for the listenq benchmarks.
 *
 *   syngen -p LO[-HI] -n COUNT -t SECONDS [-d 127.x.y.z] [-r RATE] [-k START] [-b BATCH]
 *
 * Sends at most COUNT SYNs, for at most SECONDS, through a raw socket
 * (IP_HDRINCL) to the destination (127.0.0.1 by default), SYN i to port
 * LO + i % (HI - LO + 1), from spoofed sources in 198.18.0.0/15 (RFC 2544,
 * benchmarking). Source number k = START + i is address 198.18.0.0 +
 * k % 2^17 and port 1024 + (k / 2^17) % 64512, so no two SYNs of a run, or of
 * runs given disjoint START ranges, share a 4-tuple: every SYN reaches the
 * listener and none hits an existing request.
 *
 * Bounded twice over: it refuses a destination outside 127.0.0.0/8 and
 * refuses to run in a network namespace that has any interface other than
 * loopback, so neither the SYNs nor the listeners' SYN-ACKs can leave. The
 * benchmark routes 198.18.0.0/15 to lo, where SYN-ACKs to those addresses
 * loop back and are discarded (no forwarding, no local address).
 *
 * Prints one line: "syngen: sent=N ns=ELAPSED rate=SYN/s".
 * Exit status: 0, or 1 on any error (2 on bad usage).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "netutil.h"

#define SRC_NET		0xc6120000u	/* 198.18.0.0 */
#define SRC_ADDRS	(1u << 17)	/* /15 */
#define SRC_PORT0	1024u
#define SRC_PORTS	64512u
#define MAX_COUNT	100000000ull	/* a hard bound, whatever -n says */
#define MAX_SECONDS	3600.0
#define MAX_BATCH	256

struct syn {
	struct iphdr ip;
	struct tcphdr tcp;
	uint8_t opt[4];			/* MSS */
} __attribute__((packed));

static void usage(void)
{
	fprintf(stderr, "usage: syngen -p LO[-HI] -n COUNT -t SECONDS [-d 127.x.y.z] "
		"[-r RATE] [-k START] [-b BATCH]\n");
	exit(2);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void build_syn(struct syn *s, uint32_t saddr, uint16_t sport,
		      uint32_t daddr, uint16_t dport, uint32_t isn)
{
	struct {
		uint32_t saddr, daddr;
		uint8_t zero, proto;
		uint16_t len;
	} __attribute__((packed)) ph;
	uint32_t sum;

	memset(s, 0, sizeof(*s));
	s->ip.version = 4;
	s->ip.ihl = 5;
	s->ip.ttl = 64;
	s->ip.protocol = IPPROTO_TCP;
	s->ip.tot_len = htons(sizeof(*s));
	s->ip.saddr = saddr;
	s->ip.daddr = daddr;		/* the kernel fills in id and check */
	s->tcp.source = sport;
	s->tcp.dest = dport;
	s->tcp.seq = htonl(isn);
	s->tcp.doff = (sizeof(s->tcp) + sizeof(s->opt)) / 4;
	s->tcp.syn = 1;
	s->tcp.window = htons(64240);
	s->opt[0] = TCPOPT_MAXSEG;
	s->opt[1] = TCPOLEN_MAXSEG;
	s->opt[2] = 1460 >> 8;
	s->opt[3] = 1460 & 0xff;

	ph.saddr = saddr;
	ph.daddr = daddr;
	ph.zero = 0;
	ph.proto = IPPROTO_TCP;
	ph.len = htons(sizeof(s->tcp) + sizeof(s->opt));
	sum = lq_csum_add(0, &ph, sizeof(ph));
	sum = lq_csum_add(sum, &s->tcp, sizeof(s->tcp) + sizeof(s->opt));
	s->tcp.check = lq_csum_fold(sum);
}

/* Nothing may leave: every interface of this namespace must be a loopback. */
static int only_loopback(void)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	int ok = 1;

	if (!ifs) {
		perror("syngen: if_nameindex");
		return 0;
	}
	for (i = ifs; i->if_index; i++) {
		if (strcmp(i->if_name, "lo")) {
			fprintf(stderr, "syngen: refusing to run: interface %s in this "
				"network namespace (run it where only lo exists)\n", i->if_name);
			ok = 0;
		}
	}
	if_freenameindex(ifs);
	return ok;
}

int main(int argc, char **argv)
{
	static struct syn pkts[MAX_BATCH];
	static struct mmsghdr msgs[MAX_BATCH];
	static struct iovec iov[MAX_BATCH];
	unsigned long lo = 0, hi = 0, batch = 32;
	unsigned long long count = 0, start = 0, sent = 0;
	double seconds = 0, rate = 0;
	struct sockaddr_in dst = { .sin_family = AF_INET };
	const char *daddr = "127.0.0.1";
	uint64_t t0, deadline, elapsed;
	char *end;
	int c, fd, one = 1;

	while ((c = getopt(argc, argv, "p:n:t:d:r:k:b:")) != -1) {
		switch (c) {
		case 'p':
			lo = hi = strtoul(optarg, &end, 10);
			if (*end == '-')
				hi = strtoul(end + 1, &end, 10);
			if (*end || !lo || hi < lo || hi > 65535)
				usage();
			break;
		case 'n': count = strtoull(optarg, NULL, 10); break;
		case 't': seconds = strtod(optarg, NULL); break;
		case 'd': daddr = optarg; break;
		case 'r': rate = strtod(optarg, NULL); break;
		case 'k': start = strtoull(optarg, NULL, 10); break;
		case 'b': batch = strtoul(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (!lo || !count || count > MAX_COUNT || seconds <= 0 || seconds > MAX_SECONDS ||
	    rate < 0 || !batch || batch > MAX_BATCH || optind != argc)
		usage();
	if (inet_pton(AF_INET, daddr, &dst.sin_addr) != 1 ||
	    (ntohl(dst.sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "syngen: destination %s is not in 127.0.0.0/8\n", daddr);
		return 2;
	}
	if (!only_loopback())
		return 1;

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one))) {
		perror("syngen: raw socket");
		return 1;
	}
	for (c = 0; c < MAX_BATCH; c++) {
		iov[c].iov_base = &pkts[c];
		iov[c].iov_len = sizeof(pkts[c]);
		msgs[c].msg_hdr.msg_iov = &iov[c];
		msgs[c].msg_hdr.msg_iovlen = 1;
		msgs[c].msg_hdr.msg_name = &dst;
		msgs[c].msg_hdr.msg_namelen = sizeof(dst);
	}

	t0 = now_ns();
	deadline = t0 + (uint64_t)(seconds * 1e9);
	while (sent < count) {
		unsigned long n = count - sent < batch ? count - sent : batch, i;
		uint64_t now = now_ns();
		int r;

		if (now >= deadline)
			break;
		if (rate > 0 && sent > (now - t0) * rate / 1e9) {
			struct timespec ts = { 0, 100000 };

			nanosleep(&ts, NULL);
			continue;
		}
		for (i = 0; i < n; i++) {
			unsigned long long k = start + sent + i;

			build_syn(&pkts[i], htonl(SRC_NET + k % SRC_ADDRS),
				  htons(SRC_PORT0 + (k / SRC_ADDRS) % SRC_PORTS),
				  dst.sin_addr.s_addr, htons(lo + (sent + i) % (hi - lo + 1)),
				  (uint32_t)(k * 2654435761u));
		}
		r = sendmmsg(fd, msgs, n, 0);
		if (r < 0) {
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			perror("syngen: sendmmsg");
			return 1;
		}
		sent += r;
	}
	elapsed = now_ns() - t0;
	printf("syngen: sent=%llu ns=%llu rate=%.0f\n", sent, (unsigned long long)elapsed,
	       elapsed ? sent * 1e9 / elapsed : 0.0);
	return 0;
}
