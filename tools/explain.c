// SPDX-License-Identifier: GPL-2.0
/*
 * listenq predict: the model's caps for a kernel version and its settings.
 * listenq explain: where a live listener's caps come from and what to change.
 *
 * Both only phrase what include/listenq/model.h computes; explain takes
 * the caps from the module's columns and uses the model to name the term
 * that produced them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "listenq.h"

int lq_parse_kernel(const char *s, struct lq_kernel_version *k)
{
	unsigned int v[3] = { 0, 0, 0 }, i;
	const char *p = s;

	memset(k, 0, sizeof(*k));
	for (i = 0; i < 3; i++) {
		char *end;
		unsigned long n;

		if (*p < '0' || *p > '9')
			break;
		n = strtoul(p, &end, 10);
		if (n > 65535)
			return -1;
		v[i] = (unsigned int)n;
		p = end;
		if (*p != '.')
			break;
		p++;
	}
	/* X.Y at least; anything after X.Y[.Z] is a distribution's suffix. */
	if (i < 1 || p == s)
		return -1;
	k->major = v[0];
	k->minor = v[1];
	k->sublevel = v[2];
	snprintf(k->text, sizeof(k->text), "%s", s);
	return 0;
}

/*
 * uname -r hides the sublevel on Debian (6.1.0-56-cloud-amd64 is 6.1.192)
 * and Ubuntu, and the sublevel decides the SYN queue rule: use the
 * version those distributions print elsewhere.
 */
void lq_running_kernel(struct lq_kernel_version *k)
{
	char buf[256] = "", *p;
	struct utsname u;
	FILE *f;

	memset(k, 0, sizeof(*k));
	f = fopen("/proc/version_signature", "r");	/* "Ubuntu 5.15.0-91.101-generic 5.15.131" */
	if (f) {
		if (fgets(buf, sizeof(buf), f)) {
			buf[strcspn(buf, "\n")] = '\0';
			p = strrchr(buf, ' ');
			if (p && !lq_parse_kernel(p + 1, k))
				goto out;
		}
		fclose(f);
		f = NULL;
	}
	if (uname(&u))
		return;
	p = strstr(u.version, "Debian ");		/* "#1 SMP ... Debian 6.1.192-1 (...)" */
	if (p && !lq_parse_kernel(p + 7, k)) {
		k->text[strcspn(k->text, " ")] = '\0';
		goto out;
	}
	if (lq_parse_kernel(u.release, k))
		return;
out:
	if (f)
		fclose(f);
	k->running = true;
}

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

