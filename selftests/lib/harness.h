/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small test harness for the listenq selftests.
 *
 * It implements the subset of the kernel's kselftest_harness.h API that the
 * listenq tests use, so a test can move into tools/testing/selftests/ by
 * changing its #include:
 *
 *   TEST, TEST_F, TEST_F_TIMEOUT, FIXTURE, FIXTURE_SETUP, FIXTURE_TEARDOWN,
 *   FIXTURE_VARIANT, FIXTURE_VARIANT_ADD, ASSERT_* / EXPECT_* (EQ NE LT LE
 *   GT GE TRUE FALSE STREQ STRNE), SKIP, TH_LOG, TEST_HARNESS_MAIN.
 *
 * Every test runs in a forked child (its own process group) under a timeout.
 * Fixture setup, the test and the teardown all run in that child, so a test
 * may freely unshare() namespaces or change credentials. Results are KTAP
 * (TAP 13) on stdout; diagnostics are "# " lines on stdout too, so ordering
 * survives a pipe. The exit code is 0 when nothing failed, 1 when something
 * failed, 4 when every test was skipped.
 *
 * EQ/NE/LT/LE/GT/GE compare integers of any width and signedness exactly
 * (through __int128); use ASSERT_TRUE() for pointers.
 *
 * Options: -l lists the tests, -r fixture.variant.test runs only the named
 * test (repeatable). LQ_TIMEOUT_SCALE=<n> in the environment multiplies
 * every test's timeout (slow debug kernels).
 */
#ifndef LQ_HARNESS_H
#define LQ_HARNESS_H

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netutil.h"		/* lq_timeout_scale() */

#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

#ifndef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 120	/* seconds, per test: a hang detector */
#endif
#ifndef TH_LOG_STREAM
#define TH_LOG_STREAM stdout
#endif
#ifndef TH_LOG_ENABLED
#define TH_LOG_ENABLED 1
#endif

/* Written by the test child, read by the parent: lives in a shared mapping. */
struct __test_results {
	int exit_code;
	char reason[256];
};

struct __fixture_variant_metadata {
	const char *name;
	const void *data;
	struct __fixture_variant_metadata *next;
};

struct __test_metadata;

struct __fixture_metadata {
	const char *name;
	bool registered;
	struct __fixture_variant_metadata *variants, **variants_tail;
	struct __test_metadata *tests, **tests_tail;
	struct __fixture_metadata *next;
};

struct __test_metadata {
	const char *name;
	void (*fn)(struct __test_metadata *, struct __fixture_variant_metadata *);
	struct __fixture_metadata *fixture;
	int timeout;
	struct __test_metadata *next;
	/* state of the current run (valid in the child) */
	char full_name[256];
	struct __test_results *results;
	bool setup_completed;
	int trigger;			/* a check failed: run the optional handler */
	jmp_buf env;			/* ASSERT_* jumps back here */
};

static struct __fixture_metadata *__lq_fixtures, **__lq_fixtures_tail = &__lq_fixtures;

/* TEST() tests belong to this fixture, as in kselftest ("global.name"). */
static struct __fixture_metadata _global_fixture __attribute__((unused)) = { .name = "global" };

static inline void __lq_register_fixture(struct __fixture_metadata *f)
{
	if (f->registered)
		return;
	f->registered = true;
	f->variants_tail = &f->variants;
	f->tests_tail = &f->tests;
	*__lq_fixtures_tail = f;
	__lq_fixtures_tail = &f->next;
}

static inline void __lq_register_variant(struct __fixture_metadata *f,
					 struct __fixture_variant_metadata *v)
{
	__lq_register_fixture(f);
	*f->variants_tail = v;
	f->variants_tail = &v->next;
}

static inline void __lq_register_test(struct __test_metadata *t)
{
	__lq_register_fixture(t->fixture);
	*t->fixture->tests_tail = t;
	t->fixture->tests_tail = &t->next;
}

/* ---- logging, failure and skip bookkeeping ---- */

#define TH_LOG(fmt, ...) do {							\
	if (TH_LOG_ENABLED)							\
		fprintf(TH_LOG_STREAM, "# %s:%d:%s:" fmt "\n", __FILE__,	\
			__LINE__, _metadata->full_name, ##__VA_ARGS__);		\
} while (0)

static inline void __lq_mark_failed(struct __test_metadata *m)
{
	m->results->exit_code = KSFT_FAIL;
	m->trigger = 1;
}

