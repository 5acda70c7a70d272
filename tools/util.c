// SPDX-License-Identifier: GPL-2.0
/*
 * The helpers of util.h. A leaf: nothing here calls the command's other
 * files, so that every one of them may call it without a circle.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

void lq_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("listenq: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool lq_parse_ll(const char *s, long long *v)
{
	char *end;

	if (!*s || (*s != '-' && (*s < '0' || *s > '9')))
		return false;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return !errno && !*end;
}
