/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel versions: given, or the running kernel's (kernel.c). */
#ifndef _LISTENQ_KERNEL_H
#define _LISTENQ_KERNEL_H

#include <stdbool.h>
#include <stddef.h>

struct lq_kernel_version {
	unsigned int major, minor, sublevel;
	bool have_sublevel;		/* X.Y.Z, not X.Y */
	bool abi_name;			/* X.Y.0-N-FLAVOUR: Debian's, Ubuntu's uname -r */
	char text[64];			/* as given, for messages */
	bool running;			/* read from this host, not given */
	char source[192];		/* where a running kernel's version was read */
	char note[128];			/* the assumption made; "": none */
};

int lq_parse_kernel(const char *s, struct lq_kernel_version *k);
int lq_kernel_check(struct lq_kernel_version *k, char *err, size_t len);
bool lq_kernel_split(unsigned int major, unsigned int minor, unsigned int *first_gt);
int lq_running_kernel(struct lq_kernel_version *k, char *err, size_t len);

#endif /* _LISTENQ_KERNEL_H */