static inline void __lq_cmp_failed(struct __test_metadata *m, const char *file, int line,
				   const char *exp_str, const char *op, const char *seen_str,
				   long long exp, bool exp_signed, long long seen, bool seen_signed)
{
	char a[32], b[32];

	if (exp_signed)
		snprintf(a, sizeof(a), "%lld", exp);
	else
		snprintf(a, sizeof(a), "%llu", (unsigned long long)exp);
	if (seen_signed)
		snprintf(b, sizeof(b), "%lld", seen);
	else
		snprintf(b, sizeof(b), "%llu", (unsigned long long)seen);
	fprintf(TH_LOG_STREAM, "# %s:%d:%s:Expected %s (%s) %s %s (%s)\n",
		file, line, m->full_name, exp_str, a, op, seen_str, b);
	__lq_mark_failed(m);
}

static inline void __lq_bool_failed(struct __test_metadata *m, const char *file, int line,
				    const char *str, bool want)
{
	fprintf(TH_LOG_STREAM, "# %s:%d:%s:Expected %s to be %s\n", file, line,
		m->full_name, str, want ? "true" : "false");
	__lq_mark_failed(m);
}

static inline void __lq_str_failed(struct __test_metadata *m, const char *file, int line,
				   const char *exp_str, const char *op, const char *seen_str,
				   const char *exp, const char *seen)
{
	fprintf(TH_LOG_STREAM, "# %s:%d:%s:Expected %s (\"%s\") %s %s (\"%s\")\n",
		file, line, m->full_name, exp_str, exp ? exp : "(null)", op, seen_str,
		seen ? seen : "(null)");
	__lq_mark_failed(m);
}

/* Runs after the optional handler statement; an ASSERT ends the test here. */
static inline int __lq_bail(bool is_assert, struct __test_metadata *m)
{
	if (is_assert) {
		/* the teardown's checks must not see this one's failure */
		m->trigger = 0;
		fflush(NULL);
		longjmp(m->env, 1);
	}
	return 0;
}

static inline void __attribute__((format(printf, 2, 3)))
__lq_skip(struct __test_metadata *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->results->reason, sizeof(m->results->reason), fmt, ap);
	va_end(ap);
	if (TH_LOG_ENABLED)
		fprintf(TH_LOG_STREAM, "#      SKIP      %s\n", m->results->reason);
	/* a failure already recorded stays a failure */
	if (m->results->exit_code == KSFT_PASS)
		m->results->exit_code = KSFT_SKIP;
	m->trigger = 0;
}

#define SKIP(statement, fmt, ...) do {						\
	__lq_skip(_metadata, fmt, ##__VA_ARGS__);				\
	statement;								\
} while (0)

/*
 * Every check may be followed by one statement (usually TH_LOG(...)) that
 * runs only when the check failed:  ASSERT_EQ(0, ret) TH_LOG("errno %d", errno);
 */
#define __LQ_HANDLER(is_assert)							\
	for (; _metadata->trigger; _metadata->trigger = __lq_bail(is_assert, _metadata))

#define __LQ_SIGNED(x) ((__typeof__(x))-1 < (__typeof__(x))1)

#define __LQ_CMP(expected, seen, op, is_assert) do {				\
	__typeof__(expected) __exp = (expected);				\
	__typeof__(seen) __seen = (seen);					\
	if (!((__int128)__exp op (__int128)__seen))				\
		__lq_cmp_failed(_metadata, __FILE__, __LINE__, #expected, #op,	\
				#seen, (long long)__exp, __LQ_SIGNED(__exp),	\
				(long long)__seen, __LQ_SIGNED(__seen));	\
} while (0); __LQ_HANDLER(is_assert)

#define __LQ_BOOL(cond, want, is_assert) do {					\
	if ((bool)(cond) != (want))						\
		__lq_bool_failed(_metadata, __FILE__, __LINE__, #cond, want);	\
} while (0); __LQ_HANDLER(is_assert)

#define __LQ_STR(expected, seen, want_equal, is_assert) do {			\
	const char *__exp = (expected), *__seen = (seen);			\
	bool __eq = __exp && __seen && !strcmp(__exp, __seen);			\
	if (__eq != (want_equal))						\
		__lq_str_failed(_metadata, __FILE__, __LINE__, #expected,	\
				(want_equal) ? "==" : "!=", #seen, __exp, __seen); \
} while (0); __LQ_HANDLER(is_assert)

