// SPDX-License-Identifier: GPL-2.0
/*
 * listenq explain: where a live listener's caps come from and what to
 * change. The caps are the module's columns; the model of
 * include/listenq/model.h only names the term that produced them.
 */
#include <stdio.h>
#include <string.h>

#include "caps.h"
#include "explain.h"
#include "filter.h"
#include "hist.h"
#include "kernel.h"
#include "nsset.h"
#include "owners.h"
#include "show.h"
#include "table.h"
#include "text.h"
#include "util.h"

/* What the kernel did with the listen() backlog, as far as the module knows. */
static bool lq_explain_backlog(const struct lq_table *t, unsigned int row, long long b,
			       const struct lq_sysctl *sc, long long *requested)
{
	long long req;

	if (!lq_cell_num(t, row, t->col[LQ_COL_BACKLOG], &req)) {
		printf("      backlog %lld: listenq does not know the requested listen() backlog "
		       "(the module did\n      not observe the listen() call); the kernel used "
		       "min(listen() backlog, somaxconn then)\n", b);
		if (sc->have[LQ_SC_SOMAXCONN] && sc->val[LQ_SC_SOMAXCONN] == b)
			printf("      backlog %lld equals somaxconn now: probably clamped\n", b);
		return false;
	}
	*requested = req;
	if (req < 0) {
		printf("      listen() backlog %lld is negative: the kernel used somaxconn %lld\n",
		       req, b);
	} else if (req > b) {
		printf("      listen() backlog %lld was clamped to somaxconn %lld", req, b);
		if (sc->have[LQ_SC_SOMAXCONN] && sc->val[LQ_SC_SOMAXCONN] != b)
			printf(" (somaxconn is %lld now;\n      the clamp happens at listen() time)",
			       sc->val[LQ_SC_SOMAXCONN]);
		putchar('\n');
	} else if (req == b) {
		printf("      listen() backlog %lld was used as requested\n", req);
	} else {
		printf("      listen() backlog %lld, but the socket has %lld: listen() called again?\n",
		       req, b);
	}
	return true;
}

/* One counter for lq_explain_reasons(): its value, or "-" where it is missing. */
static const char *lq_reason_text(char *buf, size_t len, const long long *v, unsigned long have,
				  int col)
{
	unsigned int i = col - LQ_COL_DROP_SYNQ;

	if (!(have & 1UL << i))
		return "-";
	snprintf(buf, len, "%lld", v[i]);
	return buf;
}

/*
 * The module's per-reason counters, when it has them and its probes are on.
 * A kernel may lack what one of them needs (expired on 5.10.223, without
 * __inet_csk_reqsk_queue_drop()): the module prints "-" for it alone.
 */
static void lq_explain_reasons(const struct lq_table *t, unsigned int row, long long drops)
{
	long long v[LQ_COL_EXPIRED - LQ_COL_DROP_SYNQ + 1];
	unsigned int i, have = 0, cols = 0;
	unsigned long mask = 0;
	char b[6][24];
	bool any = false;

	for (i = 0; i <= LQ_COL_EXPIRED - LQ_COL_DROP_SYNQ; i++) {
		int col = t->col[LQ_COL_DROP_SYNQ + i];

		cols += col >= 0;
		if (lq_cell_num(t, row, col, &v[i])) {
			have++;
			mask |= 1UL << i;
			any |= v[i] > 0;
		}
	}
	if (!cols)
		return;		/* a module older than the counters */
	if (!have || cols != i) {
		if (drops > 0)
			printf("      why: per-reason counters are off (load the module with "
			       "probes=1)\n");
		return;
	}
	if (!any)
		return;
	printf("      why: SYN queue full %s, accept queue full %s at SYN + %s at ACK, "
	       "quarter rule %s;\n      %s SYNs got cookies, %s requests expired%s\n",
	       lq_reason_text(b[0], sizeof(b[0]), v, mask, LQ_COL_DROP_SYNQ),
	       lq_reason_text(b[1], sizeof(b[1]), v, mask, LQ_COL_DROP_ACCQ_SYN),
	       lq_reason_text(b[2], sizeof(b[2]), v, mask, LQ_COL_DROP_ACCQ_ACK),
	       lq_reason_text(b[3], sizeof(b[3]), v, mask, LQ_COL_DROP_QUARTER),
	       lq_reason_text(b[4], sizeof(b[4]), v, mask, LQ_COL_COOKIE_SYNQ),
	       lq_reason_text(b[5], sizeof(b[5]), v, mask, LQ_COL_EXPIRED),
	       have != cols ? " (-: not counted on this kernel)" : "");
}

