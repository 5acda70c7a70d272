// SPDX-License-Identifier: GPL-2.0
/*
 * --prometheus: the frame's records in node_exporter's textfile format, one
 * family per column and histogram, each listener's series under the same
 * labels, then every namespace's sysctls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "record.h"
#include "render.h"
#include "show.h"
#include "table.h"
#include "text.h"
#include "util.h"

/*
 * Prometheus label values escape \, " and newline, and are UTF-8: a byte
 * that is not (a comm cut in a character) becomes U+FFFD, or the whole
 * file would fail to parse.
 */
static void lq_prom_label(const char *name, const char *v, bool first)
{
	size_t n;

	printf("%s%s=\"", first ? "" : ",", name);
	for (; *v; v += n ? n : 1) {
		n = lq_utf8_len(v);
		if (!n) {
			fputs("\xef\xbf\xbd", stdout);
			continue;
		}
		if (*v == '\\' || *v == '"')
			putchar('\\');
		if (*v == '\n')
			fputs("\\n", stdout);
		else
			fwrite(v, 1, n, stdout);
	}
	putchar('"');
}

/*
 * A listener's labels. The series of one listener are one set whatever
 * the flags: ns_name (-A) is a function of ns, and command (-p) one value,
 * the owner with the lowest PID's, never a PID: PIDs churn, a command at
 * most 15 bytes does not.
 */
static void lq_prom_labels(const struct lq_frame *fr, const struct lq_record *r)
{
	lq_prom_label("ns", r->col[LQ_COL_NS], true);
	if (fr->o->all)
		lq_prom_label("ns_name", r->ns_name ? r->ns_name : "", false);
	lq_prom_label("local", r->col[LQ_COL_LOCAL], false);
	/* Reuseport members share ns and local: the inode keeps series apart. */
	lq_prom_label("inode", r->col[LQ_COL_INODE], false);
	if (fr->o->processes)
		lq_prom_label("command", r->nowners ? r->owners[0].comm : "", false);
}

/* "NAME{labels} " before a sample's value. */
static void lq_prom_series(const char *name, const char *suffix, const struct lq_frame *fr,
			   const struct lq_record *r)
{
	printf("%s%s{", name, suffix);
	lq_prom_labels(fr, r);
	printf("} ");
}

static const struct lq_metric {
	const char *name;
	int col;			/* enum lq_column */
	const char *type;
	const char *help;
} lq_metrics[] = {
	{ "listenq_accept_queue_length", LQ_COL_ACC_Q, "gauge",
	  "Connections waiting for accept() (sk_ack_backlog)." },
	{ "listenq_accept_queue_backlog", LQ_COL_ACC_MAX, "gauge",
	  "listen() backlog after the somaxconn clamp (sk_max_ack_backlog)." },
	{ "listenq_accept_queue_cap", LQ_COL_ACC_CAP, "gauge",
	  "Largest accept queue the kernel lets this listener reach." },
	{ "listenq_syn_queue_length", LQ_COL_SYN_Q, "gauge",
	  "Connection requests in SYN_RECV (the SYN queue)." },
	{ "listenq_syn_queue_young", LQ_COL_SYN_YOUNG, "gauge",
	  "SYN_RECV requests whose SYN-ACK has not timed out yet." },
	{ "listenq_syn_queue_cap", LQ_COL_SYN_CAP, "gauge",
	  "Largest SYN queue before new SYNs get cookies or are dropped." },
	{ "listenq_drops_total", LQ_COL_DROPS, "counter",
	  "Packets this listener dropped (sk_drops): SYNs and handshake ACKs." },
	{ "listenq_defer_accept_seconds", LQ_COL_DEFER_ACCEPT, "gauge",
	  "TCP_DEFER_ACCEPT of the listener, in seconds." },
	{ "listenq_tfo_queue_length", LQ_COL_TFO_Q, "gauge",
	  "TCP Fast Open children not yet fully established." },
	{ "listenq_tfo_queue_max", LQ_COL_TFO_MAX, "gauge",
	  "TCP Fast Open queue limit (TCP_FASTOPEN, capped by somaxconn)." },
	{ "listenq_listen_backlog_requested", LQ_COL_BACKLOG, "gauge",
	  "listen() backlog as the application asked for it, before the somaxconn clamp." },
	/* Per-reason counters: "-" (no sample) while the module's probes are off. */
	{ "listenq_syn_queue_drops_total", LQ_COL_DROP_SYNQ, "counter",
	  "SYNs dropped because the SYN queue was full (tcp_syncookies=0)." },
	{ "listenq_syn_queue_cookies_total", LQ_COL_COOKIE_SYNQ, "counter",
	  "SYNs answered with a syncookie instead of a queued request." },
	{ "listenq_accept_queue_syn_drops_total", LQ_COL_DROP_ACCQ_SYN, "counter",
	  "SYNs dropped because the accept queue was full." },
	{ "listenq_accept_queue_ack_drops_total", LQ_COL_DROP_ACCQ_ACK, "counter",
	  "Handshake-completing ACKs dropped because the accept queue was full." },
	{ "listenq_quarter_rule_drops_total", LQ_COL_DROP_QUARTER, "counter",
	  "SYNs dropped by the tcp_max_syn_backlog quarter rule (tcp_syncookies=0)." },
	{ "listenq_syn_recv_expired_total", LQ_COL_EXPIRED, "counter",
	  "SYN_RECV requests removed after their SYN-ACK retries ran out." },
	{ "listenq_syn_queue_peak", LQ_COL_SYN_Q_PEAK, "gauge",
	  "Highest SYN queue length, right after a request was queued, since the socket listens." },
	{ "listenq_accept_queue_peak", LQ_COL_ACC_Q_PEAK, "gauge",
	  "Highest accept queue length, right after a child was queued, since the socket listens." },
	{ "listenq_synack_retransmits_total", LQ_COL_SYNACK_RETRANS, "counter",
	  "SYN-ACKs retransmitted (tcp:tcp_retransmit_synack, TcpExtTCPSynRetrans)." },
};

