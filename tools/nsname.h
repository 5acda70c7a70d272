/* SPDX-License-Identifier: GPL-2.0 */
/* The name of a namespace's container, pod or service, from a cgroup (nsname.c). */
#ifndef _LISTENQ_NSNAME_H
#define _LISTENQ_NSNAME_H

#include <stdbool.h>
#include <stddef.h>

bool lq_cgroup_name(const char *cgroup_file, char *buf, size_t len);

#endif /* _LISTENQ_NSNAME_H */
