// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel version that predict models and that explain compares the
 * module's SYN queue rule with: given as --kernel X.Y[.Z], or the running
 * kernel's.
 *
 * The SYN queue rule is the one term of the model that depends on the
 * sublevel: 3479c7549fb1 (>= became >) reached some stable lines in a point
 * release (lq_has_synq_gt()). On those lines a version without its sublevel,
 * or a distribution's ABI name in its place, is no answer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <listenq/model.h>

#include "kernel.h"
#include "testenv.h"
#include "util.h"

/* The newest line the model was checked against; later ones get its rules. */
#define LQ_KERNEL_NEWEST_MAJOR	7
#define LQ_KERNEL_NEWEST_MINOR	3
/* The oldest: the model has no term for what changed before 3.0. */
#define LQ_KERNEL_OLDEST_MAJOR	3

int lq_parse_kernel(const char *s, struct lq_kernel_version *k)
{
	unsigned int v[3] = { 0, 0, 0 }, i;
	const char *p = s;

	memset(k, 0, sizeof(*k));
	for (i = 0; i < 3; i++) {
		char *end;
		unsigned long n;

		if (*p < '0' || *p > '9')
			break;
		n = strtoul(p, &end, 10);
		if (n > 65535)
			return -1;
		v[i] = (unsigned int)n;
		p = end;
		if (i == 2 || *p != '.')
			break;
		p++;
	}
	/* X.Y at least; anything after X.Y[.Z] is a distribution's suffix. */
	if (i < 1 || p == s || p[-1] == '.')
		return -1;
	k->major = v[0];
	k->minor = v[1];
	k->sublevel = v[2];
	k->have_sublevel = i == 2;
	snprintf(k->text, sizeof(k->text), "%s", s);
	/* Debian's and Ubuntu's uname -r: X.Y.0-ABI-FLAVOUR, the sublevel hidden. */
	if (k->have_sublevel && !k->sublevel && p[0] == '-' && p[1] >= '0' && p[1] <= '9') {
		p += 1 + strspn(p + 1, "0123456789");
		k->abi_name = !*p || *p == '-' || *p == '.';
	}
	return 0;
}

/* Whether the SYN queue rule of line X.Y changed in one of its point releases. */
bool lq_kernel_split(unsigned int major, unsigned int minor, unsigned int *first_gt)
{
	unsigned int s;

	if (lq_has_synq_gt(major, minor, 0) || !lq_has_synq_gt(major, minor, 0xffff))
		return false;
	for (s = 1; !lq_has_synq_gt(major, minor, s); s++)
		;
	*first_gt = s;
	return true;
}

static int lq_kerr(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int lq_kerr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Whether @k can be modelled: 0, with k->note set to the assumption made
 * (a version past the newest line listenq knows), or -1 and why in @err.
 */
int lq_kernel_check(struct lq_kernel_version *k, char *err, size_t len)
{
	unsigned int gt;

	if (k->major < LQ_KERNEL_OLDEST_MAJOR)
		return lq_kerr(err, len, "kernel %s is older than listenq's model, which starts "
			       "at %u.0", k->text, LQ_KERNEL_OLDEST_MAJOR);
	if (lq_kernel_split(k->major, k->minor, &gt)) {
		if (k->abi_name)
			return lq_kerr(err, len, "kernel %s is a package's ABI name (uname "
				       "-r), not a version: the SYN queue rule changed in "
				       "%u.%u.%u (qlen >= backlog before, qlen > backlog "
				       "since); its version is in uname -v or /proc/version "
				       "(\"Debian %u.%u.N\"): give --kernel %u.%u.N", k->text,
				       k->major, k->minor, gt, k->major, k->minor, k->major,
				       k->minor);
		if (!k->have_sublevel)
			return lq_kerr(err, len, "kernel %s: the SYN queue rule changed in "
				       "%u.%u.%u (qlen >= backlog before, qlen > backlog "
				       "since): give --kernel %u.%u.N", k->text, k->major,
				       k->minor, gt, k->major, k->minor);
	}
	if (lq_kver(k->major, k->minor, 0) >
	    lq_kver(LQ_KERNEL_NEWEST_MAJOR, LQ_KERNEL_NEWEST_MINOR, 0))
		snprintf(k->note, sizeof(k->note), "newer than any listenq knows: %u.%u's rules "
			 "assumed", LQ_KERNEL_NEWEST_MAJOR, LQ_KERNEL_NEWEST_MINOR);
	return 0;
}

/* The first line of @path (under LQ_TEST_ROOT in the tests), without its newline. */
static bool lq_read_line(const char *path, char *buf, size_t len)
{
	char full[LQ_PATH_LEN];
	FILE *f;
	bool ok;

	lq_path(full, sizeof(full), "%s", path);
	f = fopen(full, "r");
	if (!f)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

/*
 * The version after the last "Debian " of /proc/version: the first ones
 * are the compiler's ("(gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU
 * Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1").
 */
static char *lq_last_debian(char *buf)
{
	char *p, *last = NULL;

	for (p = strstr(buf, "Debian "); p; p = strstr(p + 1, "Debian "))
		last = p + 7;
	return last;
}

/*
 * The running kernel: uname -r (/proc/sys/kernel/osrelease), unless it
 * hides the sublevel. Ubuntu's is in /proc/version_signature ("Ubuntu
 * 5.15.0-91.101-generic 5.15.131"), Debian's in /proc/version, uname -v's
 * text ("... Debian 6.1.192-3 (2026-...)"). 0 with k->source saying where
 * it came from, -1 with @err.
 */
int lq_running_kernel(struct lq_kernel_version *k, char *err, size_t len)
{
	char release[128], buf[512], *p;
	struct lq_kernel_version r;

	memset(k, 0, sizeof(*k));
	if (!lq_read_line("/proc/sys/kernel/osrelease", release, sizeof(release)) ||
	    lq_parse_kernel(release, &r))
		return lq_kerr(err, len, "%s", "cannot tell the running kernel's version "
			       "(/proc/sys/kernel/osrelease); give --kernel");
	*k = r;
	snprintf(k->source, sizeof(k->source), "running");
	if (lq_read_line("/proc/version_signature", buf, sizeof(buf))) {
		p = strrchr(buf, ' ');
		if (p && !lq_parse_kernel(p + 1, &r) && r.have_sublevel) {
			*k = r;
			snprintf(k->source, sizeof(k->source), "running, uname -r %s, version from "
				 "/proc/version_signature", release);
		}
	} else if (r.abi_name && lq_read_line("/proc/version", buf, sizeof(buf))) {
		p = lq_last_debian(buf);
		if (p && !lq_parse_kernel(p, &r) && r.have_sublevel && r.major == k->major &&
		    r.minor == k->minor) {
			r.text[strcspn(r.text, " ")] = '\0';
			*k = r;
			snprintf(k->source, sizeof(k->source), "running, uname -r %s, version "
				 "from /proc/version", release);
		}
	}
	k->running = true;
	return lq_kernel_check(k, err, len);
}
