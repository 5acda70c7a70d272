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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filter.h"
#include "table.h"
#include "util.h"

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
 * its process exited (ENOENT, ESRCH), the namespace is being freed
 * (ENXIO: seq_open_net() and single_open_net() find no reference left to
 * take, when the last process left it between the lookup of
 * /proc/PID/net/FILE and its open) or its /run/netns file is no longer a
 * namespace (EINVAL).
 */
bool lq_vanished(int err)
{
	return err == ENOENT || err == ESRCH || err == ENXIO || err == EINVAL;
}

/*
 * Loads @name relative to @dirfd, @path in messages. 1: no such file and
 * the file is optional, or @vanish_ok and the namespace went away
 * (lq_vanished()), said nowhere: -A skips such a namespace.
 */
/* @text split in place into its lines; NULL: no memory. */
static char **lq_split_lines(char *text, unsigned int *n)
{
	char *p, *next, **lines;

	*n = 0;
	for (p = text; *p; p++)
		*n += *p == '\n';
	lines = calloc(*n + 2, sizeof(*lines));
	if (!lines)
		return NULL;
	*n = 0;
	for (p = text; *p; p = next) {
		next = strchr(p, '\n');
		if (next)
			*next++ = '\0';
		else
			next = p + strlen(p);
		lines[(*n)++] = p;
	}
	return lines;
}

/* The header: the columns' names and where each known one is. -ENOMEM, or -1 reported. */
static int lq_load_header(struct lq_table *t, char *header, const struct lq_schema *sc)
{
	unsigned int i;

	/* The header is the first line; a blank file has none. */
	t->ncols = header ? lq_count_fields(header) : 0;
	if (!t->ncols) {
		lq_err("%s: empty: no header line", t->path);
		return -1;
	}
	t->names = calloc(t->ncols, sizeof(*t->names));
	if (!t->names)
		return -ENOMEM;
	lq_split(header, t->names, t->ncols);
	for (i = 0; i < sc->ncols; i++) {
		t->col[i] = lq_find_col(t, sc->name(i));
		if (t->col[i] < 0 && i < sc->nrequired) {
			lq_err("%s: no '%s' column: this format is newer or older than listenq %s",
			       t->path, sc->name(i), LISTENQ_VERSION);
			return -1;
		}
	}
	return 0;
}

/* The data rows after the header; bad ones are reported and counted. -ENOMEM or 0. */
static int lq_load_rows(struct lq_table *t, char **lines, unsigned int nlines,
			const struct lq_schema *sc)
{
	unsigned int line, nf;
	char **f;

	t->rows = calloc(nlines, sizeof(*t->rows));
	if (!t->rows)
		return -ENOMEM;
	for (line = 1; line < nlines; line++) {
		f = calloc(t->ncols + 1, sizeof(*f));
		if (!f)
			return -ENOMEM;
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
	return 0;
}

static int lq_load(struct lq_table *t, int dirfd, const char *name, const char *path,
		   const struct lq_schema *sc, bool vanish_ok)
{
	unsigned int nlines;
	char **lines;
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

	lines = lq_split_lines(t->text, &nlines);
	err = lines ? lq_load_header(t, nlines ? lines[0] : NULL, sc) : -ENOMEM;
	if (!err)
		err = lq_load_rows(t, lines, nlines, sc);
	free(lines);
	if (err == -ENOMEM)
		lq_err("%s: %s", path, strerror(ENOMEM));
	if (err)
		lq_table_free(t);
	return err ? -1 : 0;
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
