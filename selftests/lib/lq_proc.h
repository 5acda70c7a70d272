/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one reader of /proc/listenq in userspace tests and benchmarks, and of
 * /proc/net/listenq_sysctl.
 *
 * Rows are parsed by header name, so columns appended later do not break it.
 * Every column is reachable by its name with lq_proc_col() (numbers) and
 * lq_proc_str() (text); the columns most tests look at are also parsed into
 * fields of struct lq_proc_row. Numbers are LQ_NONE when the module printed
 * "-" and LQ_BAD when the column is missing or not a decimal number, so a
 * broken row shows up in a failed EXPECT rather than as a plausible zero.
 *
 * Two ways in: a whole file (lq_proc_read(), lq_proc_parse()), or line by
 * line for a reader that streams (lq_proc_hdr_parse() once, then
 * lq_proc_row_parse() per line), which is what the whole-file parser does.
 */
#ifndef LQ_PROC_H
#define LQ_PROC_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define LQ_PROC_PATH		"/proc/listenq"
#define LQ_PROC_NET_PATH	"/proc/net/listenq"
#define LQ_SYSCTL_PATH		"/proc/net/listenq_sysctl"

/* Outside every column's range: backlog may be -1 (listen()'s argument). */
#define LQ_NONE		LLONG_MIN		/* printed as "-" */
#define LQ_BAD		(LLONG_MIN + 1)		/* missing or unparsable */

#define LQ_MAX_COLS	64

/* The columns parsed into struct lq_proc_row fields (indices into hdr->fixed). */
enum lq_proc_fixed {
	LQ_F_LOCAL, LQ_F_NS, LQ_F_UID, LQ_F_INODE,
	LQ_F_ACC_Q, LQ_F_ACC_MAX, LQ_F_ACC_CAP,
	LQ_F_SYN_Q, LQ_F_SYN_YOUNG, LQ_F_SYN_CAP,
	LQ_F_DROPS, LQ_F_SYN_FULL, LQ_F_DEFER_ACCEPT, LQ_F_TFO_Q, LQ_F_TFO_MAX,
	LQ_F_REUSEPORT_ID,
	LQ_F_NR
};

/* The header line. */
struct lq_proc_hdr {
	int ncols;
	char *cols[LQ_MAX_COLS];	/* names, in file order */
	int fixed[LQ_F_NR];		/* column of each fixed field, -1 if absent */
	char *buf;			/* private copy that cols[] point into */
};

struct lq_proc_row {
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
	/*
	 * For lq_proc_col()/lq_proc_str(): the header, and the line's tokens
	 * (pointing into the parsed text). Valid while the table (or, when
	 * streaming, the line and header) lives; NULL in a copy that outlived
	 * them, such as lq_row_of()'s.
	 */
	const struct lq_proc_hdr *hdr;
	char *tok[LQ_MAX_COLS];
};

/* A whole /proc/listenq. */
struct lq_proc {
	struct lq_proc_hdr hdr;
	int nrows;
	struct lq_proc_row *rows;
	char *text;			/* the raw file, NUL terminated; rows point into it */
	char *raw;			/* an untouched copy of it, for logs */
};

/* true when /proc/listenq is absent and LQ_NO_MODULE=1 asks to tolerate that */
bool lq_no_module(void);

/* Read and parse path (normally LQ_PROC_PATH); 0 or -errno. */
int lq_proc_read(struct lq_proc *t, const char *path);
/* Parse text (a malloc()ed file image, owned by the table from now on). */
int lq_proc_parse(struct lq_proc *t, char *text);
void lq_proc_free(struct lq_proc *t);
/* Column index of name in the header, or -1. */
int lq_proc_col_index(const struct lq_proc_hdr *h, const char *name);
bool lq_proc_has_col(const struct lq_proc *t, const char *name);
/* Lookups return the first match (NULL if none); count returns all matches. */
const struct lq_proc_row *lq_proc_find_inode(const struct lq_proc *t, unsigned long long inode);
const struct lq_proc_row *lq_proc_find_port(const struct lq_proc *t, int family, int port);
int lq_proc_count_port(const struct lq_proc *t, int family, int port);

/* Any column of a row by header name: its value, LQ_NONE for "-", else LQ_BAD. */
long long lq_proc_col(const struct lq_proc_row *r, const char *name);
/* The same as printed; NULL when the row has no such column. */
const char *lq_proc_str(const struct lq_proc_row *r, const char *name);
/* Column name of the listener with socket inode in file path: as lq_proc_col(). */
long long lq_proc_col_of(const char *path, unsigned long long inode, const char *name);

/*
 * Split @line in place on blanks (space, tab, newline) into at most @max
 * tokens; returns their number. Fast on the padded columns of /proc/listenq.
 */
int lq_split(char *line, char **tok, int max);

/* Streaming: the header line (copied), then each row (split in place). */
int lq_proc_hdr_parse(struct lq_proc_hdr *h, const char *line);
void lq_proc_hdr_free(struct lq_proc_hdr *h);
/* Tokens on the line (0 for a blank one); r->hdr is h. */
int lq_proc_row_parse(const struct lq_proc_hdr *h, char *line, struct lq_proc_row *r);
/*
 * The same for the first @ncols columns only, and of the fields only local,
 * family, addr and port are set: the others are read on demand with
 * lq_proc_fixed() or lq_proc_col(). For a reader that wants a few columns
 * of many rows (lqbench's timed routes): the rest of the line is not looked at.
 */
int lq_proc_row_split(const struct lq_proc_hdr *h, char *line, struct lq_proc_row *r, int ncols);
/* A fixed column of a split or parsed row: as lq_proc_col(). */
long long lq_proc_fixed(const struct lq_proc_row *r, enum lq_proc_fixed f);

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
