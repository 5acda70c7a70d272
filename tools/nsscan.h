/* SPDX-License-Identifier: GPL-2.0 */
/* -A's namespaces: the processes and /run/netns files in each (nsscan.c). */
#ifndef _LISTENQ_NSSCAN_H
#define _LISTENQ_NSSCAN_H

/* A process, or a /run/netns file, and the namespace it is in or is. */
struct lq_nsref {
	unsigned long long inode;
	int pid;			/* 0 for a file */
	char *name;			/* the file's; NULL for a process */
};

/* Every process and /run/netns file with its namespace; -1: reported. */
int lq_nsrefs(struct lq_nsref **v, unsigned int *n);
void lq_nsrefs_free(struct lq_nsref *v, unsigned int n);

#endif /* _LISTENQ_NSSCAN_H */