#define ASSERT_EQ(expected, seen)	__LQ_CMP(expected, seen, ==, 1)
#define ASSERT_NE(expected, seen)	__LQ_CMP(expected, seen, !=, 1)
#define ASSERT_LT(expected, seen)	__LQ_CMP(expected, seen, <, 1)
#define ASSERT_LE(expected, seen)	__LQ_CMP(expected, seen, <=, 1)
#define ASSERT_GT(expected, seen)	__LQ_CMP(expected, seen, >, 1)
#define ASSERT_GE(expected, seen)	__LQ_CMP(expected, seen, >=, 1)
#define ASSERT_TRUE(cond)		__LQ_BOOL(cond, true, 1)
#define ASSERT_FALSE(cond)		__LQ_BOOL(cond, false, 1)
#define ASSERT_STREQ(expected, seen)	__LQ_STR(expected, seen, true, 1)
#define ASSERT_STRNE(expected, seen)	__LQ_STR(expected, seen, false, 1)

#define EXPECT_EQ(expected, seen)	__LQ_CMP(expected, seen, ==, 0)
#define EXPECT_NE(expected, seen)	__LQ_CMP(expected, seen, !=, 0)
#define EXPECT_LT(expected, seen)	__LQ_CMP(expected, seen, <, 0)
#define EXPECT_LE(expected, seen)	__LQ_CMP(expected, seen, <=, 0)
#define EXPECT_GT(expected, seen)	__LQ_CMP(expected, seen, >, 0)
#define EXPECT_GE(expected, seen)	__LQ_CMP(expected, seen, >=, 0)
#define EXPECT_TRUE(cond)		__LQ_BOOL(cond, true, 0)
#define EXPECT_FALSE(cond)		__LQ_BOOL(cond, false, 0)
#define EXPECT_STREQ(expected, seen)	__LQ_STR(expected, seen, true, 0)
#define EXPECT_STRNE(expected, seen)	__LQ_STR(expected, seen, false, 0)

/* ---- test and fixture declarations ---- */

#define TEST(test_name) __LQ_TEST(test_name, TEST_TIMEOUT_DEFAULT)

#define __LQ_TEST(test_name, tmo)						\
	static void test_name(struct __test_metadata *_metadata);		\
	static void __lq_wrap_##test_name(struct __test_metadata *_metadata,	\
			struct __fixture_variant_metadata *__v)			\
	{									\
		(void)__v;							\
		_metadata->setup_completed = true;				\
		if (setjmp(_metadata->env) == 0)				\
			test_name(_metadata);					\
	}									\
	static struct __test_metadata __lq_test_##test_name = {		\
		.name = #test_name, .fn = __lq_wrap_##test_name,		\
		.fixture = &_global_fixture, .timeout = (tmo),			\
	};									\
	static void __attribute__((constructor)) __lq_reg_##test_name(void)	\
	{									\
		__lq_register_test(&__lq_test_##test_name);			\
	}									\
	static void test_name(struct __test_metadata __attribute__((unused)) *_metadata)

#define FIXTURE_DATA(fixture_name) struct _test_data_##fixture_name
#define FIXTURE_VARIANT(fixture_name) struct _fixture_variant_##fixture_name

#define FIXTURE(fixture_name)							\
	FIXTURE_VARIANT(fixture_name);						\
	static struct __fixture_metadata _##fixture_name##_fixture_object = {	\
		.name = #fixture_name,						\
	};									\
	static void __attribute__((constructor))				\
	__lq_reg_fixture_##fixture_name(void)					\
	{									\
		__lq_register_fixture(&_##fixture_name##_fixture_object);	\
	}									\
	FIXTURE_DATA(fixture_name)

#define FIXTURE_SETUP(fixture_name)						\
	static void fixture_name##_setup(					\
		struct __test_metadata __attribute__((unused)) *_metadata,	\
		FIXTURE_DATA(fixture_name) __attribute__((unused)) *self,	\
		const FIXTURE_VARIANT(fixture_name) __attribute__((unused)) *variant)

#define FIXTURE_TEARDOWN(fixture_name)						\
	static void fixture_name##_teardown(					\
		struct __test_metadata __attribute__((unused)) *_metadata,	\
		FIXTURE_DATA(fixture_name) __attribute__((unused)) *self,	\
		const FIXTURE_VARIANT(fixture_name) __attribute__((unused)) *variant)

