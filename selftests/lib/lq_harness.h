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
 *   kselftest's runner expects; the harness itself exits 0 then;
 * - each test that returned says how long it took ("# NAME took N ms");
 * - what a test leaves running is killed before the next test starts, and
 *   when the binary ends: the harness kills a test's process group only
 *   when it times out. The harness runs each test in a process group of
 *   its own; every test's fn is wrapped to note its group and kill those
 *   of the runs before it.
 *
 * The wrapping goes through __fixture_list, each fixture's tests and their
 * fn and timeout, which every harness from 5.10 to 7.3 has.
 */
#ifndef LQ_HARNESS_H
#define LQ_HARNESS_H

#include <time.h>

#define TH_LOG_STREAM stdout
#include <kselftest_harness.h>

#include "netutil.h"		/* lq_timeout_scale() */

#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 120	/* seconds, per test */

typedef void (*lq_test_fn)(struct __test_metadata *, struct __fixture_variant_metadata *);

static pid_t lq_harness_pid;
static struct __test_metadata **lq_tests;	/* every test, and its own fn, */
static lq_test_fn *lq_fns;			/* which lq_run_test() calls */
static int lq_ntests, lq_nruns;
static pid_t *lq_groups;	/* shared: the process group of each test run so far */

/* Kill what the test runs before this one left behind: their process groups. */
static void lq_kill_leftovers(void)
{
	int i;

	for (i = 0; i < lq_nruns && lq_groups[i]; i++)
		if (lq_groups[i] > 0 && lq_groups[i] != getpgrp() && kill(-lq_groups[i], SIGKILL))
			lq_groups[i] = -1;	/* nothing left in it */
}

/*
 * Each test's fn: runs in the test's process, a process group leader.
 * Where a lane's time goes: a diagnostic line, for a test that returned.
 */
static void lq_run_test(struct __test_metadata *t, struct __fixture_variant_metadata *v)
{
	struct timespec t0, t1;
	int i;

	lq_kill_leftovers();
	for (i = 0; i < lq_nruns && lq_groups[i]; i++)
		;
	if (i < lq_nruns)
		lq_groups[i] = getpgrp();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < lq_ntests; i++)
		if (lq_tests[i] == t)
			lq_fns[i](t, v);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# %s%s%s.%s took %lld ms\n", t->fixture->name, v->name[0] ? "." : "", v->name,
	       t->name, (t1.tv_sec - t0.tv_sec) * 1000LL + (t1.tv_nsec - t0.tv_nsec) / 1000000);
}

static void lq_harness_exit(void)
{
	if (getpid() != lq_harness_pid)
		return;
	lq_kill_leftovers();
	if (ksft_get_pass_cnt() || ksft_get_fail_cnt() || !ksft_get_xskip_cnt())
		return;
	fflush(NULL);
	_exit(KSFT_SKIP);
}

/* What TEST_HARNESS_MAIN's main() runs: the tests set up, then the harness. */
static inline int lq_harness_run(int argc, char **argv)
{
	struct __fixture_variant_metadata *v;
	struct __fixture_metadata *f;
	struct __test_metadata *t;
	int nvariants;

	for (f = __fixture_list; f; f = f->next) {
		for (nvariants = 1, v = f->variant; v && v->next; v = v->next)
			nvariants++;
		for (t = f->tests; t; t = t->next) {
			lq_ntests++;
			lq_nruns += nvariants;
		}
	}
	lq_tests = calloc(lq_ntests, sizeof(*lq_tests));
	lq_fns = calloc(lq_ntests, sizeof(*lq_fns));
	lq_groups = mmap(NULL, lq_nruns * sizeof(*lq_groups) + 1, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!lq_tests || !lq_fns || lq_groups == MAP_FAILED)
		ksft_exit_fail_msg("no memory for %d tests\n", lq_ntests);
	lq_ntests = 0;
	for (f = __fixture_list; f; f = f->next) {
		for (t = f->tests; t; t = t->next) {
			t->timeout *= lq_timeout_scale();
			lq_tests[lq_ntests] = t;
			lq_fns[lq_ntests++] = t->fn;
			t->fn = lq_run_test;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	lq_harness_pid = getpid();
	atexit(lq_harness_exit);
	return (test_harness_run)(argc, argv);
}

#define test_harness_run(argc, argv) lq_harness_run(argc, argv)

#endif /* LQ_HARNESS_H */
