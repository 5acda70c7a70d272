/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the table, --json and --prometheus show, and where they read it:
 * the options main() gives lq_show() (watch.c), lq_explain() and the
 * namespace set (nsset.c).
 */
#ifndef _LISTENQ_SHOW_H
#define _LISTENQ_SHOW_H

#include <stdbool.h>

struct lq_filter;

struct lq_show_opts {
	const struct lq_filter *filter;
	bool color;
	bool json, prometheus;
	bool watch;
	double interval;		/* seconds between --watch frames */
	unsigned long count;		/* frames; 0: until interrupted */
	const char * const *paths;	/* frame i reads paths[min(i, npaths - 1)] */
	unsigned int npaths;
	const char *sysctl_path;
	const char * const *hist_paths;	/* as paths; npaths 0: no listenq_hist */
	unsigned int nhist;
	bool tty;			/* clear the screen between frames */
	bool no_header;			/* no column titles, no frame lines */
	bool all;			/* -A: every network namespace */
	bool processes;			/* -p: the owners of each listener */
};

/* The frames: one, or --watch's until the count or a signal. */
int lq_show(const struct lq_show_opts *o);

#endif /* _LISTENQ_SHOW_H */
