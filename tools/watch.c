// SPDX-License-Identifier: GPL-2.0
/*
 * listenq [--watch]: the frames. Each reads the namespaces once, builds
 * its records (record.c), adds what changed since the previous frame (the
 * deltas and the interval's WAIT99) and hands them to one renderer. Every
 * output reads the files once per frame and never computes a cap itself:
 * the module's columns come from the same model.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hist.h"
#include "nsset.h"
#include "record.h"
#include "render.h"
#include "show.h"
#include "table.h"
#include "util.h"

/*
 * What the previous --watch frame saw of one listener. A listener is the
 * same across frames by namespace and inode; lq_remember() sorts them by
 * that key for lq_prev_find() to bisect.
 */
struct lq_prev {
	long long ns, inode;
	long long d[LQ_NR_DELTAS];	/* the counters behind the deltas */
	unsigned int row;		/* its row then: the first of twins wins */
	bool wait;			/* w[] holds its accept() wait buckets */
	long long w[LQ_NR_WAIT];
};

struct lq_prev_frame {
	struct lq_prev *v;		/* NULL on the first frame */
	unsigned int n;
};

/* The /proc/listenq column behind each delta. */
static const int lq_delta_abi[LQ_NR_DELTAS] = {
	[LQ_D_ACC] = LQ_COL_ACC_Q, [LQ_D_SYN] = LQ_COL_SYN_Q,
	[LQ_D_DROPS] = LQ_COL_DROPS, [LQ_D_RTX] = LQ_COL_SYNACK_RETRANS,
};

static volatile sig_atomic_t lq_stop;

static void lq_on_signal(int sig)
{
	(void)sig;
	lq_stop = 1;
}

