// SPDX-License-Identifier: GPL-2.0
/*
 * The switches of testenv.h. Every LQ_TEST_* variable listenq knows is
 * read here and only with -DLQ_TESTING: the tests' listenq-test is built
 * with it, the released listenq without, so that no environment variable
 * can make the released binary fake root or read other files.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testenv.h"
#include "util.h"

#ifdef LQ_TESTING
static const char *lq_test_root(void)
{
	const char *root = getenv("LQ_TEST_ROOT");

	return root ? root : "";
}
#else
static const char *lq_test_root(void)
{
	return "";
}
#endif

void lq_path(char *buf, size_t len, const char *fmt, ...)
{
	char tail[LQ_PATH_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tail, sizeof(tail), fmt, ap);
	va_end(ap);
	snprintf(buf, len, "%s%s", lq_test_root(), tail);
}

/* -A reads every process's /proc/PID and enters namespaces: root's. */
bool lq_is_root(void)
{
#ifdef LQ_TESTING
	const char *test = getenv("LQ_TEST_EUID");
	long long v;

	if (test && *test && lq_parse_ll(test, &v))
		return v == 0;
#endif
	return geteuid() == 0;
}

#ifdef LQ_TESTING
/* FILE[:FILE...] of @var into @paths, a copy of it in *@copy. */
static int lq_test_list(const char *var, char **copy, const char **paths, unsigned int *n)
{
	const char *val = getenv(var);
	char *save, *tok;

	if (!val || !*val)
		return 0;
	*copy = strdup(val);
	if (!*copy)
		return -1;
	for (tok = strtok_r(*copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		if (*n == LQ_TEST_MAX_FILES) {
			lq_err("%s: more than %u files", var, LQ_TEST_MAX_FILES);
			return -1;
		}
		paths[(*n)++] = tok;
	}
	return 0;
}

/*
 * LQ_TEST_PROC=FILE[:FILE...] reads FILE instead of the namespace's
 * /proc/listenq, one FILE per --watch frame (the last one then repeats),
 * LQ_TEST_HIST=FILE[:FILE...] its listenq_hist in the same way (none when
 * unset: the samples never meet the host's module), and
 * LQ_TEST_SYSCTL=FILE its listenq_sysctl.
 */
int lq_test_files(struct lq_test_files *tf)
{
	const char *sysctl = getenv("LQ_TEST_SYSCTL");

	memset(tf, 0, sizeof(*tf));
	if (sysctl && *sysctl)
		tf->sysctl = sysctl;
	if (lq_test_list("LQ_TEST_PROC", &tf->lists[0], tf->table, &tf->ntable))
		return -1;
	if (tf->ntable && lq_test_list("LQ_TEST_HIST", &tf->lists[1], tf->hist, &tf->nhist))
		return -1;
	return 0;
}
#else
int lq_test_files(struct lq_test_files *tf)
{
	memset(tf, 0, sizeof(*tf));
	return 0;
}
#endif

void lq_test_files_free(struct lq_test_files *tf)
{
	free(tf->lists[0]);
	free(tf->lists[1]);
}