/* "backlog + 1: full when qlen > backlog" and friends, for a cap of @why. */
static void lq_syn_cap_text(char *buf, size_t len, const struct lq_rules *r, enum lq_bound why,
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
static void lq_msb_note(char *buf, size_t len, const struct lq_rules *r, enum lq_bound why,
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

static const char *lq_syn_full_text(const char *action)
{
	if (!strcmp(action, "drop"))
		return "dropped (tcp_syncookies=0); clients retry after 1s, 3s, 7s...";
	if (!strcmp(action, "cookie_all"))
		return "every SYN gets a cookie (tcp_syncookies=2)";
	if (!strcmp(action, "cookie"))
		return "answered with SYN cookies (tcp_syncookies=1); nothing is queued or dropped";
	return action;
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
	unsigned long long acc = lq_acc_cap(&r, b), syn;
	bool young = lq_syn_acceptq_needs_young(k->major, k->minor);
	const char *action = lq_syn_full_action(eff_cookies);
	char why_text[160], note[160];
	enum lq_bound why;

	if (r.synq == LQ_SYNQ_TABLE)
		mql = lq_max_qlen_log(b, (int)msb);
	syn = lq_syn_cap(&r, b, mql, (int)msb, eff_cookies, &why);

	if (o->json) {
		printf("{\"kernel\":");
		lq_json_str(stdout, k->text);
		printf(",\"synq_rule\":\"%s\",\"backlog_requested\":%lld,\"somaxconn\":%lld,"
		       "\"max_syn_backlog\":%lld,\"syncookies\":%lld,\"syncookies_effective\":%d,"
		       "\"backlog\":%u,\"acc_cap\":%llu,\"acc_cap_bound\":\"backlog\"",
		       lq_synq_rule_name(r.synq), o->backlog, somaxconn, msb, cookies, eff_cookies,
		       b, acc);
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

/* The module's per-reason counters, when it has them and its probes are on. */
static void lq_explain_reasons(const struct lq_table *t, unsigned int row, long long drops)
{
	long long v[LQ_COL_EXPIRED - LQ_COL_DROP_SYNQ + 1];
	unsigned int i, have = 0, cols = 0;
	bool any = false;

	for (i = 0; i <= LQ_COL_EXPIRED - LQ_COL_DROP_SYNQ; i++) {
		int col = t->col[LQ_COL_DROP_SYNQ + i];

		cols += col >= 0;
		if (lq_cell_num(t, row, col, &v[i])) {
			have++;
			any |= v[i] > 0;
		}
	}
	if (!cols)
		return;		/* a module older than the counters */
	if (have != cols || cols != i) {
		if (drops > 0)
			printf("      why: per-reason counters are off (load the module with "
			       "probes=1)\n");
		return;
	}
	if (!any)
		return;
	printf("      why: SYN queue full %lld, accept queue full %lld at SYN + %lld at ACK, "
	       "quarter rule %lld;\n      %lld SYNs got cookies, %lld requests expired\n",
	       v[LQ_COL_DROP_SYNQ - LQ_COL_DROP_SYNQ], v[LQ_COL_DROP_ACCQ_SYN - LQ_COL_DROP_SYNQ],
	       v[LQ_COL_DROP_ACCQ_ACK - LQ_COL_DROP_SYNQ], v[LQ_COL_DROP_QUARTER - LQ_COL_DROP_SYNQ],
	       v[LQ_COL_COOKIE_SYNQ - LQ_COL_DROP_SYNQ], v[LQ_COL_EXPIRED - LQ_COL_DROP_SYNQ]);
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

static void lq_explain_row(const struct lq_table *t, unsigned int row, const struct lq_sysctl *sc,
			   const struct lq_kernel_version *k)
{
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

	printf("%s  netns %s, uid %s, inode %s", lq_cell(t, row, t->col[LQ_COL_LOCAL]),
	       lq_cell(t, row, t->col[LQ_COL_NS]), lq_cell(t, row, t->col[LQ_COL_UID]),
	       lq_cell(t, row, t->col[LQ_COL_INODE]));
	if (lq_cell_num(t, row, t->col[LQ_COL_REUSEPORT_ID], &v))
		printf(", SO_REUSEPORT group %lld", v);
	putchar('\n');

	printf("  accept queue  %lld of %lld%s\n", acc_q, acc_cap,
	       st & LQ_ST_ACC_FULL ? ": FULL, new SYNs and handshake ACKs are dropped" :
	       st & LQ_ST_ACC_NEAR ? ": nearly full" : "");
	if (acc_cap == b + 1)
		printf("      cap %lld = backlog %lld + 1: full when more than the backlog wait "
		       "for accept()\n", acc_cap, b);
	else
		printf("      cap %lld, backlog %lld\n", acc_cap, b);
	req_known = lq_explain_backlog(t, row, b, sc, &req);

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

	printf("  drops         %lld (SYNs and handshake ACKs this listener dropped)\n", drops);
	lq_explain_reasons(t, row, drops);
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
		if (known && why == LQ_BOUND_MAX_SYN)
			printf("    - Raise net.ipv4.tcp_max_syn_backlog (%lld now) or set "
			       "net.ipv4.tcp_syncookies=1:\n      peers unknown to tcp_metrics are "
			       "dropped past %lld requests.\n", msb, syn_cap);
		else
			printf("    - The backlog sizes the SYN queue too. Many requests that never "
			       "complete mean a\n      SYN flood or clients the SYN-ACKs do not reach "
			       "(nstat TcpExtTCPSynRetrans).\n");
		if (!strcmp(action, "drop") && !(known && why == LQ_BOUND_MAX_SYN))
			printf("    - SYNs past the cap are dropped: net.ipv4.tcp_syncookies=1 "
			       "answers them with cookies.\n");
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

int lq_explain(const char *path, const char *sysctl_path, const struct lq_filter *f,
	       const char *what, const struct lq_kernel_version *k)
{
	struct lq_sysctl sc;
	struct lq_table t;
	unsigned int i, n = 0;
	int rc;

	if (lq_table_load(&t, path))
		return LQ_EXIT_ERR;
	lq_sysctl_load(&sc, sysctl_path);

	printf("kernel %s%s", k->major ? k->text : "unknown", k->running ? " (running)" : "");
	if (sc.valid && sc.have[LQ_SC_NS])
		printf(", netns %lld", sc.val[LQ_SC_NS]);
	if (sc.have[LQ_SC_SOMAXCONN])
		printf(": somaxconn %lld", sc.val[LQ_SC_SOMAXCONN]);
	if (sc.have[LQ_SC_MAX_SYN_BACKLOG])
		printf(", tcp_max_syn_backlog %lld", sc.val[LQ_SC_MAX_SYN_BACKLOG]);
	if (sc.have[LQ_SC_SYNCOOKIES])
		printf(", tcp_syncookies %lld", sc.val[LQ_SC_SYNCOOKIES]);
	if (!sc.valid)
		printf(": %s unreadable", sysctl_path);
	putchar('\n');

	for (i = 0; i < t.nrows; i++) {
		if (!lq_row_matches(&t, i, f))
			continue;
		putchar('\n');
		lq_explain_row(&t, i, &sc, k);
		n++;
	}
	rc = t.nbad ? LQ_EXIT_ERR : LQ_EXIT_OK;
	if (!n) {
		lq_err("no listener matches %s in this network namespace", what);
		rc = LQ_EXIT_ERR;
	}
	lq_sysctl_free(&sc);
	lq_table_free(&t);
	return rc;
}