/*
 * The fill-at-arrival groups as histograms of the fill ratio q/cap. An
 * arrival that found room (q < cap) is at most le="1"; one that found the
 * queue full (q >= cap) counts in +Inf only, so +Inf - le="1" is what found
 * no room. _sum is the module's sum of the ratios (1 for a full queue),
 * where it has one.
 */
static const struct lq_fill_metric {
	const char *name;
	bool syn;
	const char *help;
} lq_fill_metrics[] = {
	{ "listenq_syn_queue_fill_ratio", true,
	  "SYN queue length / cap when each SYN arrived; a full queue counts in +Inf only, as 1 in _sum." },
	{ "listenq_accept_queue_fill_ratio", false,
	  "Accept queue length / cap when each handshake completed; a full queue counts in +Inf only, as 1 in _sum." },
};

static const char * const lq_fill_le[LQ_NR_FILL] = {
	[LQ_FILL_0] = "0", [LQ_FILL_25] = "0.25", [LQ_FILL_50] = "0.5",
	[LQ_FILL_75] = "0.75", [LQ_FILL_99] = "1", [LQ_FILL_FULL] = "+Inf",
};

/* The le of wait bucket @i in seconds, as Go's strconv 'g' -1 prints it: 1e-06, 0.001024. */
static void lq_prom_wait_le(char *buf, size_t len, unsigned int i)
{
	double v = (double)lq_wait_le_us(i) / 1e6;
	int prec;

	if (i == LQ_NR_WAIT - 1) {
		snprintf(buf, len, "+Inf");
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* One histogram's buckets, cumulative, of @n bucket counts; their total. */
static long long lq_prom_buckets(const char *name, const struct lq_frame *fr,
				 const struct lq_record *r, const long long *v, unsigned int n,
				 bool wait)
{
	long long cum = 0;
	unsigned int b;
	char le[32];

	for (b = 0; b < n; b++) {
		cum += v[b];
		if (wait)
			lq_prom_wait_le(le, sizeof(le), b);
		printf("%s_bucket{", name);
		lq_prom_labels(fr, r);
		lq_prom_label("le", wait ? le : lq_fill_le[b], false);
		printf("} %lld\n", cum);
	}
	return cum;
}

/* The fill-at-arrival histograms of the listeners that have them. */
static void lq_print_prom_fill(const struct lq_frame *fr, const struct lq_fill_metric *mt)
{
	const struct lq_hist_row *hr;
	unsigned int i;
	long long cum;

	printf("# HELP %s %s\n# TYPE %s histogram\n", mt->name, mt->help, mt->name);
	for (i = 0; i < fr->n; i++) {
		hr = &fr->rec[i].hist;
		if (!(mt->syn ? hr->syn_fill : hr->acc_fill))
			continue;
		cum = lq_prom_buckets(mt->name, fr, &fr->rec[i], mt->syn ? hr->sf : hr->af,
				      LQ_NR_FILL, false);
		if (mt->syn ? hr->syn_sum : hr->acc_sum) {
			lq_prom_series(mt->name, "_sum", fr, &fr->rec[i]);
			lq_fill_sum_print(stdout, mt->syn ? hr->sf_sum : hr->af_sum);
			putchar('\n');
		}
		lq_prom_series(mt->name, "_count", fr, &fr->rec[i]);
		printf("%lld\n", cum);
	}
}

/* The accept() wait histograms, and the waits that were not timed. */
static void lq_print_prom_wait(const struct lq_frame *fr)
{
	const struct lq_hist_row *hr;
	unsigned int i;
	long long cum;

	printf("# HELP listenq_accept_wait_seconds Time from the completed handshake to accept() "
	       "returning the connection.\n# TYPE listenq_accept_wait_seconds histogram\n");
	for (i = 0; i < fr->n; i++) {
		hr = &fr->rec[i].hist;
		if (!hr->wait)
			continue;
		cum = lq_prom_buckets("listenq_accept_wait_seconds", fr, &fr->rec[i], hr->w,
				      LQ_NR_WAIT, true);
		lq_prom_series("listenq_accept_wait_seconds", "_sum", fr, &fr->rec[i]);
		printf("%lld.%09lld\n", hr->wait_sum_ns / 1000000000, hr->wait_sum_ns % 1000000000);
		/* _count is +Inf: the buckets' sum, which is wait_count. */
		lq_prom_series("listenq_accept_wait_seconds", "_count", fr, &fr->rec[i]);
		printf("%lld\n", cum);
	}

	printf("# HELP listenq_accept_wait_missed_total accept() calls whose wait was not timed: "
	       "not in listenq_accept_wait_seconds.\n"
	       "# TYPE listenq_accept_wait_missed_total counter\n");
	for (i = 0; i < fr->n; i++) {
		hr = &fr->rec[i].hist;
		if (!hr->missed)
			continue;
		lq_prom_series("listenq_accept_wait_missed_total", "", fr, &fr->rec[i]);
		printf("%lld\n", hr->wait_missed);
	}
}

/* listenq_sysctl of one namespace; the HELP and TYPE lines before the first. */
static void lq_print_prom_sysctl(const struct lq_sysctl *sc, bool *header)
{
	unsigned int i;
	char ns[24];
	long long v;

	if (!sc->valid || !sc->have[LQ_SC_NS])
		return;
	snprintf(ns, sizeof(ns), "%lld", sc->val[LQ_SC_NS]);
	if (!*header)
		printf("# HELP listenq_sysctl Sysctls of the network namespace that size its listen "
		       "queues.\n# TYPE listenq_sysctl gauge\n");
	*header = true;
	for (i = 0; i < sc->n; i++) {
		if (!strcmp(sc->keys[i], "ns") || !lq_parse_ll(sc->vals[i], &v))
			continue;
		printf("listenq_sysctl{");
		lq_prom_label("ns", ns, true);
		lq_prom_label("name", sc->keys[i], false);
		printf("} %lld\n", v);
	}
}

/* One family per column the module prints; "-" is no sample rather than a fake 0. */
static void lq_print_prom_columns(const struct lq_frame *fr)
{
	const struct lq_metric *mt;
	unsigned int m, i;
	long long v;

	for (m = 0; m < ARRAY_SIZE(lq_metrics); m++) {
		mt = &lq_metrics[m];
		if (fr->t->col[mt->col] < 0)
			continue;
		printf("# HELP %s %s\n# TYPE %s %s\n", mt->name, mt->help, mt->name, mt->type);
		for (i = 0; i < fr->n; i++) {
			if (!lq_rec_num(&fr->rec[i], mt->col, &v))
				continue;
			lq_prom_series(mt->name, "", fr, &fr->rec[i]);
			printf("%lld\n", v);
		}
	}
}

void lq_print_prometheus(const struct lq_frame *fr)
{
	bool sysctl_header = false;
	unsigned int m, i;

	lq_print_prom_columns(fr);
	if (fr->h) {
		for (m = 0; m < ARRAY_SIZE(lq_fill_metrics); m++)
			lq_print_prom_fill(fr, &lq_fill_metrics[m]);
		lq_print_prom_wait(fr);
	}

	printf("# HELP listenq_syn_full_action What a SYN that finds the SYN queue full gets "
	       "(cookie, cookie_all or drop).\n# TYPE listenq_syn_full_action gauge\n");
	for (i = 0; i < fr->n; i++) {
		printf("listenq_syn_full_action{");
		lq_prom_labels(fr, &fr->rec[i]);
		lq_prom_label("action", fr->rec[i].col[LQ_COL_SYN_FULL], false);
		printf("} 1\n");
	}

	/* One family: every namespace's lines under one HELP, as the format wants. */
	for (i = 0; i < fr->set->n; i++)
		lq_print_prom_sysctl(&fr->set->ns[i].sc, &sysctl_header);
}
