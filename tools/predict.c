// SPDX-License-Identifier: GPL-2.0
/*
 * listenq predict: the model's caps for a kernel version and its settings,
 * and which term binds each (include/listenq/model.h).
 */
#include <stdio.h>

#include "listenq.h"

static const char *lq_synq_rule_name(enum lq_synq_rule r)
{
	switch (r) {
	case LQ_SYNQ_TABLE:
		return "table";
	case LQ_SYNQ_GE:
		return "ge";
	default:
		return "gt";
	}
}

static const char *lq_bound_name(enum lq_bound b)
{
	switch (b) {
	case LQ_BOUND_BACKLOG:
		return "backlog";
	case LQ_BOUND_TABLE:
		return "table";
	case LQ_BOUND_MAX_SYN:
		return "max_syn_backlog";
	default:
		return "syncookies";
	}
}

static const char *lq_synq_rule_text(enum lq_synq_rule r)
{
	switch (r) {
	case LQ_SYNQ_TABLE:
		return "a power-of-two table sized at the first listen() (kernels up to 4.3)";
	case LQ_SYNQ_GE:
		return "full when qlen >= backlog (4.4 until 3479c7549fb1)";
	default:
		return "full when qlen > backlog (3479c7549fb1: 6.13; stable 6.12.10, 6.6.72, "
		       "6.1.125, 5.15.177, 5.10.234, 5.4.290)";
	}
}

int lq_predict(const struct lq_predict_opts *o)
{
	const struct lq_kernel_version *k = &o->kernel;
	struct lq_rules r = lq_rules_for_kernel(k->major, k->minor, k->sublevel);
	bool modern = lq_kver(k->major, k->minor, 0) >= lq_kver(5, 4, 0);
	/* Defaults of the kernel: SOMAXCONN went from 128 to 4096 in 5.4 (19f92a030ca6). */
	long long somaxconn = o->somaxconn_given ? o->somaxconn : modern ? 4096 : 128;
	/* The real default scales with memory; 128 is its floor. */
	long long msb = o->max_syn_given ? o->max_syn_backlog : 128;
	long long cookies = o->syncookies_given ? o->syncookies : 1;
	int eff_cookies = lq_kernel_syncookies(k->major, k->minor, (int)cookies);
	unsigned int b = lq_clamp_backlog((int)o->backlog, (int)somaxconn), mql = 0;
	unsigned long long acc, syn;
	bool young = lq_syn_acceptq_needs_young(k->major, k->minor);
	const char *action = lq_syn_full_action(eff_cookies);
	char why_text[160], note[160];
	enum lq_bound why;

	if (r.synq == LQ_SYNQ_TABLE)
		mql = lq_max_qlen_log(b, (int)msb);
	syn = lq_syn_cap(&r, b, mql, (int)msb, eff_cookies, &why);
	acc = lq_acc_cap(&r, b, mql, (int)msb, eff_cookies);

	if (o->json) {
		printf("{\"kernel\":");
		lq_json_str(stdout, k->text);
		printf(",\"synq_rule\":\"%s\",\"backlog_requested\":%lld,\"somaxconn\":%lld,"
		       "\"max_syn_backlog\":%lld,\"syncookies\":%lld,\"syncookies_effective\":%d,"
		       "\"backlog\":%u,\"acc_cap\":%llu,\"acc_cap_bound\":\"%s\"",
		       lq_synq_rule_name(r.synq), o->backlog, somaxconn, msb, cookies, eff_cookies,
		       b, acc, lq_refuses_all(&r, b, mql, (int)msb, eff_cookies) ?
		       "syn_queue" : "backlog");
		if (r.synq == LQ_SYNQ_TABLE)
			printf(",\"max_qlen_log\":%u", mql);
		printf(",\"syn_cap\":%llu,\"syn_cap_bound\":\"%s\",\"syn_full\":\"%s\","
		       "\"syn_dropped_on_full_acceptq\":\"%s\",\"assumed\":[%s%s%s%s%s]}\n",
		       syn, lq_bound_name(why), action, young ? "young>1" : "always",
		       o->somaxconn_given ? "" : "\"somaxconn\"",
		       !o->somaxconn_given && !o->max_syn_given ? "," : "",
		       o->max_syn_given ? "" : "\"max_syn_backlog\"",
		       (!o->somaxconn_given || !o->max_syn_given) && !o->syncookies_given ? "," : "",
		       o->syncookies_given ? "" : "\"syncookies\"");
		return LQ_EXIT_OK;
	}

	printf("kernel %s%s: SYN queue: %s\n", k->text, k->running ? " (running)" : "",
	       lq_synq_rule_text(r.synq));
	if (!o->somaxconn_given || !o->max_syn_given || !o->syncookies_given)
		printf("assumed defaults:%s%s%s%s%s\n",
		       o->somaxconn_given ? "" : modern ? " somaxconn 4096" : " somaxconn 128",
		       !o->somaxconn_given && !o->max_syn_given ? "," : "",
		       o->max_syn_given ? "" : " tcp_max_syn_backlog 128",
		       (!o->somaxconn_given || !o->max_syn_given) && !o->syncookies_given ? "," : "",
		       o->syncookies_given ? "" : " tcp_syncookies 1");
	if (o->backlog < 0)
		printf("backlog       %6u  listen() backlog %lld is negative: somaxconn %lld\n", b,
		       o->backlog, somaxconn);
	else if (o->backlog > somaxconn)
		printf("backlog       %6u  listen() backlog %lld clamped to somaxconn %lld\n", b,
		       o->backlog, somaxconn);
	else
		printf("backlog       %6u  listen() backlog %lld, within somaxconn %lld\n", b,
		       o->backlog, somaxconn);
	if (lq_refuses_all(&r, b, mql, (int)msb, eff_cookies))
		printf("accept cap    %6llu  every SYN is dropped before it is queued (SYN queue "
		       "cap 0, tcp_syncookies=0): no connection reaches the accept queue\n", acc);
	else
		printf("accept cap    %6llu  backlog %u + 1: full when more than the backlog wait "
		       "for accept()\n", acc, b);
	if (r.synq == LQ_SYNQ_TABLE)
		printf("max_qlen_log  %6u  table of roundup_pow_of_two(max(min(%u, %lld), 8) + 1)"
		       " = %u slots\n", mql, b, msb, 1U << mql);
	lq_syn_cap_text(why_text, sizeof(why_text), &r, why, b, mql, msb);
	printf("syn cap       %6llu  %s\n", syn, why_text);
	lq_msb_note(note, sizeof(note), &r, why, b, mql, msb, eff_cookies);
	if (note[0])
		printf("                      %s\n", note);
	if (cookies != eff_cookies)
		printf("                      tcp_syncookies=%lld acts as 1: mode 2 came in 3.12 "
		       "(5ad37d5deee1)\n", cookies);
	printf("syn full              %s\n", lq_syn_full_text(action));
	printf("accept full           %s\n", young ?
	       "SYNs are dropped only while more than one young request waits (before 4.10)" :
	       "SYNs are dropped, cookies or not (5ea8ea2cb7f1, 4.10)");
	return LQ_EXIT_OK;
}
