// SPDX-License-Identifier: GPL-2.0
/*
 * listenq predict: the model's caps for a kernel version and its settings,
 * and which term binds each (include/listenq/model.h). A sysctl not given
 * is read from the running system, and only if that fails is the kernel's
 * default assumed: the first line says which is which.
 */
#include <stdio.h>
#include <string.h>

#include "caps.h"
#include "kernel.h"
#include "predict.h"
#include "testenv.h"
#include "text.h"
#include "util.h"

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

/* Where a sysctl's value came from. */
enum lq_src { LQ_SRC_GIVEN, LQ_SRC_READ, LQ_SRC_DEFAULT };

static const char * const lq_src_name[] = { "given", "read", "default" };

/* @name of /proc/sys/net (the caller's namespace), else @def. */
static long long lq_sysctl_value(bool given, long long v, const char *name, long long def,
				 long long lo, long long hi, enum lq_src *src)
{
	char path[LQ_PATH_LEN], buf[64];
	long long got;
	FILE *f;

	*src = LQ_SRC_GIVEN;
	if (given)
		return v;
	*src = LQ_SRC_DEFAULT;
	lq_path(path, sizeof(path), "/proc/sys/net/%s", name);
	f = fopen(path, "r");
	if (!f)
		return def;
	if (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (lq_parse_ll(buf, &got) && got >= lo && got <= hi) {
			*src = LQ_SRC_READ;
			def = got;
		}
	}
	fclose(f);
	return def;
}

/* "somaxconn 4096 (read)": a value and where it came from. */
static void lq_src_text(const char *name, long long v, enum lq_src src)
{
	printf(", %s %lld (%s)", name, v, src == LQ_SRC_READ ? "read from /proc/sys" :
	       src == LQ_SRC_GIVEN ? "given" : "default: /proc/sys unreadable");
}

/* What predict computes, then prints as JSON or as text. */
struct lq_prediction {
	struct lq_rules r;
	enum lq_src smc_src, msb_src, ck_src;	/* where each sysctl came from */
	long long somaxconn, msb, cookies;
	int eff_cookies;			/* tcp_syncookies as the kernel acts on it */
	unsigned int b, mql;			/* the clamped backlog; max_qlen_log */
	unsigned long long acc, syn;		/* the caps */
	enum lq_bound why;			/* the term that bounds syn */
	bool refuses_all;			/* no SYN is ever queued */
	bool young;				/* accept-queue drops need young > 1 */
	const char *action;			/* syn_full: cookie, cookie_all, drop */
};

static void lq_predict_compute(const struct lq_predict_opts *o, struct lq_prediction *p)
{
	const struct lq_kernel_version *k = &o->kernel;
	bool modern = lq_kver(k->major, k->minor, 0) >= lq_kver(5, 4, 0);

	p->r = lq_rules_for_kernel(k->major, k->minor, k->sublevel);
	/* Defaults of the kernel: SOMAXCONN went from 128 to 4096 in 5.4 (19f92a030ca6). */
	p->somaxconn = lq_sysctl_value(o->somaxconn_given, o->somaxconn, "core/somaxconn",
				       modern ? 4096 : 128, 0, 2147483647LL, &p->smc_src);
	/* The real default scales with memory; 128 is its floor. */
	p->msb = lq_sysctl_value(o->max_syn_given, o->max_syn_backlog,
				 "ipv4/tcp_max_syn_backlog", 128, -2147483648LL, 2147483647LL,
				 &p->msb_src);
	p->cookies = lq_sysctl_value(o->syncookies_given, o->syncookies, "ipv4/tcp_syncookies",
				     1, 0, 2, &p->ck_src);
	p->eff_cookies = lq_kernel_syncookies(k->major, k->minor, (int)p->cookies);
	p->b = lq_clamp_backlog((int)o->backlog, (int)p->somaxconn);
	p->mql = 0;
	if (p->r.synq == LQ_SYNQ_TABLE)
		p->mql = lq_max_qlen_log(p->b, (int)p->msb);
	p->syn = lq_syn_cap(&p->r, p->b, p->mql, (int)p->msb, p->eff_cookies, &p->why);
	p->acc = lq_acc_cap(&p->r, p->b, p->mql, (int)p->msb, p->eff_cookies);
	p->refuses_all = lq_refuses_all(&p->r, p->b, p->mql, (int)p->msb, p->eff_cookies);
	p->young = lq_syn_acceptq_needs_young(k->major, k->minor);
	p->action = lq_syn_full_action(p->eff_cookies);
}

