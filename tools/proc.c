// SPDX-License-Identifier: GPL-2.0
/*
 * Reading /proc/listenq, /proc/listenq_hist and /proc/net/listenq_sysctl.
 *
 * The tables are parsed by header name, never by position: columns are only
 * ever appended, so a column the tool does not know is carried along, and a
 * column it needs but cannot find means the module speaks another format.
 * /proc/listenq_hist is optional: modules before it have no such file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listenq.h"

/* What tells /proc/listenq from /proc/listenq_hist to the reader. */
struct lq_schema {
	const char *(*name)(unsigned int col);
	unsigned int ncols;		/* known columns */
	unsigned int nrequired;		/* the first ones, which every version has */
	bool optional;			/* a missing file is no error */
};

static const struct lq_schema lq_listenq_schema = {
	.name = lq_column_name, .ncols = LQ_NR_COLUMNS, .nrequired = LQ_NR_REQUIRED_COLUMNS,
};

static const struct lq_schema lq_hist_schema = {
	.name = lq_hist_column_name, .ncols = LQ_NR_HIST_COLUMNS,
	.nrequired = LQ_HCOL_INODE + 1, .optional = true,
};

_Static_assert(LQ_NR_COLUMNS <= LQ_MAX_COLUMNS && LQ_NR_HIST_COLUMNS <= LQ_MAX_COLUMNS,
	       "struct lq_table's col[] is too small");
_Static_assert(LQ_COL_LOCAL == 0 && LQ_HCOL_LOCAL == 0, "local is column 0 of both files");

/*
 * Columns whose cells must be integers or "-": the known ones but "local"
 * and "syn_full". Unknown columns are carried as text, whatever they hold.
 */
static bool lq_col_numeric(const struct lq_schema *sc, const char *name)
{
	unsigned int i;

	if (!strcmp(name, "local") || !strcmp(name, "syn_full"))
		return false;
	for (i = 0; i < sc->ncols; i++)
		if (!strcmp(name, sc->name(i)))
			return true;
	return false;
}

/*
 * The whole file @name, relative to @dirfd (AT_FDCWD: a path): /proc files
 * have no size to stat. A directory fd of /proc/PID keeps every file read
 * through it to that one process, even if its PID is reused meanwhile.
 */
char *lq_slurp_at(int dirfd, const char *name, int *err)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap + 1);
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "r");
	size_t n;

	if (!f || !buf) {
		*err = fd < 0 ? errno : ENOMEM;
		if (f)
			fclose(f);
		else if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			char *nbuf = realloc(buf, 2 * cap + 1);

			if (!nbuf) {
				*err = ENOMEM;
				goto fail;
			}
			buf = nbuf;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		*err = errno ? errno : EIO;
		goto fail;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
fail:
	fclose(f);
	free(buf);
	return NULL;
}

static unsigned int lq_count_fields(const char *s)
{
	unsigned int n = 0;

	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		if (!*s)
			break;
		n++;
		while (*s && *s != ' ' && *s != '\t' && *s != '\r')
			s++;
	}
	return n;
}

/* Splits @line on blanks in place; returns the number of fields, even past @max. */
static unsigned int lq_split(char *line, char **fields, unsigned int max)
{
	unsigned int n = 0;
	char *save, *tok;

	for (tok = strtok_r(line, " \t\r", &save); tok; tok = strtok_r(NULL, " \t\r", &save)) {
		if (n < max)
			fields[n] = tok;
		n++;
	}
	return n;
}

bool lq_parse_ll(const char *s, long long *v)
{
	char *end;

	if (!*s || (*s != '-' && (*s < '0' || *s > '9')))
		return false;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return !errno && !*end;
}

static int lq_find_col(const struct lq_table *t, const char *name)
{
	unsigned int i;

	for (i = 0; i < t->ncols; i++)
		if (!strcmp(t->names[i], name))
			return (int)i;
	return -1;
}

/* Checks one data row; prints why it is skipped. */
static bool lq_row_ok(const struct lq_table *t, const struct lq_schema *sc, char **f,
		      unsigned int nf, unsigned int line)
{
	struct lq_addr a;
	unsigned int i, port;
	long long v;

	if (nf != t->ncols) {
		lq_err("%s:%u: %u fields, the header has %u; line skipped", t->path, line, nf,
		       t->ncols);
		return false;
	}
	for (i = 0; i < nf; i++) {
		if (!strcmp(f[i], LQ_NO_VALUE) || !lq_col_numeric(sc, t->names[i]))
			continue;
		if (!lq_parse_ll(f[i], &v)) {
			lq_err("%s:%u: %s is '%s', not a number; line skipped", t->path, line,
			       t->names[i], f[i]);
			return false;
		}
	}
	if (lq_parse_local(f[t->col[LQ_COL_LOCAL]], &a, &port)) {
		lq_err("%s:%u: local is '%s', not ADDR:PORT; line skipped", t->path, line,
		       f[t->col[LQ_COL_LOCAL]]);
		return false;
	}
	return true;
}