#define FIXTURE_VARIANT_ADD(fixture_name, variant_name)			\
	extern const FIXTURE_VARIANT(fixture_name)				\
		_##fixture_name##_##variant_name##_variant;			\
	static struct __fixture_variant_metadata				\
		_##fixture_name##_##variant_name##_object = {			\
		.name = #variant_name,						\
		.data = &_##fixture_name##_##variant_name##_variant,		\
	};									\
	static void __attribute__((constructor))				\
	__lq_reg_##fixture_name##_##variant_name(void)				\
	{									\
		__lq_register_variant(&_##fixture_name##_fixture_object,	\
				      &_##fixture_name##_##variant_name##_object); \
	}									\
	const FIXTURE_VARIANT(fixture_name)					\
		_##fixture_name##_##variant_name##_variant =

#define TEST_F(fixture_name, test_name)						\
	__LQ_TEST_F(fixture_name, test_name, TEST_TIMEOUT_DEFAULT)

#define TEST_F_TIMEOUT(fixture_name, test_name, timeout)			\
	__LQ_TEST_F(fixture_name, test_name, timeout)

/*
 * Setup, test and teardown run in the forked child. self and variant are
 * static so that they survive the longjmp() of a failed ASSERT; each child
 * runs exactly one test, so static storage is private to the test.
 */
#define __LQ_TEST_F(fixture_name, test_name, tmo)				\
	static void fixture_name##_##test_name(					\
		struct __test_metadata *_metadata,				\
		FIXTURE_DATA(fixture_name) *self,				\
		const FIXTURE_VARIANT(fixture_name) *variant);			\
	static void __lq_wrap_##fixture_name##_##test_name(			\
		struct __test_metadata *_metadata,				\
		struct __fixture_variant_metadata *__v)				\
	{									\
		static FIXTURE_DATA(fixture_name) self;				\
		static const FIXTURE_VARIANT(fixture_name) *variant;		\
		variant = __v ? __v->data : NULL;				\
		if (setjmp(_metadata->env) == 0) {				\
			fixture_name##_setup(_metadata, &self, variant);	\
			_metadata->setup_completed = true;			\
			if (_metadata->results->exit_code == KSFT_PASS)		\
				fixture_name##_##test_name(_metadata, &self, variant); \
		}								\
		if (_metadata->setup_completed && setjmp(_metadata->env) == 0)	\
			fixture_name##_teardown(_metadata, &self, variant);	\
	}									\
	static struct __test_metadata __lq_test_##fixture_name##_##test_name = { \
		.name = #test_name,						\
		.fn = __lq_wrap_##fixture_name##_##test_name,			\
		.fixture = &_##fixture_name##_fixture_object,			\
		.timeout = (tmo),						\
	};									\
	static void __attribute__((constructor))				\
	__lq_reg_##fixture_name##_##test_name(void)				\
	{									\
		__lq_register_test(&__lq_test_##fixture_name##_##test_name);	\
	}									\
	static void fixture_name##_##test_name(					\
		struct __test_metadata __attribute__((unused)) *_metadata,	\
		FIXTURE_DATA(fixture_name) __attribute__((unused)) *self,	\
		const FIXTURE_VARIANT(fixture_name) __attribute__((unused)) *variant)

/* ---- the runner ---- */

struct __lq_totals {
	int pass, fail, skip;
};

/* Wait for the test child; false when it outlived its timeout (then it is killed). */
static inline bool __lq_wait(pid_t pid, int timeout_s, int *status)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	bool done = false;

	if (pidfd >= 0) {
		struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
		int ret;

		do {
			ret = poll(&pfd, 1, timeout_s * 1000);
		} while (ret < 0 && errno == EINTR);
		close(pidfd);
		done = ret > 0;
	} else {
		/* pidfd_open needs 5.3; fall back to polling waitpid() */
		for (int ms = 0; ms < timeout_s * 1000; ms += 10) {
			if (waitpid(pid, status, WNOHANG) == pid)
				return true;
			usleep(10 * 1000);
		}
	}
	if (!done) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return done;
}

