// SPDX-License-Identifier: GPL-2.0
/*
 * Parser for /proc/listenq and /proc/net/listenq_sysctl. See lq_proc.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lq_proc.h"

const char *const lq_columns[] = {
	"local", "ns", "uid", "inode", "acc_q", "acc_max", "acc_cap", "syn_q",
	"syn_young", "syn_cap", "drops", "syn_full", "defer_accept", "tfo_q",
	"tfo_max", "reuseport_id",
};
const int lq_ncolumns = sizeof(lq_columns) / sizeof(lq_columns[0]);

bool lq_no_module(void)
{
	const char *env = getenv("LQ_NO_MODULE");

	return env && *env && strcmp(env, "0") && access(LQ_PROC_PATH, F_OK) < 0;
}

char *lq_read_file_chunked(const char *path, size_t chunk, size_t *lenp)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap), *nb;
	ssize_t n;
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto err;
	/* seq_file hands out a page or so per read(); keep reading until EOF */
	for (;;) {
		if (cap - len < chunk + 1) {
			cap = 2 * cap + chunk;
			nb = realloc(buf, cap);
			if (!nb)
				goto err_close;
			buf = nb;
		}
		n = read(fd, buf + len, chunk);
		if (n <= 0)
			break;
		len += n;
	}
	if (n < 0)
		goto err_close;
	close(fd);
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
err_close:
	n = errno;
	close(fd);
	errno = n;
err:
	free(buf);
	return NULL;
}

char *lq_read_file(const char *path)
{
	return lq_read_file_chunked(path, 65536, NULL);
}

static long long parse_num(const char *s)
{
	char *end;
	long long v;

	if (!s)
		return LQ_BAD;
	if (!strcmp(s, "-"))
		return LQ_NONE;
	if (*s < '0' || *s > '9')
		return LQ_BAD;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return LQ_BAD;
	return v;
}

/* "127.0.0.1:80" or "[::1]:80" */
static void parse_local(struct lq_row *r, const char *s)
{
	const char *colon;
	long long port;

	r->family = 0;
	r->port = -1;
	if (!s)
		return;
	snprintf(r->local, sizeof(r->local), "%s", s);
	colon = strrchr(s, ':');
	if (!colon)
		return;
	port = parse_num(colon + 1);
	if (port < 0 || port > 65535)
		return;
	if (s[0] == '[') {
		if (colon == s || colon[-1] != ']' || colon - s - 2 >= (long)sizeof(r->addr))
			return;
		memcpy(r->addr, s + 1, colon - s - 2);
		r->addr[colon - s - 2] = '\0';
		r->family = AF_INET6;
	} else {
		if (colon - s >= (long)sizeof(r->addr))
			return;
		memcpy(r->addr, s, colon - s);
		r->addr[colon - s] = '\0';
		r->family = AF_INET;
	}
	r->port = port;
}

static const char *field(const struct lq_table *t, char **tok, int ntok, const char *name)
{
	for (int i = 0; i < t->ncols && i < ntok; i++)
		if (!strcmp(t->cols[i], name))
			return tok[i];
	return NULL;
}

static void parse_row(const struct lq_table *t, struct lq_row *r, char **tok, int ntok)
{
	const char *s;

	memset(r, 0, sizeof(*r));
	r->nfields = ntok;
	parse_local(r, field(t, tok, ntok, "local"));
	r->ns = parse_num(field(t, tok, ntok, "ns"));
	r->uid = parse_num(field(t, tok, ntok, "uid"));
	r->inode = parse_num(field(t, tok, ntok, "inode"));
	r->acc_q = parse_num(field(t, tok, ntok, "acc_q"));
	r->acc_max = parse_num(field(t, tok, ntok, "acc_max"));
	r->acc_cap = parse_num(field(t, tok, ntok, "acc_cap"));
	r->syn_q = parse_num(field(t, tok, ntok, "syn_q"));
	r->syn_young = parse_num(field(t, tok, ntok, "syn_young"));
	r->syn_cap = parse_num(field(t, tok, ntok, "syn_cap"));
	r->drops = parse_num(field(t, tok, ntok, "drops"));
	s = field(t, tok, ntok, "syn_full");
	snprintf(r->syn_full, sizeof(r->syn_full), "%s", s ? s : "?");
	r->defer_accept = parse_num(field(t, tok, ntok, "defer_accept"));
	r->tfo_q = parse_num(field(t, tok, ntok, "tfo_q"));
	r->tfo_max = parse_num(field(t, tok, ntok, "tfo_max"));
	r->reuseport_id = parse_num(field(t, tok, ntok, "reuseport_id"));
}