/*
 * What a file of a namespace that went away during the read fails with:
 * its process exited (ENOENT, ESRCH) or its /run/netns file is no longer
 * a namespace (EINVAL).
 */
bool lq_vanished(int err)
{
	return err == ENOENT || err == ESRCH || err == EINVAL;
}

/*
 * Loads @name relative to @dirfd, @path in messages. 1: no such file and
 * the file is optional, or @vanish_ok and the namespace went away
 * (lq_vanished()), said nowhere: -A skips such a namespace.
 */
static int lq_load(struct lq_table *t, int dirfd, const char *name, const char *path,
		   const struct lq_schema *sc, bool vanish_ok)
{
	unsigned int nlines = 0, i, line = 0;
	char *p, *next, **lines;
	int err = 0;

	memset(t, 0, sizeof(*t));
	t->path = path;
	t->text = lq_slurp_at(dirfd, name, &err);
	if (!t->text) {
		if ((err == ENOENT && sc->optional) || (vanish_ok && lq_vanished(err)))
			return 1;
		if (err == ENOENT)
			lq_err("%s: %s: is the listenq module loaded? (modprobe listenq)", path,
			       strerror(err));
		else
			lq_err("%s: %s", path, strerror(err));
		return -1;
	}

	for (p = t->text; *p; p++)
		nlines += *p == '\n';
	lines = calloc(nlines + 2, sizeof(*lines));
	if (!lines)
		goto nomem;
	nlines = 0;
	for (p = t->text; *p; p = next) {
		next = strchr(p, '\n');
		if (next)
			*next++ = '\0';
		else
			next = p + strlen(p);
		lines[nlines++] = p;
	}

	/* The header is the first line; a blank file has none. */
	t->ncols = nlines ? lq_count_fields(lines[0]) : 0;
	if (!t->ncols) {
		lq_err("%s: empty: no header line", path);
		goto fail;
	}
	t->names = calloc(t->ncols, sizeof(*t->names));
	if (!t->names)
		goto nomem_lines;
	lq_split(lines[0], t->names, t->ncols);
	for (i = 0; i < sc->ncols; i++) {
		t->col[i] = lq_find_col(t, sc->name(i));
		if (t->col[i] < 0 && i < sc->nrequired) {
			lq_err("%s: no '%s' column: this format is newer or older than listenq %s",
			       path, sc->name(i), LISTENQ_VERSION);
			goto fail;
		}
	}

	t->rows = calloc(nlines, sizeof(*t->rows));
	if (!t->rows)
		goto nomem_lines;
	for (line = 1; line < nlines; line++) {
		char **f = calloc(t->ncols + 1, sizeof(*f));
		unsigned int nf;

		if (!f)
			goto nomem_lines;
		/* Split into a scratch copy first: a long bad line must not overflow. */
		nf = lq_split(lines[line], f, t->ncols);
		if (!nf) {
			free(f);
			continue;
		}
		if (!lq_row_ok(t, sc, f, nf, line + 1)) {
			free(f);
			t->nbad++;
			continue;
		}
		t->rows[t->nrows++] = f;
	}
	free(lines);
	return 0;

nomem_lines:
	lq_err("%s: %s", path, strerror(ENOMEM));
fail:
	free(lines);
	lq_table_free(t);
	return -1;
nomem:
	lq_err("%s: %s", path, strerror(ENOMEM));
	lq_table_free(t);
	return -1;
}

int lq_table_load(struct lq_table *t, const char *path)
{
	return lq_load(t, AT_FDCWD, path, path, &lq_listenq_schema, false);
}

/* As lq_table_load(), from @name under @dirfd; 1: the namespace went away (quiet). */
int lq_table_load_at(struct lq_table *t, int dirfd, const char *name, const char *path)
{
	return lq_load(t, dirfd, name, path, &lq_listenq_schema, true);
}

/* 0: loaded; 1: no such file (a module before it) or no @path; -1: reported. */
int lq_hist_load(struct lq_table *h, const char *path)
{
	if (!path || !*path) {
		memset(h, 0, sizeof(*h));
		return 1;
	}
	return lq_load(h, AT_FDCWD, path, path, &lq_hist_schema, false);
}

