/* SPDX-License-Identifier: GPL-2.0 */
/* What listenq says of its own use: --help, and the usage errors (usage.c). */
#ifndef _LISTENQ_USAGE_H
#define _LISTENQ_USAGE_H

/* The command a run is: the table (and its outputs), predict or explain. */
enum lq_cmd { CMD_SHOW, CMD_PREDICT, CMD_EXPLAIN };

/* --help of @cmd on stdout. */
void lq_help(enum lq_cmd cmd);

/* "listenq: " @fmt with @arg, and the usage, on stderr; LQ_EXIT_USAGE. */
int lq_usage_error(const char *fmt, const char *arg);

#endif /* _LISTENQ_USAGE_H */
