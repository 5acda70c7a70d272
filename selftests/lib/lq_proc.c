// SPDX-License-Identifier: GPL-2.0
/*
 * Parser for /proc/listenq and /proc/net/listenq_sysctl. See lq_proc.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lq_proc.h"

/* The header names of the fixed fields, by enum lq_proc_fixed. */
static const char *const fixed_names[LQ_F_NR] = {
	[LQ_F_LOCAL] = "local", [LQ_F_NS] = "ns", [LQ_F_UID] = "uid", [LQ_F_INODE] = "inode",
	[LQ_F_ACC_Q] = "acc_q", [LQ_F_ACC_MAX] = "acc_max", [LQ_F_ACC_CAP] = "acc_cap",
	[LQ_F_SYN_Q] = "syn_q", [LQ_F_SYN_YOUNG] = "syn_young", [LQ_F_SYN_CAP] = "syn_cap",
	[LQ_F_DROPS] = "drops", [LQ_F_SYN_FULL] = "syn_full",
	[LQ_F_DEFER_ACCEPT] = "defer_accept", [LQ_F_TFO_Q] = "tfo_q", [LQ_F_TFO_MAX] = "tfo_max",
	[LQ_F_REUSEPORT_ID] = "reuseport_id",
};

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

/*
 * A decimal cell, "-" (LQ_NONE) or garbage (LQ_BAD). By hand, not with
 * strtoll(): lqbench times reading the whole table through this parser
 * beside ss's, and a reader of the file needs no more than this.
 */
static long long parse_num(const char *s)
{
	unsigned long long v = 0;
	bool neg = false;

	if (!s)
		return LQ_BAD;
	if (s[0] == '-' && !s[1])
		return LQ_NONE;
	if (*s == '-') {
		neg = true;
		s++;
	}
	if (*s < '0' || *s > '9')
		return LQ_BAD;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (unsigned long long)(LLONG_MAX - (*s - '0')) / 10)
			return LQ_BAD;
		v = v * 10 + (*s - '0');
	}
	if (*s)
		return LQ_BAD;
	return neg ? -(long long)v : (long long)v;
}

