/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the tests redirect: the files under /proc and /run (LQ_TEST_ROOT),
 * the effective UID (LQ_TEST_EUID) and one namespace's listenq files
 * (LQ_TEST_PROC, LQ_TEST_HIST, LQ_TEST_SYSCTL). Only a build with
 * -DLQ_TESTING (listenq-test) reads these variables; the released listenq
 * reads the real files and knows none of them.
 */
#ifndef _LISTENQ_TESTENV_H
#define _LISTENQ_TESTENV_H

#include <stdbool.h>
#include <stddef.h>

/* The path of @fmt, under LQ_TEST_ROOT in the tests. */
void lq_path(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Whether listenq runs as root; LQ_TEST_EUID=N in the tests. */
bool lq_is_root(void);

#define LQ_TEST_MAX_FILES	16

/* The files the tests give for one namespace in place of its own. */
struct lq_test_files {
	const char *table[LQ_TEST_MAX_FILES];	/* one per --watch frame; 0: none given */
	unsigned int ntable;
	const char *hist[LQ_TEST_MAX_FILES];	/* as table; 0 with ntable: no listenq_hist */
	unsigned int nhist;
	const char *sysctl;			/* NULL: none given */
	char *lists[2];				/* the copies table and hist point into */
};

/* 0, @tf empty outside the tests; -1: reported. */
int lq_test_files(struct lq_test_files *tf);
void lq_test_files_free(struct lq_test_files *tf);

#endif /* _LISTENQ_TESTENV_H */
