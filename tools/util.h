/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The helpers every file of the listenq command uses: its exit codes, its
 * error messages and its one number parser. A leaf: util.c calls nothing
 * of the command's other files.
 */
#ifndef _LISTENQ_UTIL_H
#define _LISTENQ_UTIL_H

#include <stdbool.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#ifndef LISTENQ_VERSION
#define LISTENQ_VERSION "unknown"
#endif

/* Exit codes, also listed in listenq.8. */
#define LQ_EXIT_OK	0
#define LQ_EXIT_ERR	1	/* no module, unreadable or foreign format, bad rows */
#define LQ_EXIT_USAGE	2

#define LQ_PATH_LEN	4096

/* "listenq: " and the message on stderr, after what stdout holds so far. */
void lq_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A whole decimal integer, optionally negative; nothing else. */
bool lq_parse_ll(const char *s, long long *v);

#endif /* _LISTENQ_UTIL_H */
