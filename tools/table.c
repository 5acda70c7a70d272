// SPDX-License-Identifier: GPL-2.0
/*
 * The table: a frame's records in columns, padded to the widest cell,
 * coloured where a queue is at or near its cap.
 */
#include <stdio.h>
#include <string.h>

#include "hist.h"
#include "owners.h"
#include "record.h"
#include "render.h"
#include "show.h"
#include "table.h"
#include "text.h"

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
	TC_NETNS, TC_NAME, TC_LOCAL, TC_ACC_Q, TC_D_ACC, TC_ACC_PEAK, TC_ACC_MAX, TC_ACC_CAP,
	TC_SYN_Q, TC_D_SYN, TC_SYN_PEAK, TC_SYN_CAP, TC_DROPS, TC_D_DROPS, TC_RTX, TC_D_RTX,
	TC_WAIT99, TC_SYN_FULL, TC_BACKLOG, TC_REUSEPORT, TC_UID, TC_INODE, TC_STATUS,
	TC_PROCESSES, TC_NR
};

static const char * const lq_tc_title[TC_NR] = {
	[TC_NETNS] = "NETNS", [TC_NAME] = "NAME", [TC_LOCAL] = "LOCAL", [TC_ACC_Q] = "ACC_Q",
	[TC_D_ACC] = "dACC", [TC_ACC_PEAK] = "PEAK", [TC_ACC_MAX] = "ACC_MAX",
	[TC_ACC_CAP] = "ACC_CAP", [TC_SYN_Q] = "SYN_Q", [TC_D_SYN] = "dSYN", [TC_SYN_PEAK] = "PEAK",
	[TC_SYN_CAP] = "SYN_CAP", [TC_DROPS] = "DROPS", [TC_D_DROPS] = "dDROPS",
	[TC_RTX] = "RTX", [TC_D_RTX] = "dRTX", [TC_WAIT99] = "WAIT99",
	[TC_SYN_FULL] = "SYN_FULL", [TC_BACKLOG] = "BACKLOG", [TC_REUSEPORT] = "REUSEPORT",
	[TC_UID] = "UID", [TC_INODE] = "INODE", [TC_STATUS] = "STATUS",
	[TC_PROCESSES] = "PROCESSES",
};

/* The /proc/listenq column behind each plain column; LOCAL's, BACKLOG's too. */
static const int lq_tc_abi[TC_NR] = {
	[TC_NETNS] = LQ_COL_NS, [TC_LOCAL] = LQ_COL_LOCAL, [TC_ACC_Q] = LQ_COL_ACC_Q,
	[TC_ACC_PEAK] = LQ_COL_ACC_Q_PEAK, [TC_ACC_MAX] = LQ_COL_ACC_MAX,
	[TC_ACC_CAP] = LQ_COL_ACC_CAP, [TC_SYN_Q] = LQ_COL_SYN_Q, [TC_SYN_PEAK] = LQ_COL_SYN_Q_PEAK,
	[TC_SYN_CAP] = LQ_COL_SYN_CAP, [TC_DROPS] = LQ_COL_DROPS,
	[TC_RTX] = LQ_COL_SYNACK_RETRANS, [TC_SYN_FULL] = LQ_COL_SYN_FULL,
	[TC_BACKLOG] = LQ_COL_BACKLOG, [TC_REUSEPORT] = LQ_COL_REUSEPORT_ID, [TC_UID] = LQ_COL_UID,
	[TC_INODE] = LQ_COL_INODE,
};

/* The delta behind each d* column; -1: none. */
static int lq_tc_delta(enum lq_tc tc)
{
	switch (tc) {
	case TC_D_ACC:
		return LQ_D_ACC;
	case TC_D_SYN:
		return LQ_D_SYN;
	case TC_D_DROPS:
		return LQ_D_DROPS;
	case TC_D_RTX:
		return LQ_D_RTX;
	default:
		return -1;
	}
}

static void lq_delta_text(char *buf, size_t len, const struct lq_delta *d)
{
	if (d->state == LQ_DELTA_NONE)
		snprintf(buf, len, "-");
	else if (d->state == LQ_DELTA_NEW)
		snprintf(buf, len, "new");
	else
		snprintf(buf, len, d->v > 0 ? "+%lld" : "%lld", d->v);
}

static void lq_wait99_text(char *buf, size_t len, const struct lq_delta *d)
{
	if (d->state != LQ_DELTA_SET)
		lq_delta_text(buf, len, d);
	else if (d->v == LQ_NR_WAIT - 1)
		snprintf(buf, len, ">16.8s");
	else
		lq_us_text(buf, len, lq_wait_le_us((unsigned int)d->v), true);
}