/* As lq_hist_load(), from @name under @dirfd; also 1 when the namespace went away. */
int lq_hist_load_at(struct lq_table *h, int dirfd, const char *name, const char *path)
{
	return lq_load(h, dirfd, name, path, &lq_hist_schema, true);
}

/* A cell that a merged table has and its source has not. */
static char lq_no_value[] = LQ_NO_VALUE;

/*
 * The rows of @n tables, in order, as one table in the columns of the
 * first: -A shows every namespace at once. The cells stay those of the
 * sources, which must outlive @dst; a column a source lacks is "-" (one
 * module prints the same columns in every namespace, so this is for
 * safety, not for use). @row_src[i] is the source of row i.
 */
int lq_table_merge(struct lq_table *dst, struct lq_table * const *src, unsigned int n,
		   unsigned int *row_src)
{
	const struct lq_table *first = n ? src[0] : NULL;
	unsigned int total = 0, i, r, c;
	int *map = NULL;

	memset(dst, 0, sizeof(*dst));
	if (!first)
		return 0;
	dst->path = first->path;
	dst->ncols = first->ncols;
	memcpy(dst->col, first->col, sizeof(dst->col));
	for (i = 0; i < n; i++) {
		total += src[i]->nrows;
		dst->nbad += src[i]->nbad;
	}
	dst->names = calloc(dst->ncols + 1, sizeof(*dst->names));
	dst->rows = calloc(total + 1, sizeof(*dst->rows));
	map = calloc(dst->ncols + 1, sizeof(*map));
	if (!dst->names || !dst->rows || !map)
		goto nomem;
	memcpy(dst->names, first->names, dst->ncols * sizeof(*dst->names));
	for (i = 0; i < n; i++) {
		for (c = 0; c < dst->ncols; c++)
			map[c] = lq_find_col(src[i], dst->names[c]);
		for (r = 0; r < src[i]->nrows; r++) {
			char **f = calloc(dst->ncols + 1, sizeof(*f));

			if (!f)
				goto nomem;
			for (c = 0; c < dst->ncols; c++)
				f[c] = map[c] < 0 ? lq_no_value : src[i]->rows[r][map[c]];
			row_src[dst->nrows] = i;
			dst->rows[dst->nrows++] = f;
		}
	}
	free(map);
	return 0;
nomem:
	lq_err("%s", strerror(ENOMEM));
	free(map);
	lq_table_free(dst);
	return -1;
}

/*
 * The row of @h that is listener @row of @t: same ns and inode. The files
 * list listeners in the same order, but they are read one after the other
 * and listeners come and go in between: @cursor, the row after the last
 * match, is tried first. -1: not in @h.
 */
int lq_hist_find(const struct lq_table *h, const struct lq_table *t, unsigned int row,
		 unsigned int *cursor)
{
	const char *ns = lq_cell(t, row, t->col[LQ_COL_NS]);
	const char *ino = lq_cell(t, row, t->col[LQ_COL_INODE]);
	unsigned int i, r;

	if (!h || !h->nrows)
		return -1;
	for (i = 0; i < h->nrows; i++) {
		r = (*cursor + i) % h->nrows;
		if (!strcmp(h->rows[r][h->col[LQ_HCOL_INODE]], ino) &&
		    !strcmp(h->rows[r][h->col[LQ_HCOL_NS]], ns)) {
			*cursor = r + 1;
			return (int)r;
		}
	}
	return -1;
}

/* Whether @n cells from ABI column @first of row @r are all numbers. */
static bool lq_hist_cells(const struct lq_table *h, int r, unsigned int first, unsigned int n,
			  long long *v)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!lq_cell_num(h, (unsigned int)r, h->col[first + i], &v[i]) || v[i] < 0)
			return false;
	return true;
}

/* Row @r of @h (lq_hist_find()), by group; a group with a "-" is not there. */
void lq_hist_get(const struct lq_table *h, int r, struct lq_hist_row *hr)
{
	long long cs[2];

	memset(hr, 0, sizeof(*hr));
	if (r < 0)
		return;
	hr->found = true;
	hr->syn_fill = lq_hist_cells(h, r, LQ_HCOL_SYN_FILL, LQ_NR_FILL, hr->sf);
	hr->acc_fill = lq_hist_cells(h, r, LQ_HCOL_ACC_FILL, LQ_NR_FILL, hr->af);
	hr->syn_sum = hr->syn_fill && lq_hist_cells(h, r, LQ_HCOL_SYN_FILL_SUM, 1, &hr->sf_sum);
	hr->acc_sum = hr->acc_fill && lq_hist_cells(h, r, LQ_HCOL_ACC_FILL_SUM, 1, &hr->af_sum);
	hr->wait = lq_hist_cells(h, r, LQ_HCOL_WAIT_COUNT, 2, cs) &&
		   lq_hist_cells(h, r, LQ_HCOL_WAIT, LQ_NR_WAIT, hr->w);
	hr->wait_count = cs[0];
	hr->wait_sum_ns = cs[1];
	hr->missed = hr->wait && lq_hist_cells(h, r, LQ_HCOL_WAIT_MISSED, 1, &hr->wait_missed);
}