/*
 * Which rule and term produced the module's syn_cap: the module computes it
 * with the rule it read from its kernel headers, so trying both rules of
 * the module's kernels recovers it.
 */
static bool lq_explain_syn_bound(long long b, long long syn_cap, const struct lq_sysctl *sc,
				 struct lq_rules *r, enum lq_bound *why)
{
	static const enum lq_synq_rule rules[] = { LQ_SYNQ_GT, LQ_SYNQ_GE };
	unsigned int i;

	if (!sc->have[LQ_SC_MAX_SYN_BACKLOG] || !sc->have[LQ_SC_SYNCOOKIES])
		return false;
	for (i = 0; i < ARRAY_SIZE(rules); i++) {
		r->synq = rules[i];
		r->acceptq = LQ_ACCEPTQ_GT;
		if ((long long)lq_syn_cap(r, (unsigned int)b, 0, (int)sc->val[LQ_SC_MAX_SYN_BACKLOG],
					  (int)sc->val[LQ_SC_SYNCOOKIES], why) == syn_cap)
			return true;
	}
	return false;
}

/* "peaked at 129 of 129": the highest length the probes saw (syn_q_peak, acc_q_peak). */
static bool lq_explain_peak(const struct lq_table *t, unsigned int row, int col, long long cap)
{
	long long peak;

	if (!lq_cell_num(t, row, t->col[col], &peak))
		return false;
	printf("      peaked at %lld of %lld%s\n", peak, cap,
	       cap > 0 && peak >= cap ? ": full at times" : "");
	return cap > 0 && peak >= cap;
}

/* "12% of 1500 SYNs found the SYN queue over 3/4 full (0% full)". */
static void lq_explain_fill(bool have, const long long *v, const char *one, const char *what,
			    const char *queue)
{
	long long total = lq_sum(v, LQ_NR_FILL);
	char over[16], full[16];

	if (!have)
		return;
	if (!total) {
		printf("      no %s yet\n", one);
		return;
	}
	if (!v[LQ_FILL_99] && !v[LQ_FILL_FULL]) {
		printf("      none of %lld %s found the %s over 3/4 full\n", total, what, queue);
		return;
	}
	lq_pct_text(over, sizeof(over), v[LQ_FILL_99] + v[LQ_FILL_FULL], total);
	lq_pct_text(full, sizeof(full), v[LQ_FILL_FULL], total);
	printf("      %s of %lld %s found the %s over 3/4 full (%s full)\n", over, total, what,
	       queue, full);
}

/*
 * How long connections waited for accept(), from the log2 buckets: the
 * bounds of the buckets that the median and the 99th percentile fall in,
 * the exact mean, and the bucket of the longest wait.
 */
static unsigned int lq_explain_wait(const struct lq_hist_row *hr)
{
	long long total = lq_sum(hr->w, LQ_NR_WAIT);
	unsigned int p99, p50, top;
	char a[32], b[32], mean[32];

	if (!hr->wait)
		return 0;
	if (!total) {
		printf("      no connection accepted yet\n");
		return 0;
	}
	p99 = lq_wait_quantile(hr->w, total, 990);
	p50 = lq_wait_quantile(hr->w, total, 500);
	if (p99 == LQ_NR_WAIT - 1) {
		printf("      1%% or more of %lld connections waited over 16.777216 s for accept()\n",
		       total);
	} else {
		lq_us_text(a, sizeof(a), lq_wait_le_us(p99), false);
		if (p50 == LQ_NR_WAIT - 1)
			snprintf(b, sizeof(b), "over 16.777216 s");
		else
			lq_us_text(b, sizeof(b), lq_wait_le_us(p50), false);
		printf("      99%% of %lld connections waited at most %s for accept(), half at most "
		       "%s\n", total, a, b);
	}
	for (top = LQ_NR_WAIT - 1; top > 0 && !hr->w[top]; top--)
		;
	lq_ns_text(mean, sizeof(mean), (double)hr->wait_sum_ns / (double)total);
	if (top == LQ_NR_WAIT - 1) {
		printf("      mean %s; the longest over 16.777216 s\n", mean);
	} else if (!top) {
		printf("      mean %s; the longest at most 1 us\n", mean);
	} else {
		lq_us_text(a, sizeof(a), lq_wait_le_us(top - 1), false);
		lq_us_text(b, sizeof(b), lq_wait_le_us(top), false);
		printf("      mean %s; the longest over %s and at most %s\n", mean, a, b);
	}
	return p99;
}

