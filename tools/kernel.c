// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel version that predict models and that explain compares the
 * module's SYN queue rule with: given as --kernel X.Y[.Z], or the running
 * kernel's.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "listenq.h"

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
		if (*p != '.')
			break;
		p++;
	}
	/* X.Y at least; anything after X.Y[.Z] is a distribution's suffix. */
	if (i < 1 || p == s)
		return -1;
	k->major = v[0];
	k->minor = v[1];
	k->sublevel = v[2];
	snprintf(k->text, sizeof(k->text), "%s", s);
	return 0;
}

/*
 * uname -r hides the sublevel on Debian (6.1.0-56-cloud-amd64 is 6.1.192)
 * and Ubuntu, and the sublevel decides the SYN queue rule: use the
 * version those distributions print elsewhere.
 */
void lq_running_kernel(struct lq_kernel_version *k)
{
	char buf[256] = "", *p;
	struct utsname u;
	FILE *f;

	memset(k, 0, sizeof(*k));
	f = fopen("/proc/version_signature", "r");	/* "Ubuntu 5.15.0-91.101-generic 5.15.131" */
	if (f) {
		if (fgets(buf, sizeof(buf), f)) {
			buf[strcspn(buf, "\n")] = '\0';
			p = strrchr(buf, ' ');
			if (p && !lq_parse_kernel(p + 1, k))
				goto out;
		}
		fclose(f);
		f = NULL;
	}
	if (uname(&u))
		return;
	p = strstr(u.version, "Debian ");		/* "#1 SMP ... Debian 6.1.192-1 (...)" */
	if (p && !lq_parse_kernel(p + 7, k)) {
		k->text[strcspn(k->text, " ")] = '\0';
		goto out;
	}
	if (lq_parse_kernel(u.release, k))
		return;
out:
	if (f)
		fclose(f);
	k->running = true;
}