void lq_table_free(struct lq_table *t)
{
	unsigned int i;

	for (i = 0; i < t->nrows; i++)
		free(t->rows[i]);
	free(t->rows);
	free(t->names);
	free(t->text);
	t->rows = NULL;
	t->names = NULL;
	t->text = NULL;
	t->nrows = 0;
}

/* The cell of column index @col, or NULL when this module has no such column. */
const char *lq_cell(const struct lq_table *t, unsigned int row, int col)
{
	return col < 0 ? NULL : t->rows[row][col];
}

/* False for "-" and for a column this module does not print. */
bool lq_cell_num(const struct lq_table *t, unsigned int row, int col, long long *v)
{
	const char *s = lq_cell(t, row, col);

	return s && lq_parse_ll(s, v);
}

void lq_sysctl_load(struct lq_sysctl *sc, const char *path)
{
	lq_sysctl_load_at(sc, AT_FDCWD, path);
}

void lq_sysctl_load_at(struct lq_sysctl *sc, int dirfd, const char *name)
{
	char *text, *line, *save;
	int err;

	memset(sc, 0, sizeof(*sc));
	text = lq_slurp_at(dirfd, name, &err);
	if (!text)
		return;		/* optional: callers say what they cannot tell */
	sc->valid = true;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[2];
		unsigned int i;

		if (lq_split(line, f, 2) != 2 || sc->n == ARRAY_SIZE(sc->keys))
			continue;
		sc->keys[sc->n] = strdup(f[0]);
		sc->vals[sc->n] = strdup(f[1]);
		if (!sc->keys[sc->n] || !sc->vals[sc->n])
			break;
		for (i = 0; i < LQ_SC_NR; i++)
			if (!strcmp(f[0], lq_sysctl_name(i)))
				sc->have[i] = lq_parse_ll(f[1], &sc->val[i]);
		sc->n++;
	}
	free(text);
}

void lq_sysctl_free(struct lq_sysctl *sc)
{
	unsigned int i;

	for (i = 0; i < sc->n; i++) {
		free(sc->keys[i]);
		free(sc->vals[i]);
	}
	sc->n = 0;
}

static int lq_parse_port(const char *s, unsigned int *port)
{
	long long v;

	if (!lq_parse_ll(s, &v) || v < 0 || v > 65535)
		return -1;
	*port = (unsigned int)v;
	return 0;
}

/* An address alone: 127.0.0.1, ::1, [::1]; "*" matches any. */
int lq_parse_addr(const char *s, struct lq_addr *a)
{
	char buf[INET6_ADDRSTRLEN + 2];
	size_t len = strlen(s);

	memset(a, 0, sizeof(*a));
	if (!strcmp(s, "*"))
		return 0;
	if (len >= sizeof(buf))
		return -1;
	if (s[0] == '[' && len > 2 && s[len - 1] == ']') {
		memcpy(buf, s + 1, len - 2);
		buf[len - 2] = '\0';
	} else {
		memcpy(buf, s, len + 1);
	}
	if (inet_pton(AF_INET, buf, a->a) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, a->a) == 1) {
		static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };

		a->family = AF_INET6;
		/* ::ffff:a.b.c.d is the IPv4 address to anyone reading the table. */
		if (!memcmp(a->a, mapped, sizeof(mapped))) {
			memmove(a->a, a->a + 12, 4);
			memset(a->a + 4, 0, 12);
			a->family = AF_INET;
		}
		return 0;
	}
	return -1;
}