/* @s, cut to fit @size bytes with its NUL. */
static void copy_str(char *dst, size_t size, const char *s)
{
	size_t n = strnlen(s, size - 1);

	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* "127.0.0.1:80" or "[::1]:80" */
static void parse_local(struct lq_proc_row *r, const char *s)
{
	const char *colon;
	long long port;

	r->family = 0;
	r->port = -1;
	if (!s)
		return;
	copy_str(r->local, sizeof(r->local), s);
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

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/*
 * The columns are padded with runs of blanks that are most of a row, and a
 * reader of every row of a big table spends most of its time skipping them:
 * skip_blanks() and skip_token() look at eight bytes at a time, and a byte
 * at a time only in the word where a run ends. @end is the line's NUL.
 */
#define BYTES8(c)	(0x0101010101010101ULL * (unsigned char)(c))

static uint64_t load8(const char *s)
{
	uint64_t w;

	memcpy(&w, s, 8);
	return w;
}

/* The first blank of @s, or @end. */
static char *skip_blanks(char *s, const char *end)
{
	uint64_t w;

	for (; end - s >= 8; s += 8) {
		w = load8(s) ^ BYTES8(' ');
		if (!w)
			continue;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		s += __builtin_ctzll(w) / 8;	/* the first byte that is not ' ' */
		if (!blank(*s))
			return s;
		s -= 7;				/* a tab or newline: on from the next byte */
#else
		break;
#endif
	}
	while (blank(*s))
		s++;
	return s;
}

/* The end of the token at @s: its first blank or @end. */
static char *skip_token(char *s, const char *end)
{
	uint64_t w, low;

	for (; end - s >= 8; s += 8) {
		/* The bytes below '!': blanks and the NUL are all below it. */
		w = load8(s);
		low = (w - BYTES8('!')) & ~w & BYTES8(0x80);
		if (!low)
			continue;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		s += __builtin_ctzll(low) / 8;	/* the first of them, exactly */
		if (!*s || blank(*s))
			return s;
		s -= 7;				/* another control byte: in the token */
#else
		break;
#endif
	}
	while (*s && !blank(*s))
		s++;
	return s;
}
int lq_split(char *line, char **tok, int max)
{
	const char *end = line + strlen(line);
	int n = 0;

	for (;;) {
		line = skip_blanks(line, end);
		if (!*line || n == max)
			return n;
		tok[n++] = line;
		line = skip_token(line, end);
		if (!*line)
			return n;
		*line++ = '\0';
	}
}

int lq_proc_col_index(const struct lq_proc_hdr *h, const char *name)
{
	for (int i = 0; i < h->ncols; i++)
		if (!strcmp(h->cols[i], name))
			return i;
	return -1;
}

int lq_proc_hdr_parse(struct lq_proc_hdr *h, const char *line)
{
	memset(h, 0, sizeof(*h));
	h->buf = strndup(line, strcspn(line, "\n"));
	if (!h->buf)
		return -ENOMEM;
	h->ncols = lq_split(h->buf, h->cols, LQ_MAX_COLS);
	for (int i = 0; i < LQ_F_NR; i++)
		h->fixed[i] = lq_proc_col_index(h, fixed_names[i]);
	return h->ncols ? 0 : -EINVAL;
}

void lq_proc_hdr_free(struct lq_proc_hdr *h)
{
	free(h->buf);
	memset(h, 0, sizeof(*h));
}

/* Token of column col (-1: absent), or NULL. */
static const char *tok_at(const struct lq_proc_row *r, int col)
{
	return col >= 0 && col < r->nfields ? r->tok[col] : NULL;
}

static long long fixed_num(const struct lq_proc_row *r, enum lq_proc_fixed f)
{
	return parse_num(tok_at(r, r->hdr->fixed[f]));
}

int lq_proc_row_parse(const struct lq_proc_hdr *h, char *line, struct lq_proc_row *r)
{
	const char *s;

	/* tok[] past nfields is never read (tok_at()) */
	memset(r, 0, offsetof(struct lq_proc_row, tok));
	r->hdr = h;
	r->nfields = lq_split(line, r->tok, LQ_MAX_COLS);
	if (!r->nfields)
		return 0;
	parse_local(r, tok_at(r, h->fixed[LQ_F_LOCAL]));
	r->ns = fixed_num(r, LQ_F_NS);
	r->uid = fixed_num(r, LQ_F_UID);
	r->inode = fixed_num(r, LQ_F_INODE);
	r->acc_q = fixed_num(r, LQ_F_ACC_Q);
	r->acc_max = fixed_num(r, LQ_F_ACC_MAX);
	r->acc_cap = fixed_num(r, LQ_F_ACC_CAP);
	r->syn_q = fixed_num(r, LQ_F_SYN_Q);
	r->syn_young = fixed_num(r, LQ_F_SYN_YOUNG);
	r->syn_cap = fixed_num(r, LQ_F_SYN_CAP);
	r->drops = fixed_num(r, LQ_F_DROPS);
	s = tok_at(r, h->fixed[LQ_F_SYN_FULL]);
	copy_str(r->syn_full, sizeof(r->syn_full), s ? s : "?");
	r->defer_accept = fixed_num(r, LQ_F_DEFER_ACCEPT);
	r->tfo_q = fixed_num(r, LQ_F_TFO_Q);
	r->tfo_max = fixed_num(r, LQ_F_TFO_MAX);
	r->reuseport_id = fixed_num(r, LQ_F_REUSEPORT_ID);
	return r->nfields;
}

int lq_proc_row_split(const struct lq_proc_hdr *h, char *line, struct lq_proc_row *r, int ncols)
{
	r->hdr = h;
	r->nfields = lq_split(line, r->tok, ncols < LQ_MAX_COLS ? ncols : LQ_MAX_COLS);
	parse_local(r, tok_at(r, h->fixed[LQ_F_LOCAL]));
	return r->nfields;
}

long long lq_proc_fixed(const struct lq_proc_row *r, enum lq_proc_fixed f)
{
	return fixed_num(r, f);
}

const char *lq_proc_str(const struct lq_proc_row *r, const char *name)
{
	if (!r || !r->hdr)
		return NULL;
	return tok_at(r, lq_proc_col_index(r->hdr, name));
}

long long lq_proc_col(const struct lq_proc_row *r, const char *name)
{
	return parse_num(lq_proc_str(r, name));
}

int lq_proc_read(struct lq_proc *t, const char *path)
{
	char *text = lq_read_file(path);

	if (!text) {
		memset(t, 0, sizeof(*t));
		return -errno;
	}
	return lq_proc_parse(t, text);
}

int lq_proc_parse(struct lq_proc *t, char *text)
{
	char *line, *next;
	int cap = 0, ret;

	memset(t, 0, sizeof(*t));
	t->text = text;
	t->raw = strdup(text);
	if (!t->raw)
		return -ENOMEM;
	next = strchr(t->text, '\n');
	if (!next)
		return -EINVAL;
	ret = lq_proc_hdr_parse(&t->hdr, t->text);
	if (ret)
		return ret;
	next++;
	while ((line = next) && *line) {
		struct lq_proc_row row;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!lq_proc_row_parse(&t->hdr, line, &row))
			continue;
		if (t->nrows == cap) {
			struct lq_proc_row *nr;

			cap = cap ? 2 * cap : 16;
			nr = realloc(t->rows, cap * sizeof(*nr));
			if (!nr)
				return -ENOMEM;
			t->rows = nr;
		}
		t->rows[t->nrows++] = row;
	}
	return 0;
}

void lq_proc_free(struct lq_proc *t)
{
	lq_proc_hdr_free(&t->hdr);
	free(t->rows);
	free(t->text);
	free(t->raw);
	memset(t, 0, sizeof(*t));
}

bool lq_proc_has_col(const struct lq_proc *t, const char *name)
{
	return lq_proc_col_index(&t->hdr, name) >= 0;
}

const struct lq_proc_row *lq_proc_find_inode(const struct lq_proc *t, unsigned long long inode)
{
	for (int i = 0; i < t->nrows; i++)
		if (t->rows[i].inode == (long long)inode)
			return &t->rows[i];
	return NULL;
}

const struct lq_proc_row *lq_proc_find_port(const struct lq_proc *t, int family, int port)
{
	for (int i = 0; i < t->nrows; i++)
		if (t->rows[i].family == family && t->rows[i].port == port)
			return &t->rows[i];
	return NULL;
}

int lq_proc_count_port(const struct lq_proc *t, int family, int port)
{
	int n = 0;

	for (int i = 0; i < t->nrows; i++)
		if (t->rows[i].family == family && t->rows[i].port == port)
			n++;
	return n;
}

long long lq_proc_col_of(const char *path, unsigned long long inode, const char *name)
{
	struct lq_proc t;
	long long val;

	if (lq_proc_read(&t, path)) {
		lq_proc_free(&t);
		return LQ_BAD;
	}
	val = lq_proc_col(lq_proc_find_inode(&t, inode), name);
	lq_proc_free(&t);
	return val;
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
