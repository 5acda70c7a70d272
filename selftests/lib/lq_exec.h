/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running a command from a test and keeping what it printed: its stdout and
 * stderr apart, its exit status, optionally as another user. For the tests
 * that run the listenq command itself.
 */
#ifndef LQ_EXEC_H
#define LQ_EXEC_H

#include <stddef.h>
#include <sys/types.h>

#define LQ_EXEC_OUT_MAX		(1024 * 1024)

struct lq_exec {
	int status;		/* exit code, 128 + signal, or -errno if it did not run */
	char *out;		/* stdout, NUL terminated (malloc()ed, never NULL after a run) */
	char *err;		/* stderr, the same */
	size_t out_len, err_len;
};

/*
 * Run argv[0] with argv (NULL-terminated), killed after timeout_ms. With
 * uid >= 0 the child drops to uid/gid (no supplementary groups) first.
 * Returns r->status; free the buffers with lq_exec_free().
 */
int lq_exec_run(struct lq_exec *r, char *const argv[], int uid, int timeout_ms);
void lq_exec_free(struct lq_exec *r);
/* argv as one line, words separated by one space, into buf */
void lq_exec_line(char *const argv[], char *buf, size_t len);

#endif /* LQ_EXEC_H */