/* ADDR:PORT as the module prints it: 0.0.0.0:80, [::]:80. */
int lq_parse_local(const char *s, struct lq_addr *a, unsigned int *port)
{
	char buf[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(s, ':');
	size_t alen;

	if (!colon || lq_parse_port(colon + 1, port))
		return -1;
	alen = (size_t)(colon - s);
	if (!alen || alen >= sizeof(buf))
		return -1;
	/* An unbracketed IPv6 address would have its last group taken as the port. */
	if (s[0] != '[' && memchr(s, ':', alen))
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	return lq_parse_addr(buf, a);
}

/*
 * The filter: ss(8)'s FILTER for what a listener has, its own address and
 * port. ss splits its filter into words at blanks only ("( sport = :80 )",
 * not "(sport=:80)") and so does listenq. ss reads "a or b and c" left to
 * right, as "(a or b) and c": a mix of the two without parentheses is
 * refused here rather than read in a way that surprises.
 */
struct lq_fparse {
	struct lq_filter *f;
	char **tok;
	unsigned int ntok, i;
	char *err;
	size_t len;
};

void lq_filter_init(struct lq_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->root = -1;
}

static int lq_fnode_add(struct lq_filter *f, const struct lq_fnode *node)
{
	if (f->nn == LQ_FILTER_NODES)
		return -1;
	f->n[f->nn] = *node;
	return (int)f->nn++;
}

static int lq_fjoin(struct lq_filter *f, enum lq_fterm type, int l, int r)
{
	struct lq_fnode node = { .type = type, .l = l, .r = r };

	return l < 0 ? r : lq_fnode_add(f, &node);
}

int lq_filter_and(struct lq_filter *f, const struct lq_fnode *term)
{
	int n = lq_fnode_add(f, term);

	if (n < 0)
		return -1;
	f->root = lq_fjoin(f, LQ_F_AND, f->root, n);
	return f->root < 0 ? -1 : 0;
}

static int lq_ferr(char *err, size_t len, const char *fmt, const char *arg)
{
	snprintf(err, len, fmt, arg);
	return -1;
}

/* ADDR or ADDR/LEN, no port; "*" any address. */
static int lq_filter_prefix(const char *s, struct lq_fnode *node)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	long long plen;

	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%.*s", (int)(slash ? (size_t)(slash - s) : strlen(s)), s);
	if (lq_parse_addr(buf, &node->addr))
		return -1;
	node->plen = node->addr.family == AF_INET ? 32 : node->addr.family ? 128 : 0;
	if (slash) {
		if (!node->addr.family || !lq_parse_ll(slash + 1, &plen) || plen < 0 ||
		    plen > node->plen)
			return -1;
		node->plen = (unsigned int)plen;
	}
	return 0;
}

/*
 * One address term: PORT, :PORT, ADDR, ADDR/LEN, ADDR:PORT, [V6], [V6]:PORT,
 * *:PORT, ADDR:*. An unbracketed IPv6 address (::1) is an address: its
 * last group is never taken for a port.
 */
int lq_filter_term(const char *s, struct lq_fnode *node, char *err, size_t len)
{
	const char *colon = strrchr(s, ':');
	char addr[INET6_ADDRSTRLEN + 8];
	size_t alen;

	memset(node, 0, sizeof(*node));
	node->type = LQ_F_SRC;
	if (!lq_parse_port(s[0] == ':' ? s + 1 : s, &node->port)) {
		node->type = LQ_F_SPORT;
		return 0;
	}
	/* A bare address: IPv4, [V6], unbracketed IPv6, '*', with /LEN. */
	if (!colon || (s[0] != '[' && strchr(s, ':') != colon) || s[strlen(s) - 1] == ']' ||
	    strchr(colon, '/')) {
		if (!lq_filter_prefix(s, node))
			return 0;
		if (s[0] != '[' && colon && strchr(s, ':') != colon)
			return lq_ferr(err, len, "bad filter '%s': an IPv6 address with a port is "
				       "[V6]:PORT, e.g. [::1]:80", s);
		return lq_ferr(err, len, "bad filter '%s': PORT, :PORT, ADDR[/LEN], ADDR:PORT or "
			       "[V6]:PORT, as numbers", s);
	}
	alen = (size_t)(colon - s);
	if (alen >= sizeof(addr))
		return lq_ferr(err, len, "bad filter '%s'", s);
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (strcmp(colon + 1, "*")) {
		if (lq_parse_port(colon + 1, &node->port))
			return lq_ferr(err, len, "bad filter '%s': the port is a number from 0 to "
				       "65535", s);
		node->have_port = true;
	}
	if (lq_filter_prefix(alen ? addr : "*", node))
		return lq_ferr(err, len, "bad filter '%s': PORT, :PORT, ADDR[/LEN], ADDR:PORT or "
			       "[V6]:PORT", s);
	return 0;
}

static const char *lq_ftok(const struct lq_fparse *p)
{
	return p->i < p->ntok ? p->tok[p->i] : NULL;
}

static bool lq_fis(const struct lq_fparse *p, const char *a, const char *b, const char *c)
{
	const char *t = lq_ftok(p);

	return t && (!strcmp(t, a) || (b && !strcmp(t, b)) || (c && !strcmp(t, c)));
}

