// SPDX-License-Identifier: GPL-2.0
/*
 * listenq explain: where a live listener's caps come from and what to
 * change. The caps are the module's columns; the model of
 * include/listenq/model.h only names the term that produced them.
 */
#include <stdio.h>
#include <string.h>

#include "advice.h"
#include "explain.h"
#include "filter.h"
#include "kernel.h"
#include "nsset.h"
#include "owners.h"
#include "queues.h"
#include "show.h"
#include "table.h"
#include "text.h"
#include "util.h"

/* What explain says of one listener beyond its own row. */
struct lq_explain_ctx {
	const struct lq_show_opts *o;
	const struct lq_ns *ns;		/* the listener's namespace */
	const struct lq_owners *own;	/* -p */
};

/* The namespace of the header lines: its inode and, with -A, its name. */
static void lq_explain_netns(const struct lq_explain_ctx *cx, const char *inode)
{
	printf("netns %s", inode);
	if (cx->o->all && cx->ns->name) {
		fputs(" (", stdout);
		lq_name_fputs(stdout, cx->ns->name, false);
		putchar(')');
	}
}

/* The listener's line: address, namespace, owner, inode, group; -p's processes. */
static void lq_explain_title(const struct lq_explain_ctx *cx, const struct lq_xsrc *s)
{
	long long v;

	printf("%s  ", lq_cell(s->t, s->row, s->t->col[LQ_COL_LOCAL]));
	lq_explain_netns(cx, lq_cell(s->t, s->row, s->t->col[LQ_COL_NS]));
	printf(", uid %s, inode %s", lq_cell(s->t, s->row, s->t->col[LQ_COL_UID]),
	       lq_cell(s->t, s->row, s->t->col[LQ_COL_INODE]));
	if (lq_cell_num(s->t, s->row, s->t->col[LQ_COL_REUSEPORT_ID], &v))
		printf(", SO_REUSEPORT group %lld", v);
	putchar('\n');
	if (cx->o->processes) {
		const struct lq_owner *ow;
		unsigned int no;

		ow = lq_owners_of(cx->own, s->t, s->row, &no);
		printf("  owned by: ");
		lq_owners_text(stdout, ow, no);
		putchar('\n');
	}
}

static void lq_explain_row(const struct lq_explain_ctx *cx, const struct lq_xsrc *s,
			   const struct lq_kernel_version *k)
{
	struct lq_explained x = {
		.local = lq_cell(s->t, s->row, s->t->col[LQ_COL_LOCAL]),
		.st = lq_row_status(s->t, s->row),
		.action = lq_cell(s->t, s->row, s->t->col[LQ_COL_SYN_FULL]),
		.have_somaxconn = s->sc->have[LQ_SC_SOMAXCONN],
		.somaxconn = s->sc->val[LQ_SC_SOMAXCONN],
		.msb = s->sc->val[LQ_SC_MAX_SYN_BACKLOG],
	};

	lq_cell_num(s->t, s->row, s->t->col[LQ_COL_ACC_MAX], &x.b);
	lq_cell_num(s->t, s->row, s->t->col[LQ_COL_SYN_CAP], &x.syn_cap);
	lq_cell_num(s->t, s->row, s->t->col[LQ_COL_DROPS], &x.drops);
	lq_explain_title(cx, s);
	lq_explain_accq(s, &x);
	lq_explain_synq(s, k, &x);
	lq_explain_drops(s, &x);
	lq_explain_advice(&x);
}

/* The line above a namespace's listeners: the kernel and the sysctls that size queues. */
static void lq_explain_header(const struct lq_explain_ctx *cx, const struct lq_kernel_version *k)
{
	const struct lq_sysctl *sc = &cx->ns->sc;
	char inode[24];

	printf("kernel %s%s", k->major ? k->text : "unknown", k->running ? " (running)" : "");
	if (cx->o->all) {
		snprintf(inode, sizeof(inode), "%llu", cx->ns->inode);
		printf(", ");
		lq_explain_netns(cx, inode);
	} else if (sc->valid && sc->have[LQ_SC_NS]) {
		printf(", netns %lld", sc->val[LQ_SC_NS]);
	}
	if (sc->have[LQ_SC_SOMAXCONN])
		printf(": somaxconn %lld", sc->val[LQ_SC_SOMAXCONN]);
	if (sc->have[LQ_SC_MAX_SYN_BACKLOG])
		printf(", tcp_max_syn_backlog %lld", sc->val[LQ_SC_MAX_SYN_BACKLOG]);
	if (sc->have[LQ_SC_SYNCOOKIES])
		printf(", tcp_syncookies %lld", sc->val[LQ_SC_SYNCOOKIES]);
	if (!sc->valid)
		printf(": %s unreadable", cx->ns->sysctl_path);
	putchar('\n');
}

/*
 * Each namespace's listeners that match, under its header line: the caps
 * follow from that namespace's sysctls. Without -A the header comes even
 * with no listener to explain; with -A only namespaces with one have it.
 */
int lq_explain(const struct lq_show_opts *o, const char *what, const struct lq_kernel_version *k)
{
	struct lq_explain_ctx cx = { .o = o };
	unsigned int i, r, n = 0, cursor;
	struct lq_hist_row hr;
	struct lq_xsrc src;
	struct lq_nsset set;
	int rc;

	rc = lq_nsset_load(&set, o, 0);
	if (rc < 0) {
		lq_nsset_free(&set);
		return LQ_EXIT_ERR;
	}
	cx.own = &set.own;
	for (i = 0; i < set.n; i++) {
		const struct lq_ns *ns = &set.ns[i];
		bool header = false;

		cx.ns = ns;
		cursor = 0;
		if (!o->all) {
			lq_explain_header(&cx, k);
			header = true;
		}
		for (r = 0; r < ns->t.nrows; r++) {
			if (!lq_row_matches(&ns->t, r, o->filter))
				continue;
			if (!header) {
				printf("%s", n ? "\n" : "");
				lq_explain_header(&cx, k);
				header = true;
			}
			putchar('\n');
			lq_hist_get(&ns->h, ns->hrc ? -1 : lq_hist_find(&ns->h, &ns->t, r, &cursor),
				    &hr);
			src = (struct lq_xsrc){ .t = &ns->t, .row = r, .sc = &ns->sc, .hr = &hr };
			lq_explain_row(&cx, &src, k);
			n++;
		}
	}
	rc = rc ? LQ_EXIT_ERR : LQ_EXIT_OK;
	if (!n) {
		lq_err("no listener matches %s in %s network namespace", what,
		       o->all ? "any" : "this");
		rc = LQ_EXIT_ERR;
	}
	lq_nsset_free(&set);
	return rc;
}
