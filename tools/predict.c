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

int lq_predict(const struct lq_predict_opts *o)
{
	const struct lq_kernel_version *k = &o->kernel;
	struct lq_rules r = lq_rules_for_kernel(k->major, k->minor, k->sublevel);
	bool modern = lq_kver(k->major, k->minor, 0) >= lq_kver(5, 4, 0);
	enum lq_src smc_src, msb_src, ck_src;
	unsigned int gt;
	/* Defaults of the kernel: SOMAXCONN went from 128 to 4096 in 5.4 (19f92a030ca6). */
	long long somaxconn = lq_sysctl_value(o->somaxconn_given, o->somaxconn, "core/somaxconn",
					      modern ? 4096 : 128, 0, 2147483647LL, &smc_src);
	/* The real default scales with memory; 128 is its floor. */
	long long msb = lq_sysctl_value(o->max_syn_given, o->max_syn_backlog,
					"ipv4/tcp_max_syn_backlog", 128, -2147483648LL,
					2147483647LL, &msb_src);
	long long cookies = lq_sysctl_value(o->syncookies_given, o->syncookies,
					    "ipv4/tcp_syncookies", 1, 0, 2, &ck_src);
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
		printf(",\"kernel_source\":");
		lq_json_str(stdout, k->running ? k->source : "given");
		printf(",\"kernel_note\":");
		if (k->note[0])
			lq_json_str(stdout, k->note);
		else
			fputs("null", stdout);
		printf(",\"sources\":{\"somaxconn\":\"%s\",\"max_syn_backlog\":\"%s\","
		       "\"syncookies\":\"%s\"}", lq_src_name[smc_src], lq_src_name[msb_src],
		       lq_src_name[ck_src]);
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
		       smc_src == LQ_SRC_DEFAULT ? "\"somaxconn\"" : "",
		       smc_src == LQ_SRC_DEFAULT && msb_src == LQ_SRC_DEFAULT ? "," : "",
		       msb_src == LQ_SRC_DEFAULT ? "\"max_syn_backlog\"" : "",
		       (smc_src == LQ_SRC_DEFAULT || msb_src == LQ_SRC_DEFAULT) &&
		       ck_src == LQ_SRC_DEFAULT ? "," : "",
		       ck_src == LQ_SRC_DEFAULT ? "\"syncookies\"" : "");
		return LQ_EXIT_OK;
	}

	/* The first line: every input and where it came from. */
	printf("kernel %s (%s%s%s)", k->text, k->running ? k->source : "given",
	       k->note[0] ? "; " : "", k->note);
	lq_src_text("somaxconn", somaxconn, smc_src);
	lq_src_text("tcp_max_syn_backlog", msb, msb_src);
	lq_src_text("tcp_syncookies", cookies, ck_src);
	printf("\nSYN queue: %s\n", lq_synq_rule_text(r.synq));
	if (lq_kernel_split(k->major, k->minor, &gt))
		printf("           the %u.%u line changed from >= to > in %u.%u.%u: this is "
		       "%u.%u.%u\n", k->major, k->minor, k->major, k->minor, gt, k->major,
		       k->minor, k->sublevel);
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
