/* SPDX-License-Identifier: GPL-2.0 */
/* Internal interfaces between the files of the listenq command. */
#ifndef _LISTENQ_TOOL_H
#define _LISTENQ_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <listenq/abi.h>
#include <listenq/model.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#ifndef LISTENQ_VERSION
#define LISTENQ_VERSION "unknown"
#endif

/* Exit codes, also listed in listenq.8. */
#define LQ_EXIT_OK	0
#define LQ_EXIT_ERR	1	/* no module, unreadable or foreign format, bad rows */
#define LQ_EXIT_USAGE	2

/*
 * The columns of the first /proc/listenq format. A file without one of them
 * speaks another format; the columns appended since (per-reason counters,
 * backlog) may be missing, as they are in older modules.
 */
#define LQ_NR_REQUIRED_COLUMNS	(LQ_COL_REUSEPORT_ID + 1)

/* Room for the known columns of either file (enum lq_column, lq_hist_column). */
#define LQ_MAX_COLUMNS	64

/* /proc/listenq or /proc/listenq_hist, split in place: every cell points into @text. */
struct lq_table {
	const char *path;
	char *text;
	unsigned int ncols;
	char **names;			/* header, ncols entries */
	int col[LQ_MAX_COLUMNS];	/* where each ABI column is; -1: absent */
	unsigned int nrows;
	char ***rows;			/* rows[r][c] */
	unsigned int nbad;		/* malformed rows, reported and skipped */
};

/* One listener's line of /proc/listenq_hist, by group; "-" (probes off): not there. */
struct lq_hist_row {
	bool found;			/* the listener has a line */
	bool syn_fill, acc_fill, wait;	/* the group's cells are numbers */
	long long sf[LQ_NR_FILL];	/* syn_fill_*, enum lq_fill */
	long long af[LQ_NR_FILL];	/* acc_fill_* */
	bool syn_sum, acc_sum;		/* the fill sums are there (newer modules) */
	long long sf_sum, af_sum;	/* syn_fill_sum_ppm, acc_fill_sum_ppm */
	long long wait_count, wait_sum_ns;
	long long w[LQ_NR_WAIT];	/* wait_1us ... wait_inf, not cumulative */
	bool missed;			/* wait_missed is there (newer modules) */
	long long wait_missed;		/* accept() calls whose wait was not timed */
};

struct lq_sysctl {
	bool valid;			/* the file was read */
	bool have[LQ_SC_NR];
	long long val[LQ_SC_NR];
	unsigned int n;			/* every line, known or not, for --json */
	char *keys[32];
	char *vals[32];
};

/* An address as /proc/listenq prints it: 0.0.0.0:80, [::1]:80. */
struct lq_addr {
	int family;			/* AF_INET, AF_INET6; 0: any */
	unsigned char a[16];
};

/*
 * A filter: ss(8)'s FILTER expression, for what a listener has (sport,
 * src), as a tree of nodes; the terms of -4, -6, --port and --addr are
 * ANDed to it.
 */
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

/* Per-row state flags shown in the STATUS column and in --json. */
#define LQ_ST_ACC_FULL	0x1
#define LQ_ST_ACC_NEAR	0x2
#define LQ_ST_SYN_FULL	0x4
#define LQ_ST_SYN_NEAR	0x8

/* proc.c */
char *lq_slurp_at(int dirfd, const char *name, int *err);
bool lq_vanished(int err);
int lq_table_load(struct lq_table *t, const char *path);
int lq_table_load_at(struct lq_table *t, int dirfd, const char *name, const char *path);
int lq_table_merge(struct lq_table *dst, struct lq_table * const *src, unsigned int n,
		   unsigned int *row_src);
void lq_table_free(struct lq_table *t);
int lq_hist_load(struct lq_table *h, const char *path);
int lq_hist_load_at(struct lq_table *h, int dirfd, const char *name, const char *path);
int lq_hist_find(const struct lq_table *h, const struct lq_table *t, unsigned int row,
		 unsigned int *cursor);
void lq_hist_get(const struct lq_table *h, int r, struct lq_hist_row *hr);
const char *lq_cell(const struct lq_table *t, unsigned int row, int col);
bool lq_cell_num(const struct lq_table *t, unsigned int row, int col, long long *v);
bool lq_parse_ll(const char *s, long long *v);
void lq_sysctl_load(struct lq_sysctl *sc, const char *path);
void lq_sysctl_load_at(struct lq_sysctl *sc, int dirfd, const char *name);
void lq_sysctl_free(struct lq_sysctl *sc);
int lq_parse_local(const char *s, struct lq_addr *a, unsigned int *port);
int lq_parse_addr(const char *s, struct lq_addr *a);
void lq_filter_init(struct lq_filter *f);
int lq_filter_parse(struct lq_filter *f, char * const *words, unsigned int n, char *err,
		    size_t len);
int lq_filter_term(const char *s, struct lq_fnode *node, char *err, size_t len);
int lq_filter_and(struct lq_filter *f, const struct lq_fnode *term);
bool lq_row_matches(const struct lq_table *t, unsigned int row, const struct lq_filter *f);
unsigned int lq_row_status(const struct lq_table *t, unsigned int row);
void lq_status_str(unsigned int st, char *buf, size_t len);

