// SPDX-License-Identifier: GPL-2.0
/*
 * listenq: per-listener TCP queue state from the listenq module, and the
 * queue math of every kernel era (include/listenq/model.h).
 *
 * main() parses the command line into one struct, checks it as a whole
 * (options.c), then runs the command: the table and its outputs
 * (watch.c), predict or explain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "explain.h"
#include "kernel.h"
#include "netns.h"
#include "options.h"
#include "output.h"
#include "predict.h"
#include "show.h"
#include "testenv.h"
#include "usage.h"
#include "util.h"

/* Whether stdout is a terminal that wants colour (https://no-color.org). */
static bool lq_color_auto(void)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");

	if (no && *no)
		return false;
	if (term && !strcmp(term, "dumb"))
		return false;
	return isatty(STDOUT_FILENO);
}


static int lq_run_predict(struct lq_opts *o, struct lq_output *out)
{
	char err[512];

	if (!o->have_kernel && lq_running_kernel(&o->po.kernel, err, sizeof(err))) {
		lq_err("%s", err);
		return LQ_EXIT_ERR;
	}
	if (o->output && lq_output_open(out, o->output))
		return LQ_EXIT_ERR;
	return lq_output_close(out, lq_predict(&o->po));
}

/* The files of the namespace, or the ones the tests give (testenv.c). */
static void lq_show_files(struct lq_show_opts *so, const struct lq_files *files,
			  const struct lq_test_files *tf)
{
	static const char *paths[1], *hist_paths[1];

	/* -A finds its files itself: the test's files are for one namespace. */
	if (tf->ntable && !so->all) {
		so->paths = tf->table;
		so->npaths = tf->ntable;
		so->hist_paths = tf->hist;
		so->nhist = tf->nhist;
	} else {
		paths[0] = files->table;
		hist_paths[0] = files->hist;
		so->paths = paths;
		so->npaths = 1;
		so->hist_paths = hist_paths;
		so->nhist = 1;
	}
	so->sysctl_path = tf->sysctl ? tf->sysctl : files->sysctl;
}

/* The table, --json, --prometheus, --watch, or explain: what reads the listeners. */
static int lq_run_listeners(struct lq_opts *o, struct lq_output *out)
{
	static struct lq_files files;
	struct lq_show_opts *so = &o->so;
	struct lq_test_files tf;
	char err[512];
	int rc;

	if (so->all && !lq_is_root()) {
		lq_err("--all-namespaces needs root: it reads every process's /proc/PID and enters "
		       "the namespaces of /run/netns");
		return LQ_EXIT_ERR;
	}
	/* The files last: -N NAME enters the namespace for good. */
	rc = lq_net_files(&o->net, &files);
	if (rc)
		return rc;
	if (lq_test_files(&tf)) {
		lq_test_files_free(&tf);
		return LQ_EXIT_ERR;
	}
	lq_show_files(so, &files, &tf);
	so->filter = &o->filter;

	/* Before the colour: a file is no terminal. */
	if (o->output && lq_output_open(out, o->output)) {
		lq_test_files_free(&tf);
		return LQ_EXIT_ERR;
	}
	if (o->cmd == CMD_EXPLAIN) {
		/* An unknown running version only costs explain one comparison. */
		if (!o->have_kernel && lq_running_kernel(&o->po.kernel, err, sizeof(err)))
			memset(&o->po.kernel, 0, sizeof(o->po.kernel));
		rc = lq_explain(so, o->what, &o->po.kernel);
	} else {
		so->tty = so->watch && isatty(STDOUT_FILENO);
		so->color = !strcmp(o->color, "always") ||
			    (!strcmp(o->color, "auto") && lq_color_auto());
		rc = lq_show(so);
	}
	lq_test_files_free(&tf);
	return lq_output_close(out, rc);
}

int main(int argc, char **argv)
{
	static struct lq_opts o;	/* the filter's nodes: too large for the stack */
	struct lq_output out = { .tmp = "" };
	int rc;

	rc = lq_opts_parse(&o, argc, argv);
	if (rc == LQ_OPTS_GO)
		rc = lq_opts_check(&o, argc, argv);
	if (rc != LQ_OPTS_GO)
		return rc;

	if (o.version) {
		printf("listenq %s\n", LISTENQ_VERSION);
		return LQ_EXIT_OK;
	}
	if (o.help) {
		lq_help(o.cmd);
		return LQ_EXIT_OK;
	}
	if (o.cmd == CMD_PREDICT)
		return lq_run_predict(&o, &out);
	return lq_run_listeners(&o, &out);
}
