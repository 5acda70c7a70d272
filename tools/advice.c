// SPDX-License-Identifier: GPL-2.0
/*
 * explain's "to change": from what explain found of a listener (its
 * queues against their caps, where the caps come from, the SYN-ACK
 * retransmissions, the accept() waits), what to do about it, the most
 * pressing first.
 */
#include <stdio.h>
#include <string.h>

#include "advice.h"
#include "hist.h"
#include "table.h"

/* The accept queue is full or nearly: the application, then the backlog. */
static void lq_advice_accept(const struct lq_explained *x)
{
	printf("    - The application does not accept() fast enough for what arrives. "
	       "Make it accept\n      faster; a larger queue only absorbs bursts.\n");
	if (x->req_known && x->req > x->b)
		printf("    - For a larger queue, raise net.core.somaxconn to at least %lld in "
		       "this network\n      namespace and restart the application: listen() "
		       "clamps its backlog when called.\n", x->req);
	else if (x->req_known && x->req < 0)
		printf("    - For a larger queue, raise net.core.somaxconn in this network "
		       "namespace and restart\n      the application: its listen() backlog %lld "
		       "asks for as much as somaxconn allows.\n", x->req);
	else if (x->have_somaxconn)
		printf("    - For a larger queue, give listen() a backlog above %lld (somaxconn, "
		       "%lld now, caps it).\n", x->b, x->somaxconn);
	else
		printf("    - For a larger queue, give listen() a backlog above %lld.\n", x->b);
}

/* The SYN queue is full or nearly: what its cap comes from says what to raise. */
static void lq_advice_syn(const struct lq_explained *x)
{
	bool drop = !strcmp(x->action, "drop");
	bool max_syn = x->known && x->why == LQ_BOUND_MAX_SYN;

	if (x->known && x->why == LQ_BOUND_BACKLOG && x->syn_cap == 0 && drop)
		printf("    - Every SYN is dropped: this kernel's SYN queue is full when qlen "
		       ">= backlog, and the\n      backlog is 0 (qlen > backlog since "
		       "3479c7549fb1: 6.13 and its stable backports).\n      Give listen() "
		       "a backlog of at least 1, or set net.ipv4.tcp_syncookies=1.\n");
	else if (max_syn)
		printf("    - Raise net.ipv4.tcp_max_syn_backlog (%lld now) or set "
		       "net.ipv4.tcp_syncookies=1:\n      peers unknown to tcp_metrics are "
		       "dropped past %lld requests.\n", x->msb, x->syn_cap);
	else
		printf("    - The backlog sizes the SYN queue too. Many requests that never "
		       "complete mean a\n      SYN flood or clients the SYN-ACKs do not reach "
		       "(nstat TcpExtTCPSynRetrans).\n");
	if (drop && !max_syn && x->syn_cap > 0)
		printf("    - SYNs past the cap are dropped: net.ipv4.tcp_syncookies=1 "
		       "answers them with cookies.\n");
}

/* SYN-ACKs go unanswered; true if it said so. */
static bool lq_advice_rtx(const struct lq_explained *x)
{
	if (x->rtx == LQ_RTX_FLOOD) {
		printf("    - SYN-ACKs go unanswered while the SYN queue fills: keep "
		       "net.ipv4.tcp_syncookies=1 so\n      that real clients still get in, and "
		       "look at where the SYNs come from.\n");
		return true;
	}
	if (x->rtx == LQ_RTX_LOSSY) {
		printf("    - SYN-ACKs go unanswered: look at the return path to the clients (packet "
		       "loss, a\n      firewall or asymmetric routing that drops SYN-ACKs or their "
		       "ACKs).\n");
		return true;
	}
	return false;
}

/* Slow to accept() with room in the queue: 1% waited past 131 ms. True if it said so. */
static bool lq_advice_wait(const struct lq_explained *x)
{
	char bound[32];

	if ((x->st & (LQ_ST_ACC_FULL | LQ_ST_ACC_NEAR)) || !x->wait || x->p99 < 17)
		return false;
	if (x->p99 == LQ_NR_WAIT - 1)
		snprintf(bound, sizeof(bound), "16.777216 s");
	else
		lq_us_text(bound, sizeof(bound), lq_wait_le_us(x->p99 - 1), false);
	printf("    - 1%% of the connections waited over %s for accept() although the\n"
	       "      queue had room: the application is slow to call accept().\n", bound);
	return true;
}

/* With nothing else to say: what the peaks and the drops say of the past. */
static void lq_advice_past(const struct lq_explained *x)
{
	if (x->acc_peak_full || x->syn_peak_full)
		printf("    - The %s queue was full at times, though it has room now: bursts. A "
		       "larger backlog\n      absorbs them; 'listenq --watch %s' shows when they "
		       "come.\n", x->acc_peak_full ? "accept" : "SYN", x->local);
	else if (x->drops > 0)
		printf("    - %lld drops while both queues have room now: they overflowed earlier, "
		       "or packets\n      were dropped for other reasons. 'listenq --watch %s' shows "
		       "when drops grow.\n", x->drops, x->local);
	else
		printf("    - Nothing: both queues have room and nothing was dropped.\n");
}

void lq_explain_advice(const struct lq_explained *x)
{
	bool advice = false;

	printf("  to change\n");
	if (x->st & (LQ_ST_ACC_FULL | LQ_ST_ACC_NEAR)) {
		lq_advice_accept(x);
		advice = true;
	}
	if (x->st & (LQ_ST_SYN_FULL | LQ_ST_SYN_NEAR)) {
		lq_advice_syn(x);
		advice = true;
	}
	advice |= lq_advice_rtx(x);
	advice |= lq_advice_wait(x);
	if (!advice)
		lq_advice_past(x);
}
