/* SPDX-License-Identifier: GPL-2.0 */
/*
 * listenq's command line as one struct: parsed with getopt_long()
 * (options.c), then checked as a whole (optcheck.c), before anything runs.
 */
#ifndef _LISTENQ_OPTIONS_H
#define _LISTENQ_OPTIONS_H

#include <stdbool.h>

#include "filter.h"
#include "netns.h"
#include "predict.h"
#include "show.h"
#include "usage.h"

struct lq_opts {
	enum lq_cmd cmd;
	bool help, version;
	const char *color;		/* auto, always or never */
	const char *net_arg;		/* -N as given; NULL: listenq's own namespace */
	struct lq_net net;
	const char *output;		/* --output=FILE; NULL: stdout */
	int family;			/* '4', '6'; 0: both */
	bool have_kernel;		/* --kernel given */
	bool have_backlog;		/* --backlog given */
	bool predict_flag;		/* an option only predict takes */
	struct lq_predict_opts po;
	struct lq_show_opts so;		/* paths and filter: set by main() */
	struct lq_filter filter;
	char what[256];			/* the filter's words, for explain's messages */
};

/* Returned by lq_opts_parse() and lq_opts_check() when all is well. */
#define LQ_OPTS_GO	(-1)

/* The options of @argv into @o; LQ_OPTS_GO, or the exit code of an error, reported. */
int lq_opts_parse(struct lq_opts *o, int argc, char **argv);

/* The words after the options, and whether the options go together. */
int lq_opts_check(struct lq_opts *o, int argc, char **argv);

#endif /* _LISTENQ_OPTIONS_H */