/* A word that starts a term of ss's own, or joins terms. */
static bool lq_fkeyword(const char *t)
{
	static const char * const kw[] = {
		"sport", "src", "dport", "dst", "state", "exclude", "dev", "fwmark", "cgroup",
		"autobound", "not", "!", "and", "&&", "&", "or", "||", "|", "(", ")", NULL,
	};
	unsigned int i;

	for (i = 0; kw[i]; i++)
		if (!strcmp(t, kw[i]))
			return true;
	return false;
}

static const struct {
	const char *word;
	enum lq_fop op;
} lq_fops[] = {
	{ "=", LQ_OP_EQ }, { "==", LQ_OP_EQ }, { "eq", LQ_OP_EQ },
	{ "!=", LQ_OP_NE }, { "ne", LQ_OP_NE }, { "neq", LQ_OP_NE },
	{ "<", LQ_OP_LT }, { "lt", LQ_OP_LT }, { "<=", LQ_OP_LE }, { "le", LQ_OP_LE },
	{ ">", LQ_OP_GT }, { "gt", LQ_OP_GT }, { ">=", LQ_OP_GE }, { "ge", LQ_OP_GE },
};

/* An optional comparison after sport or src; EQ when there is none. */
static enum lq_fop lq_fop(struct lq_fparse *p)
{
	const char *t = lq_ftok(p);
	unsigned int i;

	for (i = 0; t && i < ARRAY_SIZE(lq_fops); i++) {
		if (!strcmp(t, lq_fops[i].word)) {
			p->i++;
			return lq_fops[i].op;
		}
	}
	return LQ_OP_EQ;
}

static int lq_fadd(struct lq_fparse *p, const struct lq_fnode *node)
{
	int n = lq_fnode_add(p->f, node);

	if (n < 0)
		return lq_ferr(p->err, p->len, "%s", "filter too long");
	return n;
}

static int lq_fnot(struct lq_fparse *p, int n)
{
	struct lq_fnode node = { .type = LQ_F_NOT, .l = n };

	return n < 0 ? n : lq_fadd(p, &node);
}

/* sport [OP] [:]PORT */
static int lq_fsport(struct lq_fparse *p)
{
	struct lq_fnode node = { .type = LQ_F_SPORT };
	const char *t;

	node.op = lq_fop(p);
	t = lq_ftok(p);
	if (!t)
		return lq_ferr(p->err, p->len, "%s", "sport needs :PORT, e.g. 'sport = :80'");
	p->i++;
	if (lq_parse_port(t[0] == ':' ? t + 1 : t, &node.port))
		return lq_ferr(p->err, p->len, "bad sport '%s': a port from 0 to 65535 (no "
			       "service names)", t);
	return lq_fadd(p, &node);
}

/* src [= | != ] ADDR[/LEN] | ADDR:PORT | [V6]:PORT | *:PORT | :PORT */
static int lq_fsrc(struct lq_fparse *p)
{
	enum lq_fop op = lq_fop(p);
	struct lq_fnode node;
	const char *t = lq_ftok(p);
	int n;

	if (op != LQ_OP_EQ && op != LQ_OP_NE)
		return lq_ferr(p->err, p->len, "%s", "src takes = or !=, not an order");
	if (!t)
		return lq_ferr(p->err, p->len, "%s", "src needs an address, e.g. 'src 127.0.0.1'");
	p->i++;
	if (lq_filter_term(t, &node, p->err, p->len))
		return -1;
	/* "src 80" is an address in ss, and no address at all. */
	if (node.type == LQ_F_SPORT && t[0] != ':')
		return lq_ferr(p->err, p->len, "bad src '%s': an address; a port is 'src :PORT' "
			       "or 'sport = :PORT'", t);
	node.op = LQ_OP_EQ;
	n = lq_fadd(p, &node);
	return op == LQ_OP_NE ? lq_fnot(p, n) : n;
}

/* A run of bare terms (80 443 10.0.0.1:22): any of them. */
static int lq_fbare(struct lq_fparse *p)
{
	struct lq_fnode node;
	int n = -1, t;

	while (lq_ftok(p) && !lq_fkeyword(lq_ftok(p))) {
		if (lq_filter_term(lq_ftok(p), &node, p->err, p->len))
			return -1;
		p->i++;
		t = lq_fadd(p, &node);
		if (t < 0)
			return -1;
		n = lq_fjoin(p->f, LQ_F_OR, n, t);
		if (n < 0)
			return lq_ferr(p->err, p->len, "%s", "filter too long");
	}
	return n;
}

static int lq_fexpr(struct lq_fparse *p, unsigned int depth);

