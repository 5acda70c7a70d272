// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the module's field writers (module/format.h) and of its
 * IPv4 address text (module/format.c): the text each gives must be what
 * printf() gives for the format the module printed with before it had
 * them ("%*llu", "%*lld", "%*s", "%-*s", "%pI4"), byte for byte, for
 * values of every length, at and past each width. Built with the shims in
 * kshim/ for the few kernel headers they include.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include <linux/socket.h>
#include <linux/in6.h>

/* module/listenq.h's address type; the rest of that header is not needed. */
#define _LQ_LISTENQ_H
union lq_sockaddr {
	struct sockaddr sa;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

#include "../../module/format.h"
#include "../../module/format.c"

#include "check.h"

/* The writer's text, @got to @end, against printf()'s @want. */
static void check(const char *buf, const char *end, const char *want, const char *what)
{
	size_t n = end - buf;

	if (n == strlen(want) && !memcmp(buf, want, n)) {
		passed++;
		return;
	}
	lq_fail();
	printf("%s: got \"%.*s\", want \"%s\"\n", what, (int)n, buf, want);
}

/* Values of every length: 0, each power of ten and the one below it, the top. */
static unsigned int values(unsigned long long *v)
{
	unsigned long long p = 1;
	unsigned int n = 0, i;

	v[n++] = 0;
	for (i = 0; i < 20; i++, p *= 10) {
		v[n++] = p;
		v[n++] = p - 1 + !p;
		v[n++] = p + 7 * (p / 10);
	}
	v[n++] = ~0ULL;
	v[n++] = ~0ULL - 1;
	v[n++] = 1ULL << 63;
	v[n++] = 4026531993ULL;	/* an ns inode: 10 digits in a 10-wide column */
	return n;
}

static void test_numbers(void)
{
	unsigned long long v[80];
	unsigned int n = values(v), i;
	char buf[128], want[64], what[64];
	int w;

	for (i = 0; i < n; i++) {
		for (w = 1; w <= 20; w++) {
			snprintf(want, sizeof(want), "%*llu", w, v[i]);
			snprintf(what, sizeof(what), "%%%dllu of %llu", w, v[i]);
			memset(buf, 'x', sizeof(buf));
			check(buf, lq_fmt_num(buf, v[i], w), want, what);
			if (v[i] > 0 && v[i] <= 1ULL << 63) {
				snprintf(want, sizeof(want), "%*lld", w, (long long)-v[i]);
				snprintf(what, sizeof(what), "%%%dlld of -%llu", w, v[i]);
				check(buf, lq_fmt_neg(buf, v[i], w), want, what);
			}
		}
		snprintf(want, sizeof(want), "%llu", v[i]);
		check(buf, lq_fmt_u64(buf, v[i]), want, "%llu");
	}
}

static void test_strings(void)
{
	static const char *const s[] = {
		"-", "drop", "cookie", "cookie_all", "local", "synack_retrans",
		"exactly-twenty-three-c", "twenty-four-characters!!",
	};
	char buf[128], want[64], what[64];
	unsigned int i;
	int w;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		for (w = -LQ_FMT_FIELD; w <= LQ_FMT_FIELD; w++) {
			snprintf(want, sizeof(want), "%*s", w, s[i]);
			snprintf(what, sizeof(what), "%%%ds of \"%s\"", w, s[i]);
			memset(buf, 'x', sizeof(buf));
			check(buf, lq_fmt_str(buf, s[i], strlen(s[i]), w), want, what);
		}
	}
}

/* Every byte value in every place of the address, and the ports' lengths. */
static void test_ipv4(void)
{
	static const unsigned short ports[] = { 0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 65535 };
	union lq_sockaddr sa = { .v4 = { .sin_family = AF_INET } };
	char buf[128], want[64], a[INET_ADDRSTRLEN];
	unsigned int i, b;

	for (b = 0; b < 256; b++) {
		for (i = 0; i < 4; i++) {
			unsigned char *q = (unsigned char *)&sa.v4.sin_addr;

			memset(q, (b * 7 + 3) & 0xff, 4);
			q[i] = b;
			sa.v4.sin_port = htons(ports[(b + i) % (sizeof(ports) / sizeof(ports[0]))]);
			inet_ntop(AF_INET, q, a, sizeof(a));
			snprintf(want, sizeof(want), "%s:%u", a, ntohs(sa.v4.sin_port));
			memset(buf, 'x', sizeof(buf));
			check(buf, lq_fmt_sockaddr(buf, &sa), want, "%pISpc of an IPv4 address");
		}
	}
}

int main(void)
{
	lq_fmt_init();
	test_numbers();
	test_strings();
	test_ipv4();
	return lq_finish();
}
