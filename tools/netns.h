/* SPDX-License-Identifier: GPL-2.0 */
/* Where the listeners' files are: listenq's own namespace or -N's (netns.c). */
#ifndef _LISTENQ_NETNS_H
#define _LISTENQ_NETNS_H

#include "util.h"

/* -N NAME|PID; neither: listenq's own namespace. */
struct lq_net {
	const char *name;
	int pid;
};

struct lq_files {
	char table[LQ_PATH_LEN];	/* /proc/listenq or another namespace's */
	char sysctl[LQ_PATH_LEN];
	char hist[LQ_PATH_LEN];		/* listenq_hist: optional */
};

int lq_parse_net(const char *s, struct lq_net *n);
/* -N "$(pidof nginx)": 0, 1 if @s is no list of PIDs, -1 reported. */
int lq_parse_net_pids(const char *s, struct lq_net *n);
int lq_net_files(const struct lq_net *n, struct lq_files *f);

#endif /* _LISTENQ_NETNS_H */