static int lq_funary(struct lq_fparse *p, unsigned int depth)
{
	const char *t = lq_ftok(p);
	int n;

	if (!t)
		return lq_ferr(p->err, p->len, "%s", "filter ends too early");
	if (depth > 32)
		return lq_ferr(p->err, p->len, "%s", "filter nested too deep");
	if (lq_fis(p, "not", "!", NULL)) {
		p->i++;
		return lq_fnot(p, lq_funary(p, depth + 1));
	}
	if (!strcmp(t, "(")) {
		p->i++;
		n = lq_fexpr(p, depth + 1);
		if (n < 0)
			return n;
		if (!lq_fis(p, ")", NULL, NULL))
			return lq_ferr(p->err, p->len, "%s", "'(' without ')'");
		p->i++;
		return n;
	}
	if (!strcmp(t, "sport")) {
		p->i++;
		return lq_fsport(p);
	}
	if (!strcmp(t, "src")) {
		p->i++;
		return lq_fsrc(p);
	}
	if (!strcmp(t, "state")) {
		struct lq_fnode all = { .type = LQ_F_ALL };

		p->i++;
		t = lq_ftok(p);
		if (!t || (strcmp(t, "listening") && strcmp(t, "listen")))
			return lq_ferr(p->err, p->len, "state %s: listenq shows listening sockets "
				       "only ('state listening')", t ? t : "");
		p->i++;
		return lq_fadd(p, &all);
	}
	if (!strcmp(t, "dport") || !strcmp(t, "dst"))
		return lq_ferr(p->err, p->len, "%s: a listener has no peer ('*:*'); filter on "
			       "sport and src", t);
	if (!strcmp(t, ")"))
		return lq_ferr(p->err, p->len, "%s", "')' without '('");
	if (!strcmp(t, "exclude") || !strcmp(t, "dev") || !strcmp(t, "fwmark") ||
	    !strcmp(t, "cgroup") || !strcmp(t, "autobound"))
		return lq_ferr(p->err, p->len, "'%s' is a filter of ss that listenq does not have: "
			       "it filters on sport and src", t);
	if (lq_fkeyword(t))
		return lq_ferr(p->err, p->len, "'%s' where a term should be", t);
	return lq_fbare(p);
}

/* Terms joined by and, or, or nothing (and, as in ss). */
static int lq_fexpr(struct lq_fparse *p, unsigned int depth)
{
	enum lq_fterm conn = LQ_F_ALL, op;
	int l = lq_funary(p, depth), r;

	while (l >= 0 && lq_ftok(p) && !lq_fis(p, ")", NULL, NULL)) {
		op = LQ_F_AND;
		if (lq_fis(p, "or", "||", "|"))
			op = LQ_F_OR;
		if (op == LQ_F_OR || lq_fis(p, "and", "&&", "&"))
			p->i++;
		if (conn != LQ_F_ALL && conn != op)
			return lq_ferr(p->err, p->len, "%s", "'and' and 'or' mixed: add "
				       "parentheses (ss reads 'a or b and c' as "
				       "'( a or b ) and c')");
		conn = op;
		r = lq_funary(p, depth);
		if (r < 0)
			return r;
		l = lq_fjoin(p->f, op, l, r);
		if (l < 0)
			return lq_ferr(p->err, p->len, "%s", "filter too long");
	}
	return l;
}

/*
 * The words of the filter, split at blanks: 'sport = :80' as one
 * argument is ss's usual form. ANDed to what is already there.
 */
int lq_filter_parse(struct lq_filter *f, char * const *words, unsigned int n, char *err,
		    size_t len)
{
	struct lq_fparse p = { .f = f, .err = err, .len = len };
	char *tok[256], *copy[64], *save, *w;
	unsigned int i, ncopy = 0;
	int root, rc = -1;

	for (i = 0; i < n; i++) {
		if (ncopy == ARRAY_SIZE(copy)) {
			lq_ferr(err, len, "%s", "filter too long");
			goto out;
		}
		copy[ncopy] = strdup(words[i]);
		if (!copy[ncopy]) {
			lq_ferr(err, len, "%s", strerror(ENOMEM));
			goto out;
		}
		for (w = strtok_r(copy[ncopy++], " \t\n", &save); w;
		     w = strtok_r(NULL, " \t\n", &save)) {
			if (p.ntok == ARRAY_SIZE(tok)) {
				lq_ferr(err, len, "%s", "filter too long");
				goto out;
			}
			tok[p.ntok++] = w;
		}
	}
	p.tok = tok;
	if (!p.ntok) {
		rc = 0;
		goto out;
	}
	root = lq_fexpr(&p, 0);
	if (root < 0)
		goto out;
	if (p.i < p.ntok) {
		lq_ferr(err, len, "%s", "')' without '('");
		goto out;
	}
	f->root = lq_fjoin(f, LQ_F_AND, f->root, root);
	rc = f->root < 0 ? lq_ferr(err, len, "%s", "filter too long") : 0;
out:
	for (i = 0; i < ncopy; i++)
		free(copy[i]);
	return rc;
}

