// SPDX-License-Identifier: GPL-2.0
/*
 * --json: one object, the sysctls (or -A's namespaces) and the frame's
 * records one listener a line, every column of the file under its own
 * name, with the histograms, the status and -p's owners.
 */
#include <stdio.h>
#include <string.h>

#include "hist.h"
#include "nsset.h"
#include "owners.h"
#include "record.h"
#include "render.h"
#include "show.h"
#include "table.h"
#include "text.h"
#include "util.h"

/* A cell as a JSON value: integers stay integers, "-" is null. */
static void lq_json_cell(const char *s, bool numeric_ok)
{
	long long v;

	if (!strcmp(s, LQ_NO_VALUE))
		fputs("null", stdout);
	else if (numeric_ok && lq_parse_ll(s, &v))
		printf("%lld", v);
	else
		lq_json_str(stdout, s);
}

/* A string, or null. */
static void lq_json_str_or_null(const char *s)
{
	if (s)
		lq_json_str(stdout, s);
	else
		fputs("null", stdout);
}

/*
 * A fill-at-arrival group as {"0":n,"25":n,"50":n,"75":n,"99":n,"full":n},
 * with "sum" (the fill ratios' sum) where the module has it, or null.
 */
static void lq_json_fill(const char *key, bool have, const long long *v, bool have_sum,
			 long long sum)
{
	static const char * const names[LQ_NR_FILL] = {
		[LQ_FILL_0] = "0", [LQ_FILL_25] = "25", [LQ_FILL_50] = "50",
		[LQ_FILL_75] = "75", [LQ_FILL_99] = "99", [LQ_FILL_FULL] = "full",
	};
	unsigned int i;

	printf(",\"%s\":", key);
	if (!have) {
		fputs("null", stdout);
		return;
	}
	putchar('{');
	for (i = 0; i < LQ_NR_FILL; i++)
		printf("%s\"%s\":%lld", i ? "," : "", names[i], v[i]);
	if (have_sum) {
		fputs(",\"sum\":", stdout);
		lq_fill_sum_print(stdout, sum);
	}
	putchar('}');
}

/* The listener's accept() waits: count, exact sum, the log2 buckets. */
static void lq_json_wait(const struct lq_hist_row *hr)
{
	unsigned int i;

	printf(",\"accept_wait\":");
	if (!hr->wait) {
		fputs("null", stdout);
		return;
	}
	/* The sum exactly, in seconds: ns as a decimal fraction. */
	printf("{\"count\":%lld,\"sum_seconds\":%lld.%09lld,", hr->wait_count,
	       hr->wait_sum_ns / 1000000000, hr->wait_sum_ns % 1000000000);
	if (hr->missed)
		printf("\"missed\":%lld,", hr->wait_missed);
	fputs("\"buckets\":[", stdout);
	for (i = 0; i < LQ_NR_WAIT; i++) {
		if (i < LQ_NR_WAIT - 1)
			printf("%s{\"le_us\":%llu,\"count\":%lld}", i ? "," : "",
			       lq_wait_le_us(i), hr->w[i]);
		else
			printf(",{\"le_us\":null,\"count\":%lld}", hr->w[i]);
	}
	fputs("]}", stdout);
}

/* A namespace's listenq_sysctl as one object, or null. */
static void lq_json_sysctl(const struct lq_sysctl *sc)
{
	unsigned int i;

	if (!sc->valid) {
		printf("null");
		return;
	}
	putchar('{');
	for (i = 0; i < sc->n; i++) {
		printf(i ? "," : "");
		lq_json_str(stdout, sc->keys[i]);
		putchar(':');
		lq_json_cell(sc->vals[i], true);
	}
	putchar('}');
}

/* -A: every namespace read, with its name and sysctls, in place of "sysctl". */
static void lq_json_namespaces(const struct lq_nsset *set)
{
	unsigned int i;

	printf(",\"namespaces\":[");
	for (i = 0; i < set->n; i++) {
		printf("%s{\"ns\":%llu,\"name\":", i ? "," : "", set->ns[i].inode);
		lq_json_str_or_null(set->ns[i].name);
		printf(",\"sysctl\":");
		lq_json_sysctl(&set->ns[i].sc);
		putchar('}');
	}
	putchar(']');
}

/* One listener: its cells by the file's names, then what listenq adds. */
static void lq_json_record(const struct lq_frame *fr, const struct lq_record *r)
{
	const struct lq_table *t = fr->t;
	unsigned int c;
	char st[64];

	putchar('{');
	for (c = 0; c < t->ncols; c++) {
		printf(c ? "," : "");
		lq_json_str(stdout, t->names[c]);
		putchar(':');
		/* local and syn_full are text even when they look like numbers. */
		lq_json_cell(r->cells[c], (int)c != t->col[LQ_COL_LOCAL] &&
			     (int)c != t->col[LQ_COL_SYN_FULL]);
		if (fr->o->all && (int)c == t->col[LQ_COL_NS]) {
			printf(",\"ns_name\":");
			lq_json_str_or_null(r->ns_name);
		}
	}
	if (fr->h) {
		lq_json_fill("syn_fill", r->hist.syn_fill, r->hist.sf, r->hist.syn_sum,
			     r->hist.sf_sum);
		lq_json_fill("acc_fill", r->hist.acc_fill, r->hist.af, r->hist.acc_sum,
			     r->hist.af_sum);
		lq_json_wait(&r->hist);
	}
	lq_status_str(r->status, st, sizeof(st));
	printf(",\"status\":");
	lq_json_str(stdout, st);
	if (fr->o->processes) {
		printf(",\"processes\":");
		lq_owners_json(stdout, r->owners, r->nowners);
	}
	putchar('}');
}

void lq_print_json(const struct lq_frame *fr)
{
	unsigned int i;

	printf("{\"version\":");
	lq_json_str(stdout, LISTENQ_VERSION);
	if (fr->o->all) {
		lq_json_namespaces(fr->set);
	} else {
		printf(",\"sysctl\":");
		lq_json_sysctl(&fr->set->ns[0].sc);
	}
	printf(",\"listeners\":[");
	/* One listener a line: easy to read, easy to grep. */
	for (i = 0; i < fr->n; i++) {
		printf("%s\n", i ? "," : "");
		lq_json_record(fr, &fr->rec[i]);
	}
	printf("%s]}\n", fr->n ? "\n" : "");
}