static inline int __lq_run_one(struct __test_metadata *t, struct __fixture_variant_metadata *v,
			       int num, struct __lq_totals *tot)
{
	int status = 0, code, timeout = t->timeout * lq_timeout_scale();
	struct __test_results *res;
	const char *why = NULL;
	char diag[64] = "";
	struct timespec t0, t1;
	pid_t pid;

	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED) {
		printf("Bail out! mmap: %s\n", strerror(errno));
		exit(KSFT_FAIL);
	}
	memset(res, 0, sizeof(*res));
	t->results = res;
	t->trigger = 0;
	t->setup_completed = false;

	printf("#  RUN           %s ...\n", t->full_name);
	fflush(NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		printf("Bail out! fork: %s\n", strerror(errno));
		exit(KSFT_FAIL);
	}
	if (pid == 0) {
		setpgid(0, 0);
		t->fn(t, v);
		fflush(NULL);
		_exit(res->exit_code);
	}

	if (!__lq_wait(pid, timeout, &status)) {
		snprintf(diag, sizeof(diag), "timed out after %ds", timeout);
		why = diag;
		code = KSFT_FAIL;
	} else if (WIFSIGNALED(status)) {
		snprintf(diag, sizeof(diag), "killed by signal %d", WTERMSIG(status));
		why = diag;
		code = KSFT_FAIL;
	} else {
		code = res->exit_code;
		if (WEXITSTATUS(status) != code) {
			snprintf(diag, sizeof(diag), "exited with %d", WEXITSTATUS(status));
			why = diag;
			code = KSFT_FAIL;
		}
	}
	/* the test's own children must not outlive it */
	kill(-pid, SIGKILL);
	/* where a lane's time goes: a diagnostic line, nothing asserts on it */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# %s took %lld ms\n", t->full_name,
	       (t1.tv_sec - t0.tv_sec) * 1000LL + (t1.tv_nsec - t0.tv_nsec) / 1000000);

	if (why)
		printf("# %s: %s\n", t->full_name, why);
	switch (code) {
	case KSFT_PASS:
		printf("#            OK  %s\nok %d %s\n", t->full_name, num, t->full_name);
		tot->pass++;
		break;
	case KSFT_SKIP:
		printf("#      SKIP      %s\nok %d %s # SKIP %s\n", t->full_name, num,
		       t->full_name, res->reason);
		tot->skip++;
		break;
	default:
		printf("#     FAIL       %s\nnot ok %d %s\n", t->full_name, num, t->full_name);
		tot->fail++;
		break;
	}
	fflush(NULL);
	munmap(res, sizeof(*res));
	return code;
}

static inline void __lq_name(struct __test_metadata *t, struct __fixture_variant_metadata *v)
{
	if (v)
		snprintf(t->full_name, sizeof(t->full_name), "%s.%s.%s", t->fixture->name,
			 v->name, t->name);
	else
		snprintf(t->full_name, sizeof(t->full_name), "%s.%s", t->fixture->name, t->name);
}

static inline bool __lq_selected(const char *name, int nsel, char **sel)
{
	if (!nsel)
		return true;
	for (int i = 0; i < nsel; i++)
		if (!strcmp(name, sel[i]))
			return true;
	return false;
}

struct __lq_runner {
	int nsel;
	char **sel;
	bool list;
	int planned, num;
	struct __lq_totals tot;
};

/* Visit every (test, variant) pair in kselftest order: fixture, variant, test. */
static inline void __lq_for_each_run(struct __lq_runner *r, bool run)
{
	for (struct __fixture_metadata *f = __lq_fixtures; f; f = f->next) {
		/* a fixture without variants runs its tests once, with variant NULL */
		struct __fixture_variant_metadata *v = f->variants;

		do {
			for (struct __test_metadata *t = f->tests; t; t = t->next) {
				__lq_name(t, v);
				if (r->list)
					printf("%s\n", t->full_name);
				else if (!__lq_selected(t->full_name, r->nsel, r->sel))
					continue;
				else if (run)
					__lq_run_one(t, v, ++r->num, &r->tot);
				else
					r->planned++;
			}
			v = v ? v->next : NULL;
		} while (v);
	}
}

static inline int test_harness_run(int argc, char **argv)
{
	struct __lq_runner r = { .sel = calloc(argc, sizeof(char *)) };
	int opt;

	while ((opt = getopt(argc, argv, "lr:h")) != -1) {
		switch (opt) {
		case 'l':
			r.list = true;
			break;
		case 'r':
			r.sel[r.nsel++] = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-l] [-r fixture.variant.test]...\n", argv[0]);
			return opt == 'h' ? KSFT_PASS : KSFT_FAIL;
		}
	}

	__lq_for_each_run(&r, false);
	if (r.list)
		return KSFT_PASS;

	/* line buffering: no duplicated output across fork() */
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..%d\n", r.planned);
	__lq_for_each_run(&r, true);
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       r.tot.pass, r.tot.fail, r.tot.skip);
	free(r.sel);
	if (r.tot.fail)
		return KSFT_FAIL;
	if (!r.tot.pass && r.tot.skip)
		return KSFT_SKIP;
	return KSFT_PASS;
}

#define TEST_HARNESS_MAIN							\
	int main(int argc, char **argv)						\
	{									\
		return test_harness_run(argc, argv);				\
	}

#endif /* LQ_HARNESS_H */
