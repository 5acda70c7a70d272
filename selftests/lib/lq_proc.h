/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parser for /proc/listenq and /proc/net/listenq_sysctl.
 *
 * Rows are parsed by header name, so columns appended later do not break it.
 * Numeric columns hold LQ_NONE when the module printed "-" and LQ_BAD when
 * the column is missing or not a decimal number, so a broken row shows up in
 * a failed EXPECT rather than as a plausible zero.
 */
#ifndef LQ_PROC_H
#define LQ_PROC_H

#include <stdbool.h>
#include <stddef.h>

#define LQ_PROC_PATH		"/proc/listenq"
#define LQ_PROC_NET_PATH	"/proc/net/listenq"
#define LQ_SYSCTL_PATH		"/proc/net/listenq_sysctl"

#define LQ_NONE		(-1LL)		/* printed as "-" */
#define LQ_BAD		(-2LL)		/* missing or unparsable */

#define LQ_MAX_COLS	64

struct lq_row {
	char local[80];			/* as printed: 127.0.0.1:80, [::1]:80 */
	int family;			/* AF_INET/AF_INET6 from the local column, 0 if bad */
	char addr[64];			/* address without brackets */
	int port;			/* -1 if bad */
	long long ns, uid, inode;
	long long acc_q, acc_max, acc_cap;
	long long syn_q, syn_young, syn_cap;
	long long drops;
	char syn_full[16];
	long long defer_accept, tfo_q, tfo_max;
	long long reuseport_id;
	int nfields;			/* tokens on the line */
};

struct lq_table {
	int ncols;
	char *cols[LQ_MAX_COLS];	/* header names */
	int nrows;
	struct lq_row *rows;
	char *text;			/* the raw file, NUL terminated */
	char *header;			/* private copy that cols[] point into */
};

/* The columns the ABI promises, in order (more may follow). */
extern const char *const lq_columns[];
extern const int lq_ncolumns;

/* true when /proc/listenq is absent and LQ_NO_MODULE=1 asks to tolerate that */
bool lq_no_module(void);

/* Read and parse path (normally LQ_PROC_PATH); 0 or -errno. */
int lq_table_read(struct lq_table *t, const char *path);
/* Parse text (a malloc()ed file image, owned by the table from now on). */
int lq_table_parse(struct lq_table *t, char *text);
void lq_table_free(struct lq_table *t);
bool lq_table_has_col(const struct lq_table *t, const char *name);
/* Lookups return the first match (NULL if none); count returns all matches. */
const struct lq_row *lq_table_find_inode(const struct lq_table *t, unsigned long long inode);
const struct lq_row *lq_table_find_port(const struct lq_table *t, int family, int port);
int lq_table_count_port(const struct lq_table *t, int family, int port);

/* Read the whole file at path into a NUL-terminated buffer; caller frees. */
char *lq_read_file(const char *path);
/*
 * The same with read()s of at most chunk bytes (exercises seq_file restarts);
 * the bytes read in *lenp unless NULL.
 */
char *lq_read_file_chunked(const char *path, size_t chunk, size_t *lenp);

/* /proc/net/listenq_sysctl: value of "name", 0 or -errno (-ENOENT if absent). */
int lq_sysctl_table_get(const char *name, long long *val);

#endif /* LQ_PROC_H */