/* What the SYN-ACK retransmissions say. */
enum lq_rtx_verdict { LQ_RTX_NONE, LQ_RTX_LOSSY, LQ_RTX_FLOOD };

/*
 * synack_retrans against the handshakes that completed (the acc_fill
 * arrivals): one retransmission or more per 10 handshakes means clients
 * do not answer. With the SYN queue over 3/4 full for 10% of the SYNs, or
 * at its cap at its peak, the SYNs come from sources that never answer (a
 * flood); otherwise SYN-ACKs or the ACKs get lost on the way.
 */
static enum lq_rtx_verdict lq_explain_rtx(const struct lq_table *t, unsigned int row,
					  const struct lq_hist_row *hr, bool syn_peak_full)
{
	long long rtx, hs, syns, high;

	enum lq_rtx_verdict v = LQ_RTX_LOSSY;

	if (!lq_cell_num(t, row, t->col[LQ_COL_SYNACK_RETRANS], &rtx))
		return LQ_RTX_NONE;
	hs = lq_sum(hr->af, LQ_NR_FILL);
	if (!hr->acc_fill || !rtx || rtx * 10 < hs) {
		printf("  SYN-ACKs      %lld retransmitted\n", rtx);
		if (hr->acc_fill && rtx)
			printf("      %lld for %lld completed handshakes: fewer than 1 in 10, ordinary "
			       "loss\n", rtx, hs);
		return LQ_RTX_NONE;
	}
	syns = hr->syn_fill ? lq_sum(hr->sf, LQ_NR_FILL) : 0;
	high = hr->syn_fill ? hr->sf[LQ_FILL_99] + hr->sf[LQ_FILL_FULL] : 0;
	if (syn_peak_full || (syns && high * 10 >= syns))
		v = LQ_RTX_FLOOD;
	printf("  SYN-ACKs      %lld retransmitted: clients are not answering\n", rtx);
	printf("      %lld for %lld completed handshakes (1 in 10 or more), with the SYN queue %s:\n",
	       rtx, hs, v == LQ_RTX_FLOOD ? "filling up" : "low");
	printf("      %s\n", v == LQ_RTX_FLOOD ?
	       "SYNs from sources that never answer, a SYN flood?" :
	       "SYN-ACKs or the clients' ACKs are lost on the way");
	return v;
}

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