/* show.c */
struct lq_show_opts {
	const struct lq_filter *filter;
	bool color;
	bool json, prometheus;
	bool watch;
	double interval;		/* seconds between --watch frames */
	unsigned long count;		/* frames; 0: until interrupted */
	const char * const *paths;	/* frame i reads paths[min(i, npaths - 1)] */
	unsigned int npaths;
	const char *sysctl_path;
	const char * const *hist_paths;	/* as paths; npaths 0: no listenq_hist */
	unsigned int nhist;
	bool tty;			/* clear the screen between frames */
	bool no_header;			/* no column titles, no frame lines */
	bool all;			/* -A: every network namespace */
	bool processes;			/* -p: the owners of each listener */
};

int lq_show(const struct lq_show_opts *o);

/* owners.c: the processes that hold a socket, as ss -p finds them */
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

/* nsset.c: the namespaces a frame reads, one (the default, -N) or every one (-A) */
struct lq_ns {
	unsigned long long inode;	/* -A only: the namespace's inode */
	char *name;			/* -A only: ip netns or cgroup name; NULL: none */
	char *path, *hist_path, *sysctl_path;	/* for messages */
	struct lq_table t, h;
	int hrc;			/* lq_hist_load()'s: 0 loaded, 1 no file, -1 bad */
	struct lq_sysctl sc;
};

struct lq_nsset {
	struct lq_ns *ns;		/* by inode */
	unsigned int n;
	struct lq_table t;		/* every namespace's rows, in order */
	unsigned int *row_ns;		/* row i of t is of ns[row_ns[i]] */
	struct lq_table h;		/* every namespace's listenq_hist rows */
	bool have_hist;			/* some namespace has listenq_hist */
	struct lq_owners own;		/* -p */
};

int lq_nsset_load(struct lq_nsset *set, const struct lq_show_opts *o, unsigned long frame);
void lq_nsset_free(struct lq_nsset *set);
bool lq_cgroup_name(const char *cgroup_file, char *buf, size_t len);

/* netns.c */
#define LQ_PATH_LEN	4096

/* -N NAME|PID; neither: listenq's own namespace. */
struct lq_net {
	const char *name;
	int pid;
};

struct lq_files {
	char table[LQ_PATH_LEN];	/* /proc/listenq or another namespace's */
	char sysctl[LQ_PATH_LEN];
	char hist[LQ_PATH_LEN];		/* listenq_hist: optional */
};

int lq_parse_net(const char *s, struct lq_net *n);
int lq_net_files(const struct lq_net *n, struct lq_files *f);
void lq_path(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* kernel.c */
struct lq_kernel_version {
	unsigned int major, minor, sublevel;
	bool have_sublevel;		/* X.Y.Z, not X.Y */
	bool abi_name;			/* X.Y.0-N-FLAVOUR: Debian's, Ubuntu's uname -r */
	char text[64];			/* as given, for messages */
	bool running;			/* read from this host, not given */
	char source[192];		/* where a running kernel's version was read */
	char note[128];			/* the assumption made; "": none */
};

int lq_parse_kernel(const char *s, struct lq_kernel_version *k);
int lq_kernel_check(struct lq_kernel_version *k, char *err, size_t len);
bool lq_kernel_split(unsigned int major, unsigned int minor, unsigned int *first_gt);
int lq_running_kernel(struct lq_kernel_version *k, char *err, size_t len);

/* hist.c: the histograms of /proc/listenq_hist as numbers and words */
unsigned long long lq_wait_le_us(unsigned int i);
unsigned int lq_wait_quantile(const long long *w, long long total, unsigned int permille);
void lq_us_text(char *buf, size_t len, unsigned long long us, bool compact);
void lq_ns_text(char *buf, size_t len, double ns);
void lq_pct_text(char *buf, size_t len, long long n, long long total);
long long lq_sum(const long long *v, unsigned int n);

/* caps.c: phrases that predict and explain share */
void lq_syn_cap_text(char *buf, size_t len, const struct lq_rules *r, enum lq_bound why,
		     unsigned int b, unsigned int mql, long long msb);
void lq_msb_note(char *buf, size_t len, const struct lq_rules *r, enum lq_bound why,
		 unsigned int b, unsigned int mql, long long msb, long long syncookies);
const char *lq_syn_full_text(const char *action);

/* predict.c */
struct lq_predict_opts {
	struct lq_kernel_version kernel;
	long long backlog;
	long long somaxconn;
	long long max_syn_backlog;
	long long syncookies;
	bool somaxconn_given, max_syn_given, syncookies_given;
	bool json;
};

int lq_predict(const struct lq_predict_opts *o);

/* explain.c */
int lq_explain(const struct lq_show_opts *o, const char *what, const struct lq_kernel_version *k);

/* output.c: -o FILE, written to a temporary file renamed over FILE */
struct lq_output {
	const char *path;
	char tmp[LQ_PATH_LEN];
};

int lq_output_open(struct lq_output *out, const char *path);
int lq_output_close(struct lq_output *out, int rc);

/*
 * output.c: names that processes and containers choose, made harmless for
 * a terminal: control bytes, C1 controls and bytes that are not UTF-8 as
 * \xNN, '\' as \\ (and '"' as \" with @quote). At most 4 bytes out per
 * byte in.
 */
#define LQ_NAME_ESC_LEN(n)	(4 * (n) + 1)

char *lq_name_escape(char *buf, size_t len, const char *s, bool quote);
void lq_name_fputs(FILE *f, const char *s, bool quote);
size_t lq_text_width(const char *s);

/* listenq.c */
void lq_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lq_json_str(FILE *f, const char *s);
size_t lq_utf8_len(const char *s);

#endif /* _LISTENQ_TOOL_H */
