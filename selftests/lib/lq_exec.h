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

/*
 * The listenq command under test: $LISTENQ_BIN, else `listenq` next to
 * this test binary (argv[0]'s directory), else LQ_LISTENQ_DEFAULT (the
 * guest's copy). Found once and kept, so it may be asked again after the
 * caller hid /proc or changed directory.
 */
#define LQ_LISTENQ_DEFAULT	"/selftests/listenq"
#define LQ_LISTENQ_RUN_MS	30000		/* one run; listenq never blocks */
const char *lq_listenq_path(void);
/*
 * Run it with the arguments that follow uid, up to a NULL (at most 30), as
 * lq_exec_run() with LQ_LISTENQ_RUN_MS: r->status.
 */
int lq_listenq(struct lq_exec *r, int uid, ...) __attribute__((sentinel));

#endif /* LQ_EXEC_H */