/* Split line in place on blanks; returns the token count (at most max). */
static int split(char *line, char **tok, int max)
{
	char *save, *p;
	int n = 0;

	for (p = strtok_r(line, " \t", &save); p && n < max; p = strtok_r(NULL, " \t", &save))
		tok[n++] = p;
	return n;
}

int lq_table_read(struct lq_table *t, const char *path)
{
	char *text = lq_read_file(path);

	if (!text) {
		memset(t, 0, sizeof(*t));
		return -errno;
	}
	return lq_table_parse(t, text);
}

int lq_table_parse(struct lq_table *t, char *text)
{
	char *tok[LQ_MAX_COLS], *line, *next;
	int cap = 0, ntok;

	memset(t, 0, sizeof(*t));
	t->text = text;
	/* header names live in a private copy; rows are split in place */
	t->header = strdup(t->text);
	if (!t->header)
		return -ENOMEM;
	next = strchr(t->header, '\n');
	if (!next)
		return -EINVAL;
	*next = '\0';
	t->ncols = split(t->header, t->cols, LQ_MAX_COLS);
	if (!t->ncols)
		return -EINVAL;
	next = strchr(t->text, '\n') + 1;
	while ((line = next) && *line) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		ntok = split(line, tok, LQ_MAX_COLS);
		if (!ntok)
			continue;
		if (t->nrows == cap) {
			struct lq_row *nr;

			cap = cap ? 2 * cap : 16;
			nr = realloc(t->rows, cap * sizeof(*nr));
			if (!nr)
				return -ENOMEM;
			t->rows = nr;
		}
		parse_row(t, &t->rows[t->nrows++], tok, ntok);
	}
	return 0;
}

void lq_table_free(struct lq_table *t)
{
	free(t->header);
	free(t->rows);
	free(t->text);
	memset(t, 0, sizeof(*t));
}

bool lq_table_has_col(const struct lq_table *t, const char *name)
{
	for (int i = 0; i < t->ncols; i++)
		if (!strcmp(t->cols[i], name))
			return true;
	return false;
}

const struct lq_row *lq_table_find_inode(const struct lq_table *t, unsigned long long inode)
{
	for (int i = 0; i < t->nrows; i++)
		if (t->rows[i].inode == (long long)inode)
			return &t->rows[i];
	return NULL;
}

const struct lq_row *lq_table_find_port(const struct lq_table *t, int family, int port)
{
	for (int i = 0; i < t->nrows; i++)
		if (t->rows[i].family == family && t->rows[i].port == port)
			return &t->rows[i];
	return NULL;
}

int lq_table_count_port(const struct lq_table *t, int family, int port)
{
	int n = 0;

	for (int i = 0; i < t->nrows; i++)
		if (t->rows[i].family == family && t->rows[i].port == port)
			n++;
	return n;
}

int lq_sysctl_table_get(const char *name, long long *val)
{
	char *text = lq_read_file(LQ_SYSCTL_PATH), *line, *save, *k, *v, *s2;
	int ret = -ENOENT;

	if (!text)
		return -errno;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		k = strtok_r(line, " \t", &s2);
		v = strtok_r(NULL, " \t", &s2);
		if (k && v && !strcmp(k, name)) {
			*val = parse_num(v);
			ret = *val == LQ_BAD ? -EINVAL : 0;
			break;
		}
	}
	free(text);
	return ret;
}