static void lq_predict_json(const struct lq_predict_opts *o, const struct lq_prediction *p)
{
	const struct lq_kernel_version *k = &o->kernel;
	bool smc_def = p->smc_src == LQ_SRC_DEFAULT, msb_def = p->msb_src == LQ_SRC_DEFAULT;
	bool ck_def = p->ck_src == LQ_SRC_DEFAULT;

	printf("{\"kernel\":");
	lq_json_str(stdout, k->text);
	printf(",\"kernel_source\":");
	lq_json_str(stdout, k->running ? k->source : "given");
	printf(",\"kernel_note\":");
	if (k->note[0])
		lq_json_str(stdout, k->note);
	else
		fputs("null", stdout);
	printf(",\"sources\":{\"somaxconn\":\"%s\",\"max_syn_backlog\":\"%s\","
	       "\"syncookies\":\"%s\"}", lq_src_name[p->smc_src], lq_src_name[p->msb_src],
	       lq_src_name[p->ck_src]);
	printf(",\"synq_rule\":\"%s\",\"backlog_requested\":%lld,\"somaxconn\":%lld,"
	       "\"max_syn_backlog\":%lld,\"syncookies\":%lld,\"syncookies_effective\":%d,"
	       "\"backlog\":%u,\"acc_cap\":%llu,\"acc_cap_bound\":\"%s\"",
	       lq_synq_rule_name(p->r.synq), o->backlog, p->somaxconn, p->msb, p->cookies,
	       p->eff_cookies, p->b, p->acc, p->refuses_all ? "syn_queue" : "backlog");
	if (p->r.synq == LQ_SYNQ_TABLE)
		printf(",\"max_qlen_log\":%u", p->mql);
	printf(",\"syn_cap\":%llu,\"syn_cap_bound\":\"%s\",\"syn_full\":\"%s\","
	       "\"syn_dropped_on_full_acceptq\":\"%s\",\"assumed\":[%s%s%s%s%s]}\n",
	       p->syn, lq_bound_name(p->why), p->action, p->young ? "young>1" : "always",
	       smc_def ? "\"somaxconn\"" : "", smc_def && msb_def ? "," : "",
	       msb_def ? "\"max_syn_backlog\"" : "", (smc_def || msb_def) && ck_def ? "," : "",
	       ck_def ? "\"syncookies\"" : "");
}

/* The first lines: every input and where it came from, the rule, the backlog. */
static void lq_predict_inputs(const struct lq_predict_opts *o, const struct lq_prediction *p)
{
	const struct lq_kernel_version *k = &o->kernel;
	unsigned int gt;

	printf("kernel %s (%s%s%s)", k->text, k->running ? k->source : "given",
	       k->note[0] ? "; " : "", k->note);
	lq_src_text("somaxconn", p->somaxconn, p->smc_src);
	lq_src_text("tcp_max_syn_backlog", p->msb, p->msb_src);
	lq_src_text("tcp_syncookies", p->cookies, p->ck_src);
	printf("\nSYN queue: %s\n", lq_synq_rule_text(p->r.synq));
	if (lq_kernel_split(k->major, k->minor, &gt))
		printf("           the %u.%u line changed from >= to > in %u.%u.%u: this is "
		       "%u.%u.%u\n", k->major, k->minor, k->major, k->minor, gt, k->major,
		       k->minor, k->sublevel);
	if (o->backlog < 0)
		printf("backlog       %6u  listen() backlog %lld is negative: somaxconn %lld\n",
		       p->b, o->backlog, p->somaxconn);
	else if (o->backlog > p->somaxconn)
		printf("backlog       %6u  listen() backlog %lld clamped to somaxconn %lld\n",
		       p->b, o->backlog, p->somaxconn);
	else
		printf("backlog       %6u  listen() backlog %lld, within somaxconn %lld\n",
		       p->b, o->backlog, p->somaxconn);
}

/* The caps, the term behind each, and what a full queue does. */
static void lq_predict_caps(const struct lq_prediction *p)
{
	char why_text[160], note[160];

	if (p->refuses_all)
		printf("accept cap    %6llu  every SYN is dropped before it is queued (SYN queue "
		       "cap 0, tcp_syncookies=0): no connection reaches the accept queue\n",
		       p->acc);
	else
		printf("accept cap    %6llu  backlog %u + 1: full when more than the backlog wait "
		       "for accept()\n", p->acc, p->b);
	if (p->r.synq == LQ_SYNQ_TABLE)
		printf("max_qlen_log  %6u  table of roundup_pow_of_two(max(min(%u, %lld), 8) + 1)"
		       " = %u slots\n", p->mql, p->b, p->msb, 1U << p->mql);
	lq_syn_cap_text(why_text, sizeof(why_text), &p->r, p->why, p->b, p->mql, p->msb);
	printf("syn cap       %6llu  %s\n", p->syn, why_text);
	lq_msb_note(note, sizeof(note), &p->r, p->why, p->b, p->mql, p->msb, p->eff_cookies);
	if (note[0])
		printf("                      %s\n", note);
	if (p->cookies != p->eff_cookies)
		printf("                      tcp_syncookies=%lld acts as 1: mode 2 came in 3.12 "
		       "(5ad37d5deee1)\n", p->cookies);
	printf("syn full              %s\n", lq_syn_full_text(p->action));
	printf("accept full           %s\n", p->young ?
	       "SYNs are dropped only while more than one young request waits (before 4.10)" :
	       "SYNs are dropped, cookies or not (5ea8ea2cb7f1, 4.10)");
}

int lq_predict(const struct lq_predict_opts *o)
{
	struct lq_prediction p;

	lq_predict_compute(o, &p);
	if (o->json) {
		lq_predict_json(o, &p);
	} else {
		lq_predict_inputs(o, &p);
		lq_predict_caps(&p);
	}
	return LQ_EXIT_OK;
}
