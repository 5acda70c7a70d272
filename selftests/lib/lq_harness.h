/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's own kselftest_harness.h, from the tree of the kernel the
 * tests run on (selftests/Makefile's KSRC), with the listenq tests'
 * settings:
 *
 * - diagnostics go to stdout, line-buffered, so that they keep their
 *   place among the KTAP lines through a pipe and a fork();
 * - a test's limit is 120 s unless it says otherwise (TEST_F_TIMEOUT), a
 *   hang detector, multiplied by LQ_TIMEOUT_SCALE (slow debug kernels);
 * - a binary whose every test was skipped exits with KSFT_SKIP (4), as
 *   kselftest's runner expects; the harness itself exits 0 then.
 */
#ifndef LQ_HARNESS_H
#define LQ_HARNESS_H

#define TH_LOG_STREAM stdout

#include <kselftest_harness.h>

#include "netutil.h"		/* lq_timeout_scale() */

#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 120	/* seconds, per test */

static pid_t lq_harness_pid;

static void lq_harness_exit(void)
{
	if (getpid() != lq_harness_pid || ksft_get_pass_cnt() || ksft_get_fail_cnt() ||
	    !ksft_get_xskip_cnt())
		return;
	fflush(NULL);
	_exit(KSFT_SKIP);
}

/* What TEST_HARNESS_MAIN's main() runs: the limits scaled, then the harness. */
static inline int lq_harness_run(int argc, char **argv)
{
	struct __fixture_metadata *f;
	struct __test_metadata *t;

	for (f = __fixture_list; f; f = f->next)
		for (t = f->tests; t; t = t->next)
			t->timeout *= lq_timeout_scale();
	setvbuf(stdout, NULL, _IOLBF, 0);
	lq_harness_pid = getpid();
	atexit(lq_harness_exit);
	return (test_harness_run)(argc, argv);
}

#define test_harness_run(argc, argv) lq_harness_run(argc, argv)

#endif /* LQ_HARNESS_H */
