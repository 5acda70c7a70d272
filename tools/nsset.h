/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The namespaces a frame reads, one (the default, -N) or every one (-A),
 * with their tables, sysctls and owners (nsset.c).
 */
#ifndef _LISTENQ_NSSET_H
#define _LISTENQ_NSSET_H

#include <stdbool.h>

#include "owners.h"
#include "table.h"

struct lq_show_opts;

struct lq_ns {
	unsigned long long inode;	/* -A only: the namespace's inode */
	char *name;			/* -A only: ip netns or cgroup name; NULL: none */
	char *path, *hist_path, *sysctl_path;	/* for messages */
	struct lq_table t, h;
	int hrc;			/* lq_hist_load()'s: 0 loaded, 1 no file, -1 bad */
	struct lq_sysctl sc;
};

struct lq_nsset {
	struct lq_ns *ns;		/* by inode */
	unsigned int n;
	struct lq_table t;		/* every namespace's rows, in order */
	unsigned int *row_ns;		/* row i of t is of ns[row_ns[i]] */
	struct lq_table h;		/* every namespace's listenq_hist rows */
	bool have_hist;			/* some namespace has listenq_hist */
	struct lq_owners own;		/* -p */
};

int lq_nsset_load(struct lq_nsset *set, const struct lq_show_opts *o, unsigned long frame);
void lq_nsset_free(struct lq_nsset *set);

#endif /* _LISTENQ_NSSET_H */
