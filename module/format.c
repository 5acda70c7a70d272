// SPDX-License-Identifier: GPL-2.0
/*
 * The address column: what vsprintf()'s "%pISpc" prints, without its
 * parsing of a format. The fields' writers are inline, in format.h.
 */
#include <linux/cache.h>
#include <linux/in6.h>
#include <linux/init.h>
#include <linux/socket.h>

#include "listenq.h"
#include "format.h"

const u64 lq_fmt_pow10[20] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
	100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
	10000000000000ULL, 100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL,
};

char lq_fmt_pairs[200] __ro_after_init;

/* Fill lq_fmt_pairs: "00", "01" ... "99". */
void __init lq_fmt_init(void)
{
	int i;

	for (i = 0; i < 100; i++) {
		lq_fmt_pairs[2 * i] = '0' + i / 10;
		lq_fmt_pairs[2 * i + 1] = '0' + i % 10;
	}
}

/* A byte in decimal, as "%u". */
static char *lq_fmt_u8(char *p, unsigned int v)
{
	if (v >= 100) {
		*p++ = '0' + v / 100;
		v %= 100;
		*p++ = '0' + v / 10;
	} else if (v >= 10) {
		*p++ = '0' + v / 10;
	}
	*p++ = '0' + v % 10;
	return p;
}

/* "%pI4": the bytes of @a in decimal, dot-separated. */
static char *lq_fmt_ip4(char *p, const u8 *a)
{
	p = lq_fmt_u8(p, a[0]);
	*p++ = '.';
	p = lq_fmt_u8(p, a[1]);
	*p++ = '.';
	p = lq_fmt_u8(p, a[2]);
	*p++ = '.';
	return lq_fmt_u8(p, a[3]);
}

/* @v in hexadecimal without leading zeros, as "%x". */
static char *lq_fmt_hex16(char *p, unsigned int v)
{
	int shift = 12;

	while (shift && !(v >> shift))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		*p++ = "0123456789abcdef"[(v >> shift) & 0xf];
	return p;
}

/*
 * "%pI6c", as lib/vsprintf.c's ip6_compressed_string() prints it: the
 * first longest run of two or more zero words as "::"; the last 32 bits as
 * an IPv4 address when @a is IPv4-mapped (::ffff:0:0/96) or ISATAP (an
 * interface identifier of 0000:5efe or 0200:5efe).
 */
static char *lq_fmt_ip6c(char *p, const struct in6_addr *a)
{
	bool v4 = (a->s6_addr32[0] | a->s6_addr32[1] |
		   (a->s6_addr32[2] ^ htonl(0x0000ffff))) == 0 ||
		  (a->s6_addr32[2] | htonl(0x02000000)) == htonl(0x02005efe);
	int words = v4 ? 6 : 8, longest = 1, at = -1, i, j;
	bool colon = false;

	for (i = 0; i < words; i++) {
		for (j = i; j < words && !a->s6_addr16[j]; j++)
			;
		if (j - i > longest) {
			longest = j - i;
			at = i;
		}
	}
	for (i = 0; i < words; i++) {
		if (i == at) {
			if (colon || !i)
				*p++ = ':';
			*p++ = ':';
			colon = false;
			i += longest - 1;
			continue;
		}
		if (colon)
			*p++ = ':';
		p = lq_fmt_hex16(p, ntohs(a->s6_addr16[i]));
		colon = true;
	}
	if (v4) {
		if (colon)
			*p++ = ':';
		p = lq_fmt_ip4(p, &a->s6_addr[12]);
	}
	return p;
}

/* "%pISpc": 192.0.2.1:80, [2001:db8::1]:80, [::ffff:192.0.2.1]:80. */
char *lq_fmt_sockaddr(char *p, const union lq_sockaddr *sa)
{
	switch (sa->sa.sa_family) {
	case AF_INET:
		p = lq_fmt_ip4(p, (const u8 *)&sa->v4.sin_addr);
		*p++ = ':';
		return lq_fmt_u64(p, ntohs(sa->v4.sin_port));
	case AF_INET6:
		*p++ = '[';
		p = lq_fmt_ip6c(p, &sa->v6.sin6_addr);
		*p++ = ']';
		*p++ = ':';
		return lq_fmt_u64(p, ntohs(sa->v6.sin6_port));
	}
	memcpy(p, "(einval)", 8);
	return p + 8;
}
