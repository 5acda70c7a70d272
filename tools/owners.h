/* SPDX-License-Identifier: GPL-2.0 */
/* The processes that hold a socket, as ss -p finds them (owners.c). */
#ifndef _LISTENQ_OWNERS_H
#define _LISTENQ_OWNERS_H

#include <stdio.h>

struct lq_table;

/* proc_task_name()'s: 15 bytes of comm, up to 63 of a kernel thread's name. */
#define LQ_COMM_LEN	64

struct lq_owner {
	unsigned long long inode;	/* the socket's */
	int pid, fd;
	char comm[LQ_COMM_LEN];		/* /proc/PID/comm, whole, without its last newline */
};

struct lq_owners {
	struct lq_owner *v;		/* by inode, then pid, then fd */
	unsigned int n;
};

int lq_owners_scan(struct lq_owners *o, const struct lq_table *t);
void lq_owners_free(struct lq_owners *o);
const struct lq_owner *lq_owners_of(const struct lq_owners *o, const struct lq_table *t,
				    unsigned int row, unsigned int *n);
void lq_owners_ss(FILE *f, const struct lq_owner *v, unsigned int n);
void lq_owners_json(FILE *f, const struct lq_owner *v, unsigned int n);
void lq_owners_text(FILE *f, const struct lq_owner *v, unsigned int n);

#endif /* _LISTENQ_OWNERS_H */
