// SPDX-License-Identifier: GPL-2.0
/*
 * listenq [--watch] [--json | --prometheus]: /proc/listenq for people and
 * for machines. Every output reads the file once per frame and never
 * computes a cap itself: the module's columns come from the same model.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filter.h"
#include "hist.h"
#include "nsset.h"
#include "owners.h"
#include "show.h"
#include "table.h"
#include "text.h"
#include "util.h"

#define LQ_RED		"\033[1;31m"
#define LQ_YELLOW	"\033[33m"
#define LQ_BOLD		"\033[1m"
#define LQ_RESET	"\033[0m"

/*
 * The columns of the table. The d* ones exist only in --watch, NETNS and
 * NAME only with -A, PROCESSES only with -p: last, as in ss, since it is
 * as long as the list of owners. The PEAKs come each after its queue.
 */
enum lq_tc {
	TC_NETNS, TC_NAME, TC_LOCAL, TC_ACC_Q, TC_D_ACC, TC_ACC_PEAK, TC_ACC_MAX, TC_ACC_CAP, TC_SYN_Q, TC_D_SYN,
	TC_SYN_PEAK, TC_SYN_CAP, TC_DROPS, TC_D_DROPS, TC_RTX, TC_D_RTX, TC_WAIT99,
	TC_SYN_FULL, TC_BACKLOG, TC_REUSEPORT, TC_UID, TC_INODE, TC_STATUS, TC_PROCESSES, TC_NR
};

static const char * const lq_tc_title[TC_NR] = {
	[TC_NETNS] = "NETNS", [TC_NAME] = "NAME", [TC_LOCAL] = "LOCAL", [TC_ACC_Q] = "ACC_Q", [TC_D_ACC] = "dACC",
	[TC_ACC_PEAK] = "PEAK", [TC_ACC_MAX] = "ACC_MAX", [TC_ACC_CAP] = "ACC_CAP",
	[TC_SYN_Q] = "SYN_Q", [TC_D_SYN] = "dSYN", [TC_SYN_PEAK] = "PEAK",
	[TC_SYN_CAP] = "SYN_CAP", [TC_DROPS] = "DROPS", [TC_D_DROPS] = "dDROPS",
	[TC_RTX] = "RTX", [TC_D_RTX] = "dRTX", [TC_WAIT99] = "WAIT99",
	[TC_SYN_FULL] = "SYN_FULL", [TC_BACKLOG] = "BACKLOG", [TC_REUSEPORT] = "REUSEPORT",
	[TC_UID] = "UID", [TC_INODE] = "INODE", [TC_STATUS] = "STATUS",
	[TC_PROCESSES] = "PROCESSES",
};

/* The /proc/listenq column behind each plain column. */
static const int lq_tc_abi[TC_NR] = {
	[TC_NETNS] = LQ_COL_NS, [TC_ACC_Q] = LQ_COL_ACC_Q, [TC_ACC_PEAK] = LQ_COL_ACC_Q_PEAK,
	[TC_ACC_MAX] = LQ_COL_ACC_MAX, [TC_ACC_CAP] = LQ_COL_ACC_CAP,
	[TC_SYN_Q] = LQ_COL_SYN_Q, [TC_SYN_PEAK] = LQ_COL_SYN_Q_PEAK,
	[TC_SYN_CAP] = LQ_COL_SYN_CAP, [TC_DROPS] = LQ_COL_DROPS,
	[TC_RTX] = LQ_COL_SYNACK_RETRANS, [TC_SYN_FULL] = LQ_COL_SYN_FULL,
	[TC_REUSEPORT] = LQ_COL_REUSEPORT_ID, [TC_UID] = LQ_COL_UID, [TC_INODE] = LQ_COL_INODE,
};

/*
 * What the previous --watch frame saw of one listener. A listener is the
 * same across frames by namespace and inode; lq_remember() sorts them by
 * that key for lq_prev_find() to bisect.
 */
struct lq_prev {
	long long ns, inode, acc_q, syn_q, drops, rtx;
	unsigned int row;		/* its row then: the first of twins wins */
	bool wait;			/* w[] holds its accept() wait buckets */
	long long w[LQ_NR_WAIT];
};

struct lq_frame {
	const struct lq_show_opts *o;
	const struct lq_nsset *set;	/* the namespaces of the rows, their owners */
	const struct lq_table *t;	/* set->t */
	const struct lq_table *h;	/* listenq_hist; NULL: none */
	const int *hist_of;		/* row of @h for each row of @t; -1: none */
	const struct lq_prev *prev;	/* NULL on the first frame */
	unsigned int nprev;
};

static volatile sig_atomic_t lq_stop;

static void lq_on_signal(int sig)
{
	(void)sig;
	lq_stop = 1;
}

