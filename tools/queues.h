/* SPDX-License-Identifier: GPL-2.0 */
/* explain's account of one listener's queues, section by section (queues.c). */
#ifndef _LISTENQ_QUEUES_H
#define _LISTENQ_QUEUES_H

#include "advice.h"
#include "kernel.h"
#include "table.h"

/* Where explain reads one listener: its row, its namespace's sysctls, its histograms. */
struct lq_xsrc {
	const struct lq_table *t;
	unsigned int row;
	const struct lq_sysctl *sc;
	const struct lq_hist_row *hr;
};

/* Each prints its lines and notes in @x what the advice needs. */
void lq_explain_accq(const struct lq_xsrc *s, struct lq_explained *x);
void lq_explain_synq(const struct lq_xsrc *s, const struct lq_kernel_version *k,
		     struct lq_explained *x);
void lq_explain_drops(const struct lq_xsrc *s, struct lq_explained *x);

#endif /* _LISTENQ_QUEUES_H */