static bool lq_port_cmp(enum lq_fop op, unsigned int a, unsigned int b)
{
	switch (op) {
	case LQ_OP_NE:
		return a != b;
	case LQ_OP_LT:
		return a < b;
	case LQ_OP_LE:
		return a <= b;
	case LQ_OP_GT:
		return a > b;
	case LQ_OP_GE:
		return a >= b;
	default:
		return a == b;
	}
}

/* The first @plen bits of two addresses of one family. */
static bool lq_prefix_eq(const unsigned char *a, const unsigned char *b, unsigned int plen)
{
	unsigned int whole = plen / 8, rest = plen % 8;

	if (memcmp(a, b, whole))
		return false;
	return !rest || !((a[whole] ^ b[whole]) & (0xff << (8 - rest)));
}

static bool lq_fmatch(const struct lq_filter *f, int i, const struct lq_addr *a,
		      unsigned int port)
{
	const struct lq_fnode *n = &f->n[i];

	switch (n->type) {
	case LQ_F_SPORT:
		return lq_port_cmp(n->op, port, n->port);
	case LQ_F_SRC:
		if (n->have_port && port != n->port)
			return false;
		return !n->addr.family || (a->family == n->addr.family &&
					   lq_prefix_eq(a->a, n->addr.a, n->plen));
	case LQ_F_FAMILY:
		return a->family == n->addr.family;
	case LQ_F_AND:
		return lq_fmatch(f, n->l, a, port) && lq_fmatch(f, n->r, a, port);
	case LQ_F_OR:
		return lq_fmatch(f, n->l, a, port) || lq_fmatch(f, n->r, a, port);
	case LQ_F_NOT:
		return !lq_fmatch(f, n->l, a, port);
	default:
		return true;
	}
}

bool lq_row_matches(const struct lq_table *t, unsigned int row, const struct lq_filter *f)
{
	struct lq_addr a;
	unsigned int port;

	if (!f || f->root < 0)
		return true;
	if (lq_parse_local(lq_cell(t, row, t->col[LQ_COL_LOCAL]), &a, &port))
		return false;
	return lq_fmatch(f, f->root, &a, port);
}

/* Full: the next child or SYN would be refused. Near: 80% of the cap or more. */
static unsigned int lq_queue_status(const struct lq_table *t, unsigned int row, int qcol,
				    int capcol, unsigned int full, unsigned int near)
{
	long long q, cap;

	if (!lq_cell_num(t, row, qcol, &q) || !lq_cell_num(t, row, capcol, &cap) || cap <= 0)
		return 0;	/* cap 0: tcp_syncookies=2, no request is ever queued */
	if (q >= cap)
		return full;
	return q > 0 && q * 5 >= cap * 4 ? near : 0;
}

unsigned int lq_row_status(const struct lq_table *t, unsigned int row)
{
	unsigned int st = lq_queue_status(t, row, t->col[LQ_COL_ACC_Q], t->col[LQ_COL_ACC_CAP],
					  LQ_ST_ACC_FULL, LQ_ST_ACC_NEAR) |
			  lq_queue_status(t, row, t->col[LQ_COL_SYN_Q], t->col[LQ_COL_SYN_CAP],
					  LQ_ST_SYN_FULL, LQ_ST_SYN_NEAR);
	long long cap;

	/* SYN cap 0 without cookies: every SYN is dropped (lq_refuses_all()). */
	if (lq_cell_num(t, row, t->col[LQ_COL_SYN_CAP], &cap) && cap == 0 &&
	    !strcmp(lq_cell(t, row, t->col[LQ_COL_SYN_FULL]), "drop"))
		st |= LQ_ST_SYN_FULL;
	return st;
}

void lq_status_str(unsigned int st, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s%s%s",
		 st & LQ_ST_ACC_FULL ? "accept-full" : "",
		 st & LQ_ST_ACC_NEAR ? "accept-near" : "",
		 (st & (LQ_ST_ACC_FULL | LQ_ST_ACC_NEAR)) &&
		 (st & (LQ_ST_SYN_FULL | LQ_ST_SYN_NEAR)) ? "," : "",
		 st & LQ_ST_SYN_FULL ? "syn-full" : "",
		 st & LQ_ST_SYN_NEAR ? "syn-near" : "",
		 st ? "" : "ok", "");
}
