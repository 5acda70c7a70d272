// SPDX-License-Identifier: GPL-2.0
/*
 * The filter: which listeners to show, parsed from ss(8)'s FILTER words
 * and the -4, -6, --port and --addr options, and matched against a row.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "table.h"
#include "util.h"

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