/* The order of lq_remember()'s listeners: namespace, inode, row. */
static int lq_prev_cmp(const void *a, const void *b)
{
	const struct lq_prev *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

/*
 * Listener @r in the previous frame; NULL: not in it. Of twins there
 * (one inode twice in a namespace), the one in the first row, as a scan
 * of that frame would find: the lowest of them in lq_prev_cmp() order.
 * A bisection, not a scan: a scan per row is quadratic in the listeners,
 * seconds a frame at 50,000.
 */
static const struct lq_prev *lq_prev_find(const struct lq_prev_frame *pf,
					  const struct lq_record *r)
{
	struct lq_prev key = { .row = 0 };
	unsigned int lo = 0, hi = pf->n, mid;

	lq_rec_num(r, LQ_COL_NS, &key.ns);
	if (!lq_rec_num(r, LQ_COL_INODE, &key.inode))
		return NULL;
	/* The first entry not below @key: row 0 puts @key before all twins. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (lq_prev_cmp(&pf->v[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < pf->n && pf->v[lo].ns == key.ns && pf->v[lo].inode == key.inode)
		return &pf->v[lo];
	return NULL;
}

/*
 * WAIT99: the bucket bound 99% of the accept() waits stay within; in
 * --watch, of the waits of this interval only (@watch). NONE: no wait to
 * tell.
 */
static struct lq_delta lq_wait99(const struct lq_record *r, bool watch,
				 const struct lq_prev_frame *pf)
{
	struct lq_delta none = { LQ_DELTA_NONE, 0 };
	const struct lq_prev *p;
	long long w[LQ_NR_WAIT], total;
	unsigned int i;

	if (!r->hist.wait)
		return none;
	memcpy(w, r->hist.w, sizeof(w));
	if (watch) {
		if (!pf->v)
			return none;
		p = lq_prev_find(pf, r);
		if (!p)
			return (struct lq_delta){ LQ_DELTA_NEW, 0 };
		if (!p->wait)
			return none;
		for (i = 0; i < LQ_NR_WAIT; i++) {
			w[i] -= p->w[i];
			if (w[i] < 0)
				return none;	/* not the same counters */
		}
	}
	total = lq_sum(w, LQ_NR_WAIT);
	if (total <= 0)
		return none;
	return (struct lq_delta){ LQ_DELTA_SET, lq_wait_quantile(w, total, 990) };
}

/* "+3", "-1", "0" against the previous frame; "-" on the first, "new" for a listener just seen. */
static void lq_deltas(struct lq_record *r, const struct lq_prev_frame *pf)
{
	const struct lq_prev *p = NULL;
	unsigned int i;
	long long now;

	if (pf->v)
		p = lq_prev_find(pf, r);
	for (i = 0; i < LQ_NR_DELTAS; i++) {
		if (!pf->v || !lq_rec_num(r, lq_delta_abi[i], &now))
			r->d[i] = (struct lq_delta){ LQ_DELTA_NONE, 0 };
		else if (!p)
			r->d[i] = (struct lq_delta){ LQ_DELTA_NEW, 0 };
		else
			r->d[i] = (struct lq_delta){ LQ_DELTA_SET, now - p->d[i] };
	}
}

/* Remembers this frame's counters, of every row, for the next frame's deltas. */
static int lq_remember(const struct lq_frame *fr, struct lq_prev_frame *pf)
{
	const struct lq_table *t = fr->t;
	struct lq_hist_row hr;
	unsigned int i, d;

	free(pf->v);
	pf->n = 0;
	pf->v = calloc(t->nrows + 1, sizeof(*pf->v));
	if (!pf->v)
		return -1;
	for (i = 0; i < t->nrows; i++) {
		struct lq_prev *e = &pf->v[pf->n];

		lq_cell_num(t, i, t->col[LQ_COL_NS], &e->ns);
		if (!lq_cell_num(t, i, t->col[LQ_COL_INODE], &e->inode))
			continue;
		e->row = i;
		for (d = 0; d < LQ_NR_DELTAS; d++)
			lq_cell_num(t, i, t->col[lq_delta_abi[d]], &e->d[d]);
		lq_frame_hist(fr, i, &hr);
		e->wait = hr.wait;
		memcpy(e->w, hr.w, sizeof(e->w));
		pf->n++;
	}
	qsort(pf->v, pf->n, sizeof(*pf->v), lq_prev_cmp);
	return 0;
}

/*
 * On stderr, once per run: the listeners shown whose accept() waits the
 * module could not all time (wait_missed), which their wait histograms
 * and wait99 therefore lack.
 */
static void lq_warn_wait_missed(const struct lq_frame *fr)
{
	const struct lq_record *r;
	unsigned int i;

	for (i = 0; i < fr->n; i++) {
		r = &fr->rec[i];
		if (r->hist.missed && r->hist.wait_missed > 0)
			lq_err("%s: %lld accept() calls whose wait was not timed (wait_missed): its accept wait histogram lacks them",
			       r->col[LQ_COL_LOCAL], r->hist.wait_missed);
	}
}

/* The line above a --watch frame; --no-header keeps only what separates frames. */
static void lq_frame_header(const struct lq_show_opts *o, unsigned long frame)
{
	if (o->tty && o->no_header) {
		printf("\033[H\033[2J");
		return;
	}
	if (o->no_header) {
		printf("%s", frame ? "\n" : "");
		return;
	}
	if (o->tty) {
		char when[32] = "";
		time_t now = time(NULL);
		struct tm tm;

		if (localtime_r(&now, &tm))
			strftime(when, sizeof(when), "%H:%M:%S", &tm);
		printf("\033[H\033[2J");
		printf("listenq: every %gs, %s\n\n", o->interval, when);
		return;
	}
	/* Piped: frames one after the other, without a clock to stay diffable. */
	printf("%s--- frame %lu (every %gs) ---\n", frame ? "\n" : "", frame + 1, o->interval);
}

static void lq_sleep(double secs)
{
	struct timespec ts = {
		.tv_sec = (time_t)secs,
		.tv_nsec = (long)((secs - (double)(time_t)secs) * 1e9),
	};

	/* A signal ends the sleep early; lq_stop says whether to go on. */
	nanosleep(&ts, NULL);
}

/* One frame: read, build the records, print them. -1: nothing printed, reported. */
static int lq_show_frame(const struct lq_show_opts *o, unsigned long frame,
			 struct lq_prev_frame *pf, int *rc)
{
	struct lq_nsset set;
	struct lq_frame fr;
	unsigned int i;
	int lrc, err = 0;

	/* Every frame finds the namespaces again: -A's come and go. */
	lrc = lq_nsset_load(&set, o, frame);
	if (lrc < 0) {
		lq_nsset_free(&set);
		return -1;
	}
	/* Bad rows were reported on stderr; the exit code must not hide them. */
	if (lrc)
		*rc = LQ_EXIT_ERR;
	if (lq_frame_build(&fr, o, &set)) {
		lq_err("%s", strerror(ENOMEM));
		err = -1;
		goto out;
	}
	for (i = 0; i < fr.n; i++) {
		if (o->watch)
			lq_deltas(&fr.rec[i], pf);
		fr.rec[i].wait99 = lq_wait99(&fr.rec[i], o->watch, pf);
	}

	if (o->watch)
		lq_frame_header(o, frame);
	if (o->json)
		lq_print_json(&fr);
	else if (o->prometheus)
		lq_print_prometheus(&fr);
	else
		lq_print_table(&fr);
	fflush(stdout);
	if (!frame)
		lq_warn_wait_missed(&fr);
	/* Without memory for them, the next frame shows no deltas: as the first. */
	if (lq_remember(&fr, pf))
		pf->n = 0;
out:
	lq_frame_free(&fr);
	lq_nsset_free(&set);
	return err;
}

int lq_show(const struct lq_show_opts *o)
{
	struct sigaction sa = { .sa_handler = lq_on_signal };
	struct lq_prev_frame pf = { NULL, 0 };
	unsigned long count = o->watch ? o->count : 1;
	unsigned long frame;
	int rc = LQ_EXIT_OK;

	if (o->watch) {
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	for (frame = 0; !lq_stop && (!count || frame < count); frame++) {
		if (lq_show_frame(o, frame, &pf, &rc)) {
			free(pf.v);
			return LQ_EXIT_ERR;
		}
		if (o->watch && !lq_stop && (!count || frame + 1 < count))
			lq_sleep(o->interval);
	}
	free(pf.v);
	return rc;
}