/* A queue's colour: red at its cap, yellow near it or when its peak reached it. */
static const char *lq_queue_color(const struct lq_record *r, enum lq_tc tc)
{
	long long peak, cap;

	if (tc == TC_ACC_Q)
		return r->status & LQ_ST_ACC_FULL ? LQ_RED :
		       r->status & LQ_ST_ACC_NEAR ? LQ_YELLOW : NULL;
	if (tc == TC_SYN_Q)
		return r->status & LQ_ST_SYN_FULL ? LQ_RED :
		       r->status & LQ_ST_SYN_NEAR ? LQ_YELLOW : NULL;
	if (tc != TC_ACC_PEAK && tc != TC_SYN_PEAK)
		return NULL;
	/* The queue was at its cap at some time since it listens. */
	if (lq_rec_num(r, lq_tc_abi[tc], &peak) &&
	    lq_rec_num(r, tc == TC_ACC_PEAK ? LQ_COL_ACC_CAP : LQ_COL_SYN_CAP, &cap) &&
	    cap > 0 && peak >= cap)
		return LQ_YELLOW;
	return NULL;
}

/* One cell's text and colour. */
static void lq_table_cell(const struct lq_record *r, enum lq_tc tc, char *buf, size_t len,
			  const char **color)
{
	bool full = r->status & (LQ_ST_ACC_FULL | LQ_ST_SYN_FULL);
	int d = lq_tc_delta(tc);

	*color = NULL;
	if (d >= 0) {
		lq_delta_text(buf, len, &r->d[d]);
		if (tc == TC_D_DROPS && r->d[d].state == LQ_DELTA_SET && r->d[d].v > 0)
			*color = LQ_RED;
	} else if (tc == TC_NAME) {
		if (r->ns_name)
			lq_name_escape(buf, len, r->ns_name, false);
		else
			snprintf(buf, len, "-");
	} else if (tc == TC_PROCESSES) {
		snprintf(buf, len, "-");	/* printed whole by lq_print_table() */
	} else if (tc == TC_WAIT99) {
		lq_wait99_text(buf, len, &r->wait99);
	} else if (tc == TC_STATUS) {
		lq_status_str(r->status, buf, len);
		*color = full ? LQ_RED : r->status ? LQ_YELLOW : NULL;
	} else {
		const char *s = r->col[lq_tc_abi[tc]];

		/* "-" for a column this module does not print. */
		snprintf(buf, len, "%s", s ? s : LQ_NO_VALUE);
		*color = tc == TC_LOCAL ? (full ? LQ_BOLD : NULL) : lq_queue_color(r, tc);
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
static unsigned int lq_table_columns(const struct lq_show_opts *o, enum lq_tc *cols)
{
	unsigned int i, nc = 0;

	for (i = 0; i < TC_NR; i++) {
		if (lq_tc_delta((enum lq_tc)i) >= 0 && !o->watch)
			continue;
		if ((i == TC_NETNS || i == TC_NAME) && !o->all)
			continue;
		if (i == TC_PROCESSES && !o->processes)
			continue;
		cols[nc++] = (enum lq_tc)i;
	}
	return nc;
}

/* The title of a column; WAIT99 is of the interval in --watch. */
static const char *lq_tc_name(const struct lq_show_opts *o, enum lq_tc tc)
{
	return tc == TC_WAIT99 && o->watch ? "dWAIT99" : lq_tc_title[tc];
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

/* The width of each column: its title's (1 with -H) or its widest cell's. */
static void lq_table_widths(const struct lq_frame *fr, const enum lq_tc *cols, unsigned int nc,
			    int *width)
{
	char cell[LQ_CELL_LEN];
	const char *color;
	unsigned int i, c;

	for (c = 0; c < nc; c++)
		width[c] = fr->o->no_header ? 1 : (int)strlen(lq_tc_name(fr->o, cols[c]));
	for (i = 0; i < fr->n; i++) {
		for (c = 0; c < nc; c++) {
			if (cols[c] == TC_PROCESSES)
				continue;	/* the last column: no width */
			lq_table_cell(&fr->rec[i], cols[c], cell, sizeof(cell), &color);
			if ((int)lq_text_width(cell) > width[c])
				width[c] = (int)lq_text_width(cell);
		}
	}
}

/* Two passes over the records, widths then text: no cell is kept. */
void lq_print_table(const struct lq_frame *fr)
{
	enum lq_tc cols[TC_NR];
	unsigned int nc = lq_table_columns(fr->o, cols), i, c;
	char cell[LQ_CELL_LEN];
	const char *color;
	int width[TC_NR];

	lq_table_widths(fr, cols, nc, width);
	for (c = 0; c < nc && !fr->o->no_header; c++)
		lq_print_cell(lq_tc_name(fr->o, cols[c]), NULL, width[c], lq_tc_left(cols[c]),
			      c == nc - 1, false);
	for (i = 0; i < fr->n; i++) {
		const struct lq_record *r = &fr->rec[i];

		for (c = 0; c < nc; c++) {
			if (cols[c] == TC_PROCESSES) {
				lq_owners_ss(stdout, r->owners, r->nowners);
				putchar('\n');
				continue;
			}
			lq_table_cell(r, cols[c], cell, sizeof(cell), &color);
			lq_print_cell(cell, color, width[c], lq_tc_left(cols[c]), c == nc - 1,
				      fr->o->color);
		}
	}
}