/* The order of lq_remember()'s listeners: namespace, inode, row. */
static int lq_prev_cmp(const void *a, const void *b)
{
	const struct lq_prev *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

/*
 * Listener @row in the previous frame; NULL: not in it. Of twins there
 * (one inode twice in a namespace), the one in the first row, as a scan
 * of that frame would find: the lowest of them in lq_prev_cmp() order.
 * A bisection, not a scan: a scan per row is quadratic in the listeners,
 * seconds a frame at 50,000.
 */
static const struct lq_prev *lq_prev_find(const struct lq_frame *fr, unsigned int row)
{
	struct lq_prev key = { .row = 0 };
	unsigned int lo = 0, hi = fr->nprev, mid;

	lq_cell_num(fr->t, row, fr->t->col[LQ_COL_NS], &key.ns);
	if (!lq_cell_num(fr->t, row, fr->t->col[LQ_COL_INODE], &key.inode))
		return NULL;
	/* The first entry not below @key: row 0 puts @key before all twins. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (lq_prev_cmp(&fr->prev[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < fr->nprev && fr->prev[lo].ns == key.ns && fr->prev[lo].inode == key.inode)
		return &fr->prev[lo];
	return NULL;
}

/* "+3", "-1", "0"; "-" on the first frame, "new" for a listener just seen. */
static void lq_delta(const struct lq_frame *fr, unsigned int row, int col, size_t off,
		     char *buf, size_t len, long long *d)
{
	const struct lq_prev *p;
	long long now;

	*d = 0;
	if (!fr->prev || !lq_cell_num(fr->t, row, col, &now)) {
		snprintf(buf, len, "-");
		return;
	}
	p = lq_prev_find(fr, row);
	if (!p) {
		snprintf(buf, len, "new");
		return;
	}
	*d = now - *(const long long *)((const char *)p + off);
	snprintf(buf, len, *d > 0 ? "+%lld" : "%lld", *d);
}

/* Listener @row's line of listenq_hist, by group. */
static void lq_frame_hist(const struct lq_frame *fr, unsigned int row, struct lq_hist_row *hr)
{
	lq_hist_get(fr->h, fr->hist_of ? fr->hist_of[row] : -1, hr);
}

/*
 * On stderr, once per run: the listeners shown whose accept() waits the
 * module could not all time (wait_missed), which their wait histograms
 * and wait99 therefore lack.
 */
static void lq_warn_wait_missed(const struct lq_frame *fr, const unsigned int *rows,
				unsigned int n)
{
	struct lq_hist_row hr;
	unsigned int i;

	for (i = 0; i < n; i++) {
		lq_frame_hist(fr, rows[i], &hr);
		if (hr.missed && hr.wait_missed > 0)
			lq_err("%s: %lld accept() calls whose wait was not timed (wait_missed): its accept wait histogram lacks them",
			       lq_cell(fr->t, rows[i], fr->t->col[LQ_COL_LOCAL]), hr.wait_missed);
	}
}

/* The name of listener @row's namespace (-A); NULL: unnamed. */
static const char *lq_frame_ns_name(const struct lq_frame *fr, unsigned int row)
{
	return fr->set->ns[fr->set->row_ns[row]].name;
}

static const struct lq_owner *lq_frame_owners(const struct lq_frame *fr, unsigned int row,
					      unsigned int *n)
{
	return lq_owners_of(&fr->set->own, fr->t, row, n);
}

/*
 * WAIT99: the bucket bound 99% of the accept() waits stay within; in
 * --watch, of the waits of this interval only. "-": no wait to tell.
 */
static void lq_wait99_cell(const struct lq_frame *fr, unsigned int row, char *buf, size_t len)
{
	const struct lq_prev *p;
	struct lq_hist_row hr;
	long long w[LQ_NR_WAIT], total;
	unsigned int i, b;

	snprintf(buf, len, "-");
	lq_frame_hist(fr, row, &hr);
	if (!hr.wait)
		return;
	memcpy(w, hr.w, sizeof(w));
	if (fr->o->watch) {
		if (!fr->prev)
			return;
		p = lq_prev_find(fr, row);
		if (!p) {
			snprintf(buf, len, "new");
			return;
		}
		if (!p->wait)
			return;
		for (i = 0; i < LQ_NR_WAIT; i++) {
			w[i] -= p->w[i];
			if (w[i] < 0)
				return;		/* not the same counters */
		}
	}
	total = lq_sum(w, LQ_NR_WAIT);
	if (total <= 0)
		return;
	b = lq_wait_quantile(w, total, 990);
	if (b == LQ_NR_WAIT - 1)
		snprintf(buf, len, ">16.8s");
	else
		lq_us_text(buf, len, lq_wait_le_us(b), true);
}

/* A cell of /proc/listenq; "-" for a column this module does not print. */
static void lq_cell_text(char *buf, size_t len, const char *s)
{
	snprintf(buf, len, "%s", s ? s : LQ_NO_VALUE);
}

/* One cell's text and colour. */
static void lq_table_cell(const struct lq_frame *fr, unsigned int row, enum lq_tc tc,
			  char *buf, size_t len, const char **color)
{
	const struct lq_table *t = fr->t;
	unsigned int st = lq_row_status(t, row);
	long long d;

	*color = NULL;
	switch (tc) {
	case TC_NAME:
		if (lq_frame_ns_name(fr, row))
			lq_name_escape(buf, len, lq_frame_ns_name(fr, row), false);
		else
			snprintf(buf, len, "-");
		return;
	case TC_PROCESSES:
		snprintf(buf, len, "-");	/* printed whole by lq_print_table() */
		return;
	case TC_LOCAL:
		snprintf(buf, len, "%s", lq_cell(t, row, t->col[LQ_COL_LOCAL]));
		if (st & (LQ_ST_ACC_FULL | LQ_ST_SYN_FULL))
			*color = LQ_BOLD;
		return;
	case TC_D_ACC:
		lq_delta(fr, row, t->col[LQ_COL_ACC_Q], offsetof(struct lq_prev, acc_q),
			 buf, len, &d);
		return;
	case TC_D_SYN:
		lq_delta(fr, row, t->col[LQ_COL_SYN_Q], offsetof(struct lq_prev, syn_q),
			 buf, len, &d);
		return;
	case TC_D_DROPS:
		lq_delta(fr, row, t->col[LQ_COL_DROPS], offsetof(struct lq_prev, drops),
			 buf, len, &d);
		if (d > 0)
			*color = LQ_RED;
		return;
	case TC_D_RTX:
		lq_delta(fr, row, t->col[LQ_COL_SYNACK_RETRANS], offsetof(struct lq_prev, rtx),
			 buf, len, &d);
		return;
	case TC_WAIT99:
		lq_wait99_cell(fr, row, buf, len);
		return;
	case TC_BACKLOG:
		lq_cell_text(buf, len, lq_cell(t, row, t->col[LQ_COL_BACKLOG]));
		return;
	case TC_STATUS:
		lq_status_str(st, buf, len);
		if (st & (LQ_ST_ACC_FULL | LQ_ST_SYN_FULL))
			*color = LQ_RED;
		else if (st)
			*color = LQ_YELLOW;
		return;
	default:
		break;
	}

	lq_cell_text(buf, len, lq_cell(t, row, t->col[lq_tc_abi[tc]]));
	if (tc == TC_ACC_Q && (st & LQ_ST_ACC_FULL))
		*color = LQ_RED;
	else if (tc == TC_ACC_Q && (st & LQ_ST_ACC_NEAR))
		*color = LQ_YELLOW;
	else if (tc == TC_SYN_Q && (st & LQ_ST_SYN_FULL))
		*color = LQ_RED;
	else if (tc == TC_SYN_Q && (st & LQ_ST_SYN_NEAR))
		*color = LQ_YELLOW;
	else if (tc == TC_ACC_PEAK || tc == TC_SYN_PEAK) {
		long long peak, cap;
		int capcol = t->col[tc == TC_ACC_PEAK ? LQ_COL_ACC_CAP : LQ_COL_SYN_CAP];

		/* The queue was at its cap at some time since it listens. */
		if (lq_cell_num(t, row, t->col[lq_tc_abi[tc]], &peak) &&
		    lq_cell_num(t, row, capcol, &cap) && cap > 0 && peak >= cap)
			*color = LQ_YELLOW;
	}
}

static bool lq_tc_left(enum lq_tc tc)
{
	return tc == TC_NAME || tc == TC_LOCAL || tc == TC_SYN_FULL || tc == TC_STATUS ||
	       tc == TC_PROCESSES;
}

/*
 * The columns this frame shows. They depend on the options only, never on
 * the rows or the module: a script that reads -H output by field number
 * must find the same field at the same place whatever listens. A cell the
 * module does not have (an older module, probes off) is "-".
 */
static unsigned int lq_table_columns(const struct lq_frame *fr, enum lq_tc *cols)
{
	unsigned int i, nc = 0;

	for (i = 0; i < TC_NR; i++) {
		if ((i == TC_D_ACC || i == TC_D_SYN || i == TC_D_DROPS || i == TC_D_RTX) &&
		    !fr->o->watch)
			continue;
		if ((i == TC_NETNS || i == TC_NAME) && !fr->o->all)
			continue;
		if (i == TC_PROCESSES && !fr->o->processes)
			continue;
		cols[nc++] = (enum lq_tc)i;
	}
	return nc;
}

/* The title of a column; WAIT99 is of the interval in --watch. */
static const char *lq_tc_name(const struct lq_frame *fr, enum lq_tc tc)
{
	return tc == TC_WAIT99 && fr->o->watch ? "dWAIT99" : lq_tc_title[tc];
}

static void lq_print_cell(const char *s, const char *color, int width, bool left, bool last,
			  bool use_color)
{
	/* Padded to @width columns, not bytes: a NAME may be UTF-8. */
	int pad = last && left ? 0 : width - (int)lq_text_width(s);

	if (color && use_color)
		fputs(color, stdout);
	if (!left)
		printf("%*s", pad > 0 ? pad : 0, "");
	fputs(s, stdout);
	if (left)
		printf("%*s", pad > 0 ? pad : 0, "");
	if (color && use_color)
		fputs(LQ_RESET, stdout);
	fputs(last ? "\n" : "  ", stdout);
}

/* A NAME is an ip netns name or a cgroup component, up to 255 bytes, escaped. */
#define LQ_CELL_LEN	LQ_NAME_ESC_LEN(320)

/* Two passes over the rows, widths then text: nothing is kept per row. */
static void lq_print_table(const struct lq_frame *fr, const unsigned int *rows, unsigned int n)
{
	enum lq_tc cols[TC_NR];
	unsigned int nc = lq_table_columns(fr, cols), i, c;
	char cell[LQ_CELL_LEN];
	const char *color;
	int width[TC_NR];

	for (c = 0; c < nc; c++)
		width[c] = fr->o->no_header ? 1 : (int)strlen(lq_tc_name(fr, cols[c]));
	for (i = 0; i < n; i++) {
		for (c = 0; c < nc; c++) {
			if (cols[c] == TC_PROCESSES)
				continue;	/* the last column: no width */
			lq_table_cell(fr, rows[i], cols[c], cell, sizeof(cell), &color);
			if ((int)lq_text_width(cell) > width[c])
				width[c] = (int)lq_text_width(cell);
		}
	}
	for (c = 0; c < nc && !fr->o->no_header; c++)
		lq_print_cell(lq_tc_name(fr, cols[c]), NULL, width[c], lq_tc_left(cols[c]),
			      c == nc - 1, false);
	for (i = 0; i < n; i++) {
		for (c = 0; c < nc; c++) {
			if (cols[c] == TC_PROCESSES) {
				const struct lq_owner *ow;
				unsigned int no;

				ow = lq_frame_owners(fr, rows[i], &no);
				lq_owners_ss(stdout, ow, no);
				putchar('\n');
				continue;
			}
			lq_table_cell(fr, rows[i], cols[c], cell, sizeof(cell), &color);
			lq_print_cell(cell, color, width[c], lq_tc_left(cols[c]), c == nc - 1,
				      fr->o->color);
		}
	}
}

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

/* A fill sum in millionths as the decimal number it is: 412.5 is 412.500000. */
static void lq_print_fill_sum(long long ppm)
{
	printf("%lld.%06lld", ppm / LQ_FILL_SUM_ONE, ppm % LQ_FILL_SUM_ONE);
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
		lq_print_fill_sum(sum);
	}
	putchar('}');
}

/* The listener's histograms of listenq_hist, when the module has the file. */
static void lq_json_hist(const struct lq_frame *fr, unsigned int row)
{
	struct lq_hist_row hr;
	unsigned int i;

	if (!fr->h)
		return;
	lq_frame_hist(fr, row, &hr);
	lq_json_fill("syn_fill", hr.syn_fill, hr.sf, hr.syn_sum, hr.sf_sum);
	lq_json_fill("acc_fill", hr.acc_fill, hr.af, hr.acc_sum, hr.af_sum);
	printf(",\"accept_wait\":");
	if (!hr.wait) {
		fputs("null", stdout);
		return;
	}
	/* The sum exactly, in seconds: ns as a decimal fraction. */
	printf("{\"count\":%lld,\"sum_seconds\":%lld.%09lld,", hr.wait_count,
	       hr.wait_sum_ns / 1000000000, hr.wait_sum_ns % 1000000000);
	if (hr.missed)
		printf("\"missed\":%lld,", hr.wait_missed);
	fputs("\"buckets\":[", stdout);
	for (i = 0; i < LQ_NR_WAIT; i++) {
		if (i < LQ_NR_WAIT - 1)
			printf("%s{\"le_us\":%llu,\"count\":%lld}", i ? "," : "",
			       lq_wait_le_us(i), hr.w[i]);
		else
			printf(",{\"le_us\":null,\"count\":%lld}", hr.w[i]);
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
		if (set->ns[i].name)
			lq_json_str(stdout, set->ns[i].name);
		else
			fputs("null", stdout);
		printf(",\"sysctl\":");
		lq_json_sysctl(&set->ns[i].sc);
		putchar('}');
	}
	putchar(']');
}

static void lq_print_json(const struct lq_frame *fr, const unsigned int *rows, unsigned int n)
{
	const struct lq_table *t = fr->t;
	unsigned int i, c;

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
	for (i = 0; i < n; i++) {
		char st[64];

		printf("%s\n{", i ? "," : "");
		for (c = 0; c < t->ncols; c++) {
			printf(c ? "," : "");
			lq_json_str(stdout, t->names[c]);
			putchar(':');
			/* local and syn_full are text even when they look like numbers. */
			lq_json_cell(t->rows[rows[i]][c], (int)c != t->col[LQ_COL_LOCAL] &&
				     (int)c != t->col[LQ_COL_SYN_FULL]);
			if (fr->o->all && (int)c == t->col[LQ_COL_NS]) {
				const char *name = lq_frame_ns_name(fr, rows[i]);

				printf(",\"ns_name\":");
				if (name)
					lq_json_str(stdout, name);
				else
					fputs("null", stdout);
			}
		}
		lq_json_hist(fr, rows[i]);
		lq_status_str(lq_row_status(t, rows[i]), st, sizeof(st));
		printf(",\"status\":");
		lq_json_str(stdout, st);
		if (fr->o->processes) {
			const struct lq_owner *ow;
			unsigned int no;

			ow = lq_frame_owners(fr, rows[i], &no);
			printf(",\"processes\":");
			lq_owners_json(stdout, ow, no);
		}
		putchar('}');
	}
	printf("%s]}\n", n ? "\n" : "");
}

/*
 * Prometheus label values escape \, " and newline, and are UTF-8: a byte
 * that is not (a comm cut in a character) becomes U+FFFD, or the whole
 * file would fail to parse.
 */
static void lq_prom_label(const char *name, const char *v, bool first)
{
	size_t n;

	printf("%s%s=\"", first ? "" : ",", name);
	for (; *v; v += n ? n : 1) {
		n = lq_utf8_len(v);
		if (!n) {
			fputs("\xef\xbf\xbd", stdout);
			continue;
		}
		if (*v == '\\' || *v == '"')
			putchar('\\');
		if (*v == '\n')
			fputs("\\n", stdout);
		else
			fwrite(v, 1, n, stdout);
	}
	putchar('"');
}

/*
 * A listener's labels. The series of one listener are one set whatever
 * the flags: ns_name (-A) is a function of ns, and command (-p) one value,
 * the owner with the lowest PID's, never a PID: PIDs churn, a command at
 * most 15 bytes does not.
 */
static void lq_prom_listener_labels(const struct lq_frame *fr, unsigned int row)
{
	const struct lq_table *t = fr->t;

	lq_prom_label("ns", lq_cell(t, row, t->col[LQ_COL_NS]), true);
	if (fr->o->all) {
		const char *name = lq_frame_ns_name(fr, row);

		lq_prom_label("ns_name", name ? name : "", false);
	}
	lq_prom_label("local", lq_cell(t, row, t->col[LQ_COL_LOCAL]), false);
	/* Reuseport members share ns and local: the inode keeps series apart. */
	lq_prom_label("inode", lq_cell(t, row, t->col[LQ_COL_INODE]), false);
	if (fr->o->processes) {
		const struct lq_owner *ow;
		unsigned int no;

		ow = lq_frame_owners(fr, row, &no);
		lq_prom_label("command", no ? ow[0].comm : "", false);
	}
}

static const struct lq_metric {
	const char *name;
	int col;			/* enum lq_column */
	const char *type;
	const char *help;
} lq_metrics[] = {
	{ "listenq_accept_queue_length", LQ_COL_ACC_Q, "gauge",
	  "Connections waiting for accept() (sk_ack_backlog)." },
	{ "listenq_accept_queue_backlog", LQ_COL_ACC_MAX, "gauge",
	  "listen() backlog after the somaxconn clamp (sk_max_ack_backlog)." },
	{ "listenq_accept_queue_cap", LQ_COL_ACC_CAP, "gauge",
	  "Largest accept queue the kernel lets this listener reach." },
	{ "listenq_syn_queue_length", LQ_COL_SYN_Q, "gauge",
	  "Connection requests in SYN_RECV (the SYN queue)." },
	{ "listenq_syn_queue_young", LQ_COL_SYN_YOUNG, "gauge",
	  "SYN_RECV requests whose SYN-ACK has not timed out yet." },
	{ "listenq_syn_queue_cap", LQ_COL_SYN_CAP, "gauge",
	  "Largest SYN queue before new SYNs get cookies or are dropped." },
	{ "listenq_drops_total", LQ_COL_DROPS, "counter",
	  "Packets this listener dropped (sk_drops): SYNs and handshake ACKs." },
	{ "listenq_defer_accept_seconds", LQ_COL_DEFER_ACCEPT, "gauge",
	  "TCP_DEFER_ACCEPT of the listener, in seconds." },
	{ "listenq_tfo_queue_length", LQ_COL_TFO_Q, "gauge",
	  "TCP Fast Open children not yet fully established." },
	{ "listenq_tfo_queue_max", LQ_COL_TFO_MAX, "gauge",
	  "TCP Fast Open queue limit (TCP_FASTOPEN, capped by somaxconn)." },
	{ "listenq_listen_backlog_requested", LQ_COL_BACKLOG, "gauge",
	  "listen() backlog as the application asked for it, before the somaxconn clamp." },
	/* Per-reason counters: "-" (no sample) while the module's probes are off. */
	{ "listenq_syn_queue_drops_total", LQ_COL_DROP_SYNQ, "counter",
	  "SYNs dropped because the SYN queue was full (tcp_syncookies=0)." },
	{ "listenq_syn_queue_cookies_total", LQ_COL_COOKIE_SYNQ, "counter",
	  "SYNs answered with a syncookie instead of a queued request." },
	{ "listenq_accept_queue_syn_drops_total", LQ_COL_DROP_ACCQ_SYN, "counter",
	  "SYNs dropped because the accept queue was full." },
	{ "listenq_accept_queue_ack_drops_total", LQ_COL_DROP_ACCQ_ACK, "counter",
	  "Handshake-completing ACKs dropped because the accept queue was full." },
	{ "listenq_quarter_rule_drops_total", LQ_COL_DROP_QUARTER, "counter",
	  "SYNs dropped by the tcp_max_syn_backlog quarter rule (tcp_syncookies=0)." },
	{ "listenq_syn_recv_expired_total", LQ_COL_EXPIRED, "counter",
	  "SYN_RECV requests removed after their SYN-ACK retries ran out." },
	{ "listenq_syn_queue_peak", LQ_COL_SYN_Q_PEAK, "gauge",
	  "Highest SYN queue length, right after a request was queued, since the socket listens." },
	{ "listenq_accept_queue_peak", LQ_COL_ACC_Q_PEAK, "gauge",
	  "Highest accept queue length, right after a child was queued, since the socket listens." },
	{ "listenq_synack_retransmits_total", LQ_COL_SYNACK_RETRANS, "counter",
	  "SYN-ACKs retransmitted (tcp:tcp_retransmit_synack, TcpExtTCPSynRetrans)." },
};

/*
 * The fill-at-arrival groups as histograms of the fill ratio q/cap. An
 * arrival that found room (q < cap) is at most le="1"; one that found the
 * queue full (q >= cap) counts in +Inf only, so +Inf - le="1" is what found
 * no room. _sum is the module's sum of the ratios (1 for a full queue),
 * where it has one.
 */
static const struct lq_fill_metric {
	const char *name;
	bool syn;
	const char *help;
} lq_fill_metrics[] = {
	{ "listenq_syn_queue_fill_ratio", true,
	  "SYN queue length / cap when each SYN arrived; a full queue counts in +Inf only, as 1 in _sum." },
	{ "listenq_accept_queue_fill_ratio", false,
	  "Accept queue length / cap when each handshake completed; a full queue counts in +Inf only, as 1 in _sum." },
};

static const char * const lq_fill_le[LQ_NR_FILL] = {
	[LQ_FILL_0] = "0", [LQ_FILL_25] = "0.25", [LQ_FILL_50] = "0.5",
	[LQ_FILL_75] = "0.75", [LQ_FILL_99] = "1", [LQ_FILL_FULL] = "+Inf",
};

/* The le of wait bucket @i in seconds, as Go's strconv 'g' -1 prints it: 1e-06, 0.001024. */
static void lq_prom_wait_le(char *buf, size_t len, unsigned int i)
{
	double v = (double)lq_wait_le_us(i) / 1e6;
	int prec;

	if (i == LQ_NR_WAIT - 1) {
		snprintf(buf, len, "+Inf");
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

static void lq_prom_bucket(const char *name, const struct lq_frame *fr, unsigned int row,
			   const char *le, long long cum)
{
	printf("%s_bucket{", name);
	lq_prom_listener_labels(fr, row);
	lq_prom_label("le", le, false);
	printf("} %lld\n", cum);
}

static void lq_print_prom_hist(const struct lq_frame *fr, const unsigned int *rows,
			       unsigned int n)
{
	struct lq_hist_row hr;
	unsigned int m, i, b;
	long long cum;
	char le[32];

	if (!fr->h)
		return;
	for (m = 0; m < ARRAY_SIZE(lq_fill_metrics); m++) {
		const struct lq_fill_metric *mt = &lq_fill_metrics[m];

		printf("# HELP %s %s\n# TYPE %s histogram\n", mt->name, mt->help, mt->name);
		for (i = 0; i < n; i++) {
			const long long *v;

			lq_frame_hist(fr, rows[i], &hr);
			if (!(mt->syn ? hr.syn_fill : hr.acc_fill))
				continue;
			v = mt->syn ? hr.sf : hr.af;
			for (b = 0, cum = 0; b < LQ_NR_FILL; b++) {
				cum += v[b];
				lq_prom_bucket(mt->name, fr, rows[i], lq_fill_le[b], cum);
			}
			if (mt->syn ? hr.syn_sum : hr.acc_sum) {
				printf("%s_sum{", mt->name);
				lq_prom_listener_labels(fr, rows[i]);
				printf("} ");
				lq_print_fill_sum(mt->syn ? hr.sf_sum : hr.af_sum);
				putchar('\n');
			}
			printf("%s_count{", mt->name);
			lq_prom_listener_labels(fr, rows[i]);
			printf("} %lld\n", cum);
		}
	}

	printf("# HELP listenq_accept_wait_seconds Time from the completed handshake to accept() "
	       "returning the connection.\n# TYPE listenq_accept_wait_seconds histogram\n");
	for (i = 0; i < n; i++) {
		lq_frame_hist(fr, rows[i], &hr);
		if (!hr.wait)
			continue;
		for (b = 0, cum = 0; b < LQ_NR_WAIT; b++) {
			cum += hr.w[b];
			lq_prom_wait_le(le, sizeof(le), b);
			lq_prom_bucket("listenq_accept_wait_seconds", fr, rows[i], le, cum);
		}
		printf("listenq_accept_wait_seconds_sum{");
		lq_prom_listener_labels(fr, rows[i]);
		printf("} %lld.%09lld\n", hr.wait_sum_ns / 1000000000, hr.wait_sum_ns % 1000000000);
		/* _count is +Inf: the buckets' sum, which is wait_count. */
		printf("listenq_accept_wait_seconds_count{");
		lq_prom_listener_labels(fr, rows[i]);
		printf("} %lld\n", cum);
	}

	printf("# HELP listenq_accept_wait_missed_total accept() calls whose wait was not timed: "
	       "not in listenq_accept_wait_seconds.\n"
	       "# TYPE listenq_accept_wait_missed_total counter\n");
	for (i = 0; i < n; i++) {
		lq_frame_hist(fr, rows[i], &hr);
		if (!hr.missed)
			continue;
		printf("listenq_accept_wait_missed_total{");
		lq_prom_listener_labels(fr, rows[i]);
		printf("} %lld\n", hr.wait_missed);
	}
}

/* listenq_sysctl of one namespace; the HELP and TYPE lines before the first. */
static void lq_print_prom_sysctl(const struct lq_sysctl *sc, bool *header)
{
	unsigned int i;
	char ns[24];
	long long v;

	if (!sc->valid || !sc->have[LQ_SC_NS])
		return;
	snprintf(ns, sizeof(ns), "%lld", sc->val[LQ_SC_NS]);
	if (!*header)
		printf("# HELP listenq_sysctl Sysctls of the network namespace that size its listen "
		       "queues.\n# TYPE listenq_sysctl gauge\n");
	*header = true;
	for (i = 0; i < sc->n; i++) {
		if (!strcmp(sc->keys[i], "ns") || !lq_parse_ll(sc->vals[i], &v))
			continue;
		printf("listenq_sysctl{");
		lq_prom_label("ns", ns, true);
		lq_prom_label("name", sc->keys[i], false);
		printf("} %lld\n", v);
	}
}

static void lq_print_prometheus(const struct lq_frame *fr, const unsigned int *rows,
				unsigned int n)
{
	const struct lq_table *t = fr->t;
	bool sysctl_header = false;
	unsigned int m, i;
	long long v;

	for (m = 0; m < ARRAY_SIZE(lq_metrics); m++) {
		const struct lq_metric *mt = &lq_metrics[m];
		int col = t->col[mt->col];

		if (col < 0)
			continue;
		printf("# HELP %s %s\n# TYPE %s %s\n", mt->name, mt->help, mt->name, mt->type);
		for (i = 0; i < n; i++) {
			if (!lq_cell_num(t, rows[i], col, &v))
				continue;	/* "-": no sample rather than a fake 0 */
			printf("%s{", mt->name);
			lq_prom_listener_labels(fr, rows[i]);
			printf("} %lld\n", v);
		}
	}

	lq_print_prom_hist(fr, rows, n);

	printf("# HELP listenq_syn_full_action What a SYN that finds the SYN queue full gets "
	       "(cookie, cookie_all or drop).\n# TYPE listenq_syn_full_action gauge\n");
	for (i = 0; i < n; i++) {
		printf("listenq_syn_full_action{");
		lq_prom_listener_labels(fr, rows[i]);
		lq_prom_label("action", lq_cell(t, rows[i], t->col[LQ_COL_SYN_FULL]), false);
		printf("} 1\n");
	}

	/* One family: every namespace's lines under one HELP, as the format wants. */
	for (i = 0; i < fr->set->n; i++)
		lq_print_prom_sysctl(&fr->set->ns[i].sc, &sysctl_header);
}

/* The line above a --watch frame; --no-header keeps only what separates frames. */
static void lq_frame_header(const struct lq_show_opts *o, unsigned long frame)
{
	if (o->tty && o->no_header) {
		printf("\033[H\033[2J");
		return;
	}
	if (o->no_header) {
		printf("%s", frame ? "\n" : "");
		return;
	}
	if (o->tty) {
		char when[32] = "";
		time_t now = time(NULL);
		struct tm tm;

		if (localtime_r(&now, &tm))
			strftime(when, sizeof(when), "%H:%M:%S", &tm);
		printf("\033[H\033[2J");
		printf("listenq: every %gs, %s\n\n", o->interval, when);
		return;
	}
	/* Piped: frames one after the other, without a clock to stay diffable. */
	printf("%s--- frame %lu (every %gs) ---\n", frame ? "\n" : "", frame + 1, o->interval);
}

/* Remembers this frame's counters for the next frame's deltas. */
static struct lq_prev *lq_remember(const struct lq_frame *fr, unsigned int *n)
{
	const struct lq_table *t = fr->t;
	struct lq_prev *p = calloc(t->nrows + 1, sizeof(*p));
	struct lq_hist_row hr;
	unsigned int i;

	*n = 0;
	if (!p)
		return NULL;
	for (i = 0; i < t->nrows; i++) {
		struct lq_prev *e = &p[*n];

		lq_cell_num(t, i, t->col[LQ_COL_NS], &e->ns);
		if (!lq_cell_num(t, i, t->col[LQ_COL_INODE], &e->inode))
			continue;
		e->row = i;
		lq_cell_num(t, i, t->col[LQ_COL_ACC_Q], &e->acc_q);
		lq_cell_num(t, i, t->col[LQ_COL_SYN_Q], &e->syn_q);
		lq_cell_num(t, i, t->col[LQ_COL_DROPS], &e->drops);
		lq_cell_num(t, i, t->col[LQ_COL_SYNACK_RETRANS], &e->rtx);
		lq_frame_hist(fr, i, &hr);
		e->wait = hr.wait;
		memcpy(e->w, hr.w, sizeof(e->w));
		(*n)++;
	}
	qsort(p, *n, sizeof(*p), lq_prev_cmp);
	return p;
}

static void lq_sleep(double secs)
{
	struct timespec ts = {
		.tv_sec = (time_t)secs,
		.tv_nsec = (long)((secs - (double)(time_t)secs) * 1e9),
	};

	/* A signal ends the sleep early; lq_stop says whether to go on. */
	nanosleep(&ts, NULL);
}

int lq_show(const struct lq_show_opts *o)
{
	struct sigaction sa = { .sa_handler = lq_on_signal };
	struct lq_prev *prev = NULL;
	unsigned int nprev = 0;
	unsigned long frame;
	unsigned long count = o->watch ? o->count : 1;
	int rc = LQ_EXIT_OK;

	if (o->watch) {
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	for (frame = 0; !lq_stop && (!count || frame < count); frame++) {
		struct lq_frame fr = { .o = o, .prev = prev, .nprev = nprev };
		unsigned int *rows, n = 0, i, cursor = 0;
		struct lq_nsset set;
		int *hist_of;
		int lrc;

		/* Every frame finds the namespaces again: -A's come and go. */
		lrc = lq_nsset_load(&set, o, frame);
		if (lrc < 0) {
			lq_nsset_free(&set);
			free(prev);
			return LQ_EXIT_ERR;
		}
		/* Bad rows were reported on stderr; the exit code must not hide them. */
		if (lrc)
			rc = LQ_EXIT_ERR;
		fr.set = &set;
		fr.t = &set.t;
		fr.h = set.have_hist ? &set.h : NULL;
		rows = calloc(set.t.nrows + 1, sizeof(*rows));
		hist_of = calloc(set.t.nrows + 1, sizeof(*hist_of));
		if (!rows || !hist_of) {
			free(rows);
			free(hist_of);
			lq_nsset_free(&set);
			free(prev);
			lq_err("%s", strerror(ENOMEM));
			return LQ_EXIT_ERR;
		}
		for (i = 0; i < set.t.nrows; i++) {
			if (lq_row_matches(&set.t, i, o->filter))
				rows[n++] = i;
			hist_of[i] = lq_hist_find(fr.h, &set.t, i, &cursor);
		}
		fr.hist_of = hist_of;

		if (o->watch)
			lq_frame_header(o, frame);
		if (o->json)
			lq_print_json(&fr, rows, n);
		else if (o->prometheus)
			lq_print_prometheus(&fr, rows, n);
		else
			lq_print_table(&fr, rows, n);
		fflush(stdout);
		if (!frame)
			lq_warn_wait_missed(&fr, rows, n);

		free(prev);
		prev = lq_remember(&fr, &nprev);
		free(rows);
		free(hist_of);
		lq_nsset_free(&set);
		if (o->watch && !lq_stop && (!count || frame + 1 < count))
			lq_sleep(o->interval);
	}
	free(prev);
	return rc;
}
