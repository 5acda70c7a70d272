/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What explain found of one listener (explain.c), and the advice it draws
 * from that: the "to change" lines (advice.c).
 */
#ifndef _LISTENQ_ADVICE_H
#define _LISTENQ_ADVICE_H

#include <stdbool.h>

#include <listenq/model.h>

/* What the SYN-ACK retransmissions say. */
enum lq_rtx_verdict { LQ_RTX_NONE, LQ_RTX_LOSSY, LQ_RTX_FLOOD };

struct lq_explained {
	const char *local;		/* ADDR:PORT, for the commands suggested */
	unsigned int st;		/* LQ_ST_* */
	const char *action;		/* syn_full: cookie, cookie_all, drop */
	long long b;			/* acc_max: the backlog after the somaxconn clamp */
	long long syn_cap, drops;
	bool have_somaxconn;		/* the namespace's sysctls */
	long long somaxconn, msb;
	bool req_known;			/* req: listen()'s backlog as requested */
	long long req;
	bool known;			/* the SYN cap's rule and term: r, why */
	struct lq_rules r;
	enum lq_bound why;
	bool wait;			/* p99: the accept() wait bucket of 99% */
	unsigned int p99;
	bool acc_peak_full, syn_peak_full;
	enum lq_rtx_verdict rtx;
};

/* The "to change" lines: at least one, "Nothing" when all is well. */
void lq_explain_advice(const struct lq_explained *x);

#endif /* _LISTENQ_ADVICE_H */
