// SPDX-License-Identifier: GPL-2.0
/*
 * How a cap follows from its terms, in words: the phrases that predict and
 * explain both print. They only phrase what include/listenq/model.h
 * computes.
 */
#include <stdio.h>
#include <string.h>

#include "caps.h"

/* "backlog + 1: full when qlen > backlog" and friends, for a cap of @why. */
void lq_syn_cap_text(char *buf, size_t len, const struct lq_rules *r, enum lq_bound why,
		     unsigned int b, unsigned int mql, long long msb)
{
	switch (why) {
	case LQ_BOUND_BACKLOG:
		if (r->synq == LQ_SYNQ_GE)
			snprintf(buf, len, "backlog %u: full when qlen >= backlog", b);
		else
			snprintf(buf, len, "backlog %u + 1: full when qlen > backlog", b);
		break;
	case LQ_BOUND_TABLE:
		snprintf(buf, len, "the listen_sock table: full when qlen >> %u is not 0", mql);
		break;
	case LQ_BOUND_MAX_SYN:
		snprintf(buf, len, "tcp_max_syn_backlog %lld - %lld + 1: the quarter rule of "
			 "tcp_syncookies=0", msb, msb >> 2);
		break;
	default:
		snprintf(buf, len, "tcp_syncookies=2 answers every SYN with a cookie; "
			 "no request is queued");
		break;
	}
}

/*
 * The other term: the quarter rule when it does not bind (it is what people
 * tune), or what the backlog alone would allow when the quarter rule binds.
 */
void lq_msb_note(char *buf, size_t len, const struct lq_rules *r, enum lq_bound why,
		 unsigned int b, unsigned int mql, long long msb, long long syncookies)
{
	buf[0] = '\0';
	if (why == LQ_BOUND_MAX_SYN)
		snprintf(buf, len, "the last quarter is kept for peers tcp_metrics knows; the "
			 "backlog alone would allow %llu", lq_syn_cap(r, b, mql, (int)msb, 1, NULL));
	else if (syncookies == 2)
		return;
	else if (syncookies)
		snprintf(buf, len, "tcp_max_syn_backlog %lld does not bind: its quarter rule "
			 "needs tcp_syncookies=0", msb);
	else
		snprintf(buf, len, "tcp_max_syn_backlog %lld does not bind: unproven peers may "
			 "reach %llu (quarter rule)", msb, lq_quarter_cap((int)msb));
}

const char *lq_syn_full_text(const char *action)
{
	if (!strcmp(action, "drop"))
		return "dropped (tcp_syncookies=0); clients retry after 1s, 3s, 7s...";
	if (!strcmp(action, "cookie_all"))
		return "every SYN gets a cookie (tcp_syncookies=2)";
	if (!strcmp(action, "cookie"))
		return "answered with SYN cookies (tcp_syncookies=1); nothing is queued or dropped";
	return action;
}
