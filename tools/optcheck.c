// SPDX-License-Identifier: GPL-2.0
/*
 * The command line as a whole, once every option is read (options.c): the
 * subcommand and the filter in the words that remain, and the options
 * that go with one command only or not with each other. Nothing runs
 * before all of it is checked.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "filter.h"
#include "options.h"
#include "show.h"
#include "usage.h"

/* The words: the subcommand, then the filter; explain's messages quote them. */
static int lq_opts_words(struct lq_opts *o, int argc, char **argv)
{
	struct lq_fnode term;
	char err[512];
	int i;

	for (i = optind; i < argc; i++)
		snprintf(o->what + strlen(o->what), sizeof(o->what) - strlen(o->what), "%s%s",
			 i > optind ? " " : "", argv[i]);
	if (o->cmd == CMD_PREDICT && optind < argc)
		return lq_usage_error("predict takes no filter, got '%s'", o->what);
	if (lq_filter_parse(&o->filter, argv + optind, (unsigned int)(argc - optind), err,
			    sizeof(err)))
		return lq_usage_error("%s", err);
	if (o->family) {
		term = (struct lq_fnode){ .type = LQ_F_FAMILY };
		term.addr.family = o->family == '4' ? AF_INET : AF_INET6;
		if (lq_filter_and(&o->filter, &term))
			return lq_usage_error("%s", "filter too long");
	}
	return LQ_OPTS_GO;
}

/* Options that go with one command only, or not with each other. */
static int lq_opts_common(const struct lq_opts *o)
{
	const struct lq_show_opts *so = &o->so;

	if (o->cmd != CMD_PREDICT && o->predict_flag)
		return lq_usage_error("%s", "--backlog, --somaxconn, --max-syn-backlog and "
				      "--syncookies only apply to predict");
	if (o->cmd != CMD_SHOW && (so->watch || so->prometheus || so->no_header))
		return lq_usage_error("%s", "--watch, --interval, --count, --no-header and "
				      "--prometheus only apply to the table");
	if (so->all && o->net_arg)
		return lq_usage_error("%s", "--all-namespaces and --net exclude each other");
	/* A file replaced per frame would be a file rewritten forever: one frame only. */
	if (o->output && so->watch)
		return lq_usage_error("%s", "--output writes one frame, not --watch: run it from a "
				      "timer instead");
	return LQ_OPTS_GO;
}

static int lq_opts_predict(const struct lq_opts *o)
{
	if (o->net_arg || o->so.all)
		return lq_usage_error("predict reads no namespace: %s does not apply",
				      o->net_arg ? "--net" : "--all-namespaces");
	if (o->so.processes)
		return lq_usage_error("%s", "predict reads no listener: --processes does not "
				      "apply");
	if (o->family)
		return lq_usage_error("%s", "predict reads no listener: -4 and -6 do not apply");
	if (!o->have_backlog)
		return lq_usage_error("%s", "predict needs --backlog N");
	return LQ_OPTS_GO;
}

static int lq_opts_explain(struct lq_opts *o)
{
	if (o->filter.root < 0)
		return lq_usage_error("%s", "explain needs a filter: PORT, ADDR:PORT or an "
				      "expression");
	if (!o->what[0])
		snprintf(o->what, sizeof(o->what), "--port/--addr");
	if (o->so.json)
		return lq_usage_error("%s", "explain has no --json: use 'listenq --json PORT'");
	return LQ_OPTS_GO;
}

static int lq_opts_show(const struct lq_opts *o)
{
	const struct lq_show_opts *so = &o->so;

	if (o->have_kernel)
		return lq_usage_error("%s", "--kernel only applies to predict and explain");
	if (so->json && so->prometheus)
		return lq_usage_error("%s", "--json and --prometheus exclude each other");
	if (so->watch && (so->json || so->prometheus))
		return lq_usage_error("%s", "--watch draws the table only; run --json or "
				      "--prometheus from a loop instead");
	if (so->no_header && (so->json || so->prometheus))
		return lq_usage_error("%s", "--no-header only applies to the table");
	return LQ_OPTS_GO;
}

int lq_opts_check(struct lq_opts *o, int argc, char **argv)
{
	int rc;

	if (o->version)
		return LQ_OPTS_GO;
	/* getopt_long() moved the words that are not options to the end. */
	if (optind < argc && !strcmp(argv[optind], "predict")) {
		o->cmd = CMD_PREDICT;
		optind++;
	} else if (optind < argc && !strcmp(argv[optind], "explain")) {
		o->cmd = CMD_EXPLAIN;
		optind++;
	}
	if (o->help)
		return LQ_OPTS_GO;
	rc = lq_opts_words(o, argc, argv);
	if (rc == LQ_OPTS_GO)
		rc = lq_opts_common(o);
	if (rc != LQ_OPTS_GO)
		return rc;
	if (o->cmd == CMD_PREDICT)
		return lq_opts_predict(o);
	if (o->cmd == CMD_EXPLAIN)
		return lq_opts_explain(o);
	return lq_opts_show(o);
}
