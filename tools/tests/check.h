/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CLI's C unit tests (model_test.c, format_test.c): a passed check is
 * counted, a failed one printed as "not ok N - " and its reason, and the
 * last line, "N passed, N failed", is what run.sh adds up.
 */
#ifndef LQ_TESTS_CHECK_H
#define LQ_TESTS_CHECK_H

#include <stdio.h>

static unsigned int passed, failed;

/* A failed check: counts it and starts its line; the caller ends it. */
static inline void lq_fail(void)
{
	failed++;
	printf("not ok %u - ", passed + failed);
}

/* main()'s end: the summary line, and the exit status. */
static inline int lq_finish(void)
{
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}

#endif /* LQ_TESTS_CHECK_H */
