// SPDX-License-Identifier: GPL-2.0
/*
 * explain's account of one listener's queues: each against its cap, where
 * the cap comes from (the model of include/listenq/model.h names the term
 * that produced the module's column), the peaks, the histograms of
 * listenq_hist, the drops and the SYN-ACK retransmissions. What it finds
 * goes into struct lq_explained for the advice (advice.c).
 */
#include <stdio.h>
#include <string.h>

#include "advice.h"
#include "caps.h"
#include "hist.h"
#include "kernel.h"
#include "queues.h"
#include "table.h"
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

/* Column @col of the listener as a number; 0 if it has none. */
static long long lq_xnum(const struct lq_xsrc *s, int col)
{
	long long v = 0;

	lq_cell_num(s->t, s->row, s->t->col[col], &v);
	return v;
}

static const char *lq_xcell(const struct lq_xsrc *s, int col)
{
	return lq_cell(s->t, s->row, s->t->col[col]);
}

/* The accept queue against its cap, the backlog behind it, its peak, fill and waits. */
void lq_explain_accq(const struct lq_xsrc *s, struct lq_explained *x)
{
	long long acc_q = lq_xnum(s, LQ_COL_ACC_Q), acc_cap = lq_xnum(s, LQ_COL_ACC_CAP);
	long long b = x->b;

	printf("  accept queue  %lld of %lld%s\n", acc_q, acc_cap,
	       x->st & LQ_ST_ACC_FULL ? ": FULL, new SYNs and handshake ACKs are dropped" :
	       x->st & LQ_ST_ACC_NEAR ? ": nearly full" : "");
	if (acc_cap == b + 1)
		printf("      cap %lld = backlog %lld + 1: full when more than the backlog wait "
		       "for accept()\n", acc_cap, b);
	else if (acc_cap == 0)
		printf("      cap 0: every SYN is dropped before it is queued, so no connection "
		       "reaches it\n");
	else
		printf("      cap %lld, backlog %lld\n", acc_cap, b);
	x->req_known = lq_explain_backlog(s->t, s->row, b, s->sc, &x->req);
	x->acc_peak_full = lq_explain_peak(s->t, s->row, LQ_COL_ACC_Q_PEAK, acc_cap);
	lq_explain_fill(s->hr->acc_fill, s->hr->af, "completed handshake", "handshakes",
			"accept queue");
	x->wait = s->hr->wait;
	x->p99 = lq_explain_wait(s->hr);
}

/* The module's SYN queue rule against the one of the version explain was given. */
static void lq_explain_synq_rule(const struct lq_explained *x, const struct lq_kernel_version *k)
{
	struct lq_rules kr;

	if (x->why != LQ_BOUND_BACKLOG || !k->major)
		return;
	kr = lq_rules_for_kernel(k->major, k->minor, k->sublevel);
	if (kr.synq != x->r.synq)
		printf("      kernel %s would test qlen %s backlog by its version; the "
		       "module's headers say %s\n", k->text,
		       kr.synq == LQ_SYNQ_GT ? ">" : kr.synq == LQ_SYNQ_GE ? ">=" :
		       ">> max_qlen_log", x->r.synq == LQ_SYNQ_GT ? ">" : ">=");
}

/* The SYN queue against its cap, the rule and term behind the cap, its peak and fill. */
void lq_explain_synq(const struct lq_xsrc *s, const struct lq_kernel_version *k,
			    struct lq_explained *x)
{
	long long syn_q = lq_xnum(s, LQ_COL_SYN_Q), young = lq_xnum(s, LQ_COL_SYN_YOUNG);
	char text[200], note[160];

	printf("  SYN queue     %lld of %lld (%lld young)%s\n", syn_q, x->syn_cap, young,
	       x->st & LQ_ST_SYN_FULL ? ": FULL" : x->st & LQ_ST_SYN_NEAR ? ": nearly full" : "");
	x->why = LQ_BOUND_BACKLOG;
	x->known = lq_explain_syn_bound(x->b, x->syn_cap, s->sc, &x->r, &x->why);
	if (x->known) {
		lq_syn_cap_text(text, sizeof(text), &x->r, x->why, (unsigned int)x->b, 0, x->msb);
		printf("      cap %lld = %s\n", x->syn_cap, text);
		lq_msb_note(note, sizeof(note), &x->r, x->why, (unsigned int)x->b, 0, x->msb,
			    s->sc->val[LQ_SC_SYNCOOKIES]);
		if (note[0])
			printf("      %s\n", note);
		lq_explain_synq_rule(x, k);
	} else if (!s->sc->valid) {
		printf("      cap %lld (listenq cannot read this namespace's sysctls to tell why)\n",
		       x->syn_cap);
	} else {
		printf("      cap %lld does not match listenq's model for backlog %lld (sysctls "
		       "changed since?)\n", x->syn_cap, x->b);
	}
	printf("      when full: %s\n", lq_syn_full_text(x->action));
	x->syn_peak_full = lq_explain_peak(s->t, s->row, LQ_COL_SYN_Q_PEAK, x->syn_cap);
	lq_explain_fill(s->hr->syn_fill, s->hr->sf, "SYN arrived", "SYNs", "SYN queue");
}

/* The drops and why, the SYN-ACK retransmissions, TCP_DEFER_ACCEPT and Fast Open. */
void lq_explain_drops(const struct lq_xsrc *s, struct lq_explained *x)
{
	long long v;

	printf("  drops         %lld (SYNs and handshake ACKs this listener dropped)\n", x->drops);
	lq_explain_reasons(s->t, s->row, x->drops);
	x->rtx = lq_explain_rtx(s->t, s->row, s->hr, x->syn_peak_full);
	if (lq_cell_num(s->t, s->row, s->t->col[LQ_COL_DEFER_ACCEPT], &v) && v > 0)
		printf("  defer_accept  %llds: children wait for data before accept() sees them\n", v);
	if (lq_cell_num(s->t, s->row, s->t->col[LQ_COL_TFO_MAX], &v) && v > 0)
		printf("  fast open     %s of %lld pending\n", lq_xcell(s, LQ_COL_TFO_Q), v);
}