static void lq_explain_row(const struct lq_explain_ctx *cx, const struct lq_table *t,
			   unsigned int row, const struct lq_sysctl *sc,
			   const struct lq_kernel_version *k, const struct lq_hist_row *hr)
{
	bool acc_peak_full, syn_peak_full;
	enum lq_rtx_verdict rtx;
	unsigned int p99;
	long long acc_q = 0, b = 0, acc_cap = 0, syn_q = 0, young = 0, syn_cap = 0, drops = 0;
	long long req = 0, msb = sc->val[LQ_SC_MAX_SYN_BACKLOG], v;
	const char *action = lq_cell(t, row, t->col[LQ_COL_SYN_FULL]);
	unsigned int st = lq_row_status(t, row);
	bool known, req_known, advice = false;
	char text[200], note[160];
	struct lq_rules r;
	enum lq_bound why = LQ_BOUND_BACKLOG;

	lq_cell_num(t, row, t->col[LQ_COL_ACC_Q], &acc_q);
	lq_cell_num(t, row, t->col[LQ_COL_ACC_MAX], &b);
	lq_cell_num(t, row, t->col[LQ_COL_ACC_CAP], &acc_cap);
	lq_cell_num(t, row, t->col[LQ_COL_SYN_Q], &syn_q);
	lq_cell_num(t, row, t->col[LQ_COL_SYN_YOUNG], &young);
	lq_cell_num(t, row, t->col[LQ_COL_SYN_CAP], &syn_cap);
	lq_cell_num(t, row, t->col[LQ_COL_DROPS], &drops);

	printf("%s  ", lq_cell(t, row, t->col[LQ_COL_LOCAL]));
	lq_explain_netns(cx, lq_cell(t, row, t->col[LQ_COL_NS]));
	printf(", uid %s, inode %s", lq_cell(t, row, t->col[LQ_COL_UID]),
	       lq_cell(t, row, t->col[LQ_COL_INODE]));
	if (lq_cell_num(t, row, t->col[LQ_COL_REUSEPORT_ID], &v))
		printf(", SO_REUSEPORT group %lld", v);
	putchar('\n');
	if (cx->o->processes) {
		const struct lq_owner *ow;
		unsigned int no;

		ow = lq_owners_of(cx->own, t, row, &no);
		printf("  owned by: ");
		lq_owners_text(stdout, ow, no);
		putchar('\n');
	}

	printf("  accept queue  %lld of %lld%s\n", acc_q, acc_cap,
	       st & LQ_ST_ACC_FULL ? ": FULL, new SYNs and handshake ACKs are dropped" :
	       st & LQ_ST_ACC_NEAR ? ": nearly full" : "");
	if (acc_cap == b + 1)
		printf("      cap %lld = backlog %lld + 1: full when more than the backlog wait "
		       "for accept()\n", acc_cap, b);
	else if (acc_cap == 0)
		printf("      cap 0: every SYN is dropped before it is queued, so no connection "
		       "reaches it\n");
	else
		printf("      cap %lld, backlog %lld\n", acc_cap, b);
	req_known = lq_explain_backlog(t, row, b, sc, &req);
	acc_peak_full = lq_explain_peak(t, row, LQ_COL_ACC_Q_PEAK, acc_cap);
	lq_explain_fill(hr->acc_fill, hr->af, "completed handshake", "handshakes", "accept queue");
	p99 = lq_explain_wait(hr);

	printf("  SYN queue     %lld of %lld (%lld young)%s\n", syn_q, syn_cap, young,
	       st & LQ_ST_SYN_FULL ? ": FULL" : st & LQ_ST_SYN_NEAR ? ": nearly full" : "");
	known = lq_explain_syn_bound(b, syn_cap, sc, &r, &why);
	if (known) {
		lq_syn_cap_text(text, sizeof(text), &r, why, (unsigned int)b, 0, msb);
		printf("      cap %lld = %s\n", syn_cap, text);
		lq_msb_note(note, sizeof(note), &r, why, (unsigned int)b, 0, msb,
			    sc->val[LQ_SC_SYNCOOKIES]);
		if (note[0])
			printf("      %s\n", note);
		if (why == LQ_BOUND_BACKLOG && k->major) {
			struct lq_rules kr = lq_rules_for_kernel(k->major, k->minor, k->sublevel);

			if (kr.synq != r.synq)
				printf("      kernel %s would test qlen %s backlog by its version; the "
				       "module's headers say %s\n", k->text,
				       kr.synq == LQ_SYNQ_GT ? ">" : kr.synq == LQ_SYNQ_GE ? ">=" :
				       ">> max_qlen_log", r.synq == LQ_SYNQ_GT ? ">" : ">=");
		}
	} else if (!sc->valid) {
		printf("      cap %lld (listenq cannot read this namespace's sysctls to tell why)\n",
		       syn_cap);
	} else {
		printf("      cap %lld does not match listenq's model for backlog %lld (sysctls "
		       "changed since?)\n", syn_cap, b);
	}
	printf("      when full: %s\n", lq_syn_full_text(action));
	syn_peak_full = lq_explain_peak(t, row, LQ_COL_SYN_Q_PEAK, syn_cap);
	lq_explain_fill(hr->syn_fill, hr->sf, "SYN arrived", "SYNs", "SYN queue");

	printf("  drops         %lld (SYNs and handshake ACKs this listener dropped)\n", drops);
	lq_explain_reasons(t, row, drops);
	rtx = lq_explain_rtx(t, row, hr, syn_peak_full);
	if (lq_cell_num(t, row, t->col[LQ_COL_DEFER_ACCEPT], &v) && v > 0)
		printf("  defer_accept  %llds: children wait for data before accept() sees them\n", v);
	if (lq_cell_num(t, row, t->col[LQ_COL_TFO_MAX], &v) && v > 0)
		printf("  fast open     %s of %lld pending\n",
		       lq_cell(t, row, t->col[LQ_COL_TFO_Q]), v);

	printf("  to change\n");
	if (st & (LQ_ST_ACC_FULL | LQ_ST_ACC_NEAR)) {
		advice = true;
		printf("    - The application does not accept() fast enough for what arrives. "
		       "Make it accept\n      faster; a larger queue only absorbs bursts.\n");
		if (req_known && req > b)
			printf("    - For a larger queue, raise net.core.somaxconn to at least %lld in "
			       "this network\n      namespace and restart the application: listen() "
			       "clamps its backlog when called.\n", req);
		else if (req_known && req < 0)
			printf("    - For a larger queue, raise net.core.somaxconn in this network "
			       "namespace and restart\n      the application: its listen() backlog %lld "
			       "asks for as much as somaxconn allows.\n", req);
		else if (sc->have[LQ_SC_SOMAXCONN])
			printf("    - For a larger queue, give listen() a backlog above %lld (somaxconn, "
			       "%lld now, caps it).\n", b, sc->val[LQ_SC_SOMAXCONN]);
		else
			printf("    - For a larger queue, give listen() a backlog above %lld.\n", b);
	}
	if (st & (LQ_ST_SYN_FULL | LQ_ST_SYN_NEAR)) {
		advice = true;
		if (known && why == LQ_BOUND_BACKLOG && syn_cap == 0 && !strcmp(action, "drop"))
			printf("    - Every SYN is dropped: this kernel's SYN queue is full when qlen "
			       ">= backlog, and the\n      backlog is 0 (qlen > backlog since "
			       "3479c7549fb1: 6.13 and its stable backports).\n      Give listen() "
			       "a backlog of at least 1, or set net.ipv4.tcp_syncookies=1.\n");
		else if (known && why == LQ_BOUND_MAX_SYN)
			printf("    - Raise net.ipv4.tcp_max_syn_backlog (%lld now) or set "
			       "net.ipv4.tcp_syncookies=1:\n      peers unknown to tcp_metrics are "
			       "dropped past %lld requests.\n", msb, syn_cap);
		else
			printf("    - The backlog sizes the SYN queue too. Many requests that never "
			       "complete mean a\n      SYN flood or clients the SYN-ACKs do not reach "
			       "(nstat TcpExtTCPSynRetrans).\n");
		if (!strcmp(action, "drop") && !(known && why == LQ_BOUND_MAX_SYN) && syn_cap > 0)
			printf("    - SYNs past the cap are dropped: net.ipv4.tcp_syncookies=1 "
			       "answers them with cookies.\n");
	}
	if (rtx == LQ_RTX_FLOOD) {
		advice = true;
		printf("    - SYN-ACKs go unanswered while the SYN queue fills: keep "
		       "net.ipv4.tcp_syncookies=1 so\n      that real clients still get in, and "
		       "look at where the SYNs come from.\n");
	} else if (rtx == LQ_RTX_LOSSY) {
		advice = true;
		printf("    - SYN-ACKs go unanswered: look at the return path to the clients (packet "
		       "loss, a\n      firewall or asymmetric routing that drops SYN-ACKs or their "
		       "ACKs).\n");
	}
	/* Slow to accept() with room in the queue: 1% waited past 131 ms. */
	if (!(st & (LQ_ST_ACC_FULL | LQ_ST_ACC_NEAR)) && hr->wait && p99 >= 17) {
		char bound[32];

		advice = true;
		if (p99 == LQ_NR_WAIT - 1)
			snprintf(bound, sizeof(bound), "16.777216 s");
		else
			lq_us_text(bound, sizeof(bound), lq_wait_le_us(p99 - 1), false);
		printf("    - 1%% of the connections waited over %s for accept() although the\n"
		       "      queue had room: the application is slow to call accept().\n", bound);
	}
	if (!advice && (acc_peak_full || syn_peak_full)) {
		advice = true;
		printf("    - The %s queue was full at times, though it has room now: bursts. A "
		       "larger backlog\n      absorbs them; 'listenq --watch %s' shows when they "
		       "come.\n", acc_peak_full ? "accept" : "SYN",
		       lq_cell(t, row, t->col[LQ_COL_LOCAL]));
	}
	if (!advice && drops > 0) {
		advice = true;
		printf("    - %lld drops while both queues have room now: they overflowed earlier, "
		       "or packets\n      were dropped for other reasons. 'listenq --watch %s' shows "
		       "when drops grow.\n", drops, lq_cell(t, row, t->col[LQ_COL_LOCAL]));
	}
	if (!advice)
		printf("    - Nothing: both queues have room and nothing was dropped.\n");
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
			lq_explain_row(&cx, &ns->t, r, &ns->sc, k, &hr);
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
