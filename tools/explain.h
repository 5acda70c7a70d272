/* SPDX-License-Identifier: GPL-2.0 */
/* listenq explain: where a live listener's caps come from (explain.c). */
#ifndef _LISTENQ_EXPLAIN_H
#define _LISTENQ_EXPLAIN_H

struct lq_show_opts;
struct lq_kernel_version;

int lq_explain(const struct lq_show_opts *o, const char *what, const struct lq_kernel_version *k);

#endif /* _LISTENQ_EXPLAIN_H */
