// SPDX-License-Identifier: GPL-2.0
/*
 * Addresses and ports: as /proc/listenq prints a listener's (0.0.0.0:80,
 * [::1]:80) and as the filter and --addr take them.
 */
#include <arpa/inet.h>
#include <string.h>

#include "filter.h"
#include "util.h"

int lq_parse_port(const char *s, unsigned int *port)
{
	long long v;

	if (!lq_parse_ll(s, &v) || v < 0 || v > 65535)
		return -1;
	*port = (unsigned int)v;
	return 0;
}

/* An address alone: 127.0.0.1, ::1, [::1]; "*" matches any. */
int lq_parse_addr(const char *s, struct lq_addr *a)
{
	char buf[INET6_ADDRSTRLEN + 2];
	size_t len = strlen(s);

	memset(a, 0, sizeof(*a));
	if (!strcmp(s, "*"))
		return 0;
	if (len >= sizeof(buf))
		return -1;
	if (s[0] == '[' && len > 2 && s[len - 1] == ']') {
		memcpy(buf, s + 1, len - 2);
		buf[len - 2] = '\0';
	} else {
		memcpy(buf, s, len + 1);
	}
	if (inet_pton(AF_INET, buf, a->a) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, a->a) == 1) {
		static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };

		a->family = AF_INET6;
		/* ::ffff:a.b.c.d is the IPv4 address to anyone reading the table. */
		if (!memcmp(a->a, mapped, sizeof(mapped))) {
			memmove(a->a, a->a + 12, 4);
			memset(a->a + 4, 0, 12);
			a->family = AF_INET;
		}
		return 0;
	}
	return -1;
}

/* ADDR:PORT as the module prints it: 0.0.0.0:80, [::]:80. */
int lq_parse_local(const char *s, struct lq_addr *a, unsigned int *port)
{
	char buf[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(s, ':');
	size_t alen;

	if (!colon || lq_parse_port(colon + 1, port))
		return -1;
	alen = (size_t)(colon - s);
	if (!alen || alen >= sizeof(buf))
		return -1;
	/* An unbracketed IPv6 address would have its last group taken as the port. */
	if (s[0] != '[' && memchr(s, ':', alen))
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	return lq_parse_addr(buf, a);
}

