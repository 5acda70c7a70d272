/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which listeners to show: addresses as /proc/listenq prints them
 * (addr.c), and ss(8)'s FILTER expression for what a listener has (sport,
 * src) as a tree of nodes, with the terms of -4, -6, --port and --addr
 * ANDed to it (filter.c).
 */
#ifndef _LISTENQ_FILTER_H
#define _LISTENQ_FILTER_H

#include <stdbool.h>
#include <stddef.h>

struct lq_table;

/* An address as /proc/listenq prints it: 0.0.0.0:80, [::1]:80. */
struct lq_addr {
	int family;			/* AF_INET, AF_INET6; 0: any */
	unsigned char a[16];
};

enum lq_fterm { LQ_F_SPORT, LQ_F_SRC, LQ_F_FAMILY, LQ_F_ALL, LQ_F_AND, LQ_F_OR, LQ_F_NOT };
enum lq_fop { LQ_OP_EQ, LQ_OP_NE, LQ_OP_LT, LQ_OP_LE, LQ_OP_GT, LQ_OP_GE };

struct lq_fnode {
	enum lq_fterm type;
	enum lq_fop op;			/* LQ_F_SPORT */
	unsigned int port;		/* LQ_F_SPORT; LQ_F_SRC if have_port */
	bool have_port;			/* LQ_F_SRC: ADDR:PORT */
	struct lq_addr addr;		/* LQ_F_SRC (family 0: any); LQ_F_FAMILY */
	unsigned int plen;		/* LQ_F_SRC: the prefix's length in bits */
	int l, r;			/* AND, OR: both; NOT: l */
};

#define LQ_FILTER_NODES	128

struct lq_filter {
	struct lq_fnode n[LQ_FILTER_NODES];
	unsigned int nn;
	int root;			/* -1: every listener */
};

/* addr.c */
int lq_parse_port(const char *s, unsigned int *port);
int lq_parse_local(const char *s, struct lq_addr *a, unsigned int *port);
int lq_parse_addr(const char *s, struct lq_addr *a);

/* filter.c */
void lq_filter_init(struct lq_filter *f);
int lq_filter_parse(struct lq_filter *f, char * const *words, unsigned int n, char *err,
		    size_t len);
int lq_filter_term(const char *s, struct lq_fnode *node, char *err, size_t len);
int lq_filter_and(struct lq_filter *f, const struct lq_fnode *term);
bool lq_row_matches(const struct lq_table *t, unsigned int row, const struct lq_filter *f);

#endif /* _LISTENQ_FILTER_H */
