/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The text of the tables' rows, built in a buffer that proc.c writes to its
 * seq_file at once. A row has 26 fields: a call, a vsnprintf() or a copy
 * per byte for each costs more than the walk of the listeners itself
 * (bench/README.md, section 2a), so a field is written inline, its blanks
 * as three word stores and its digits in place.
 *
 * Each writer writes at @p and returns the end of the field; it may write
 * blanks up to LQ_FMT_FIELD bytes from @p, past that end. The caller's
 * buffer has room for the longest row and those (LQ_LINE_MAX).
 */
#ifndef _LISTENQ_FORMAT_H
#define _LISTENQ_FORMAT_H

#include <linux/build_bug.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/types.h>

/* The widest field a writer blanks: a u64's 20 digits fit, and a column. */
#define LQ_FMT_FIELD	24

/* 10^i, for i up to 19: the smallest number with i + 1 digits. */
extern const u64 lq_fmt_pow10[20];

/*
 * LQ_FMT_FIELD bytes as three word moves. A memset() or memcpy() of that
 * constant size is not always inlined as moves: gcc 12 makes it a "rep stosb"
 * or "rep movsb" under 6.12's flags (24 iterations, and a start-up cost on
 * most CPUs), which made a row cost half as much again on that kernel.
 */
static __always_inline void lq_fmt_word(char *p, u64 w)
{
	memcpy(p, &w, sizeof(w));
}

static __always_inline void lq_fmt_move(char *p, const char *from)
{
	u64 w[3];

	BUILD_BUG_ON(sizeof(w) != LQ_FMT_FIELD);
	memcpy(&w[0], from, sizeof(w[0]));
	memcpy(&w[1], from + 8, sizeof(w[1]));
	memcpy(&w[2], from + 16, sizeof(w[2]));
	lq_fmt_word(p, w[0]);
	lq_fmt_word(p + 8, w[1]);
	lq_fmt_word(p + 16, w[2]);
}

/* Blanks over the LQ_FMT_FIELD bytes at @p. */
static __always_inline void lq_fmt_blank(char *p)
{
	const u64 blanks = 0x2020202020202020ULL;

	BUILD_BUG_ON(3 * sizeof(blanks) != LQ_FMT_FIELD);
	lq_fmt_word(p, blanks);
	lq_fmt_word(p + 8, blanks);
	lq_fmt_word(p + 16, blanks);
}

/* The number of decimal digits of @v. */
static __always_inline unsigned int lq_fmt_ndigits(u64 v)
{
	unsigned int n = 1;

	while (n < ARRAY_SIZE(lq_fmt_pow10) && v >= lq_fmt_pow10[n])
		n++;
	return n;
}

/* "00" to "99", filled at load: two digits at a time, half the divisions. */
extern char lq_fmt_pairs[200];
void lq_fmt_init(void);

/* The digits of @v, ending at @end; where they start. */
static __always_inline char *lq_fmt_digits(char *end, u64 v)
{
	while (v >= 100) {
		unsigned int r = do_div(v, 100);

		end -= 2;
		memcpy(end, &lq_fmt_pairs[2 * r], 2);
	}
	if (v >= 10) {
		end -= 2;
		memcpy(end, &lq_fmt_pairs[2 * v], 2);
	} else {
		*--end = '0' + v;
	}
	return end;
}

/*
 * @v in decimal, right-aligned in @width columns (1 to 20), as "%*llu":
 * wider than @width when its digits need it.
 */
static __always_inline char *lq_fmt_num(char *p, u64 v, unsigned int width)
{
	BUILD_BUG_ON(ARRAY_SIZE(lq_fmt_pow10) > LQ_FMT_FIELD);
	width = min_t(unsigned int, width, ARRAY_SIZE(lq_fmt_pow10));
	if (width < ARRAY_SIZE(lq_fmt_pow10) && v >= lq_fmt_pow10[width])
		width = lq_fmt_ndigits(v);
	lq_fmt_blank(p);
	lq_fmt_digits(p + width, v);
	return p + width;
}

/* @v in decimal, as "%llu". */
static __always_inline char *lq_fmt_u64(char *p, u64 v)
{
	return lq_fmt_num(p, v, 1);
}

/* -@v in decimal, right-aligned in @width columns (1 to 20), as "%*lld". */
static __always_inline char *lq_fmt_neg(char *p, u64 v, unsigned int width)
{
	width = clamp_t(unsigned int, width, lq_fmt_ndigits(v) + 1, ARRAY_SIZE(lq_fmt_pow10) + 1);
	lq_fmt_blank(p);
	*(lq_fmt_digits(p + width, v) - 1) = '-';
	return p + width;
}

/* The byte @c right-aligned in @width columns (1 to LQ_FMT_FIELD), as "%*c". */
static __always_inline char *lq_fmt_char(char *p, char c, unsigned int width)
{
	width = clamp_t(unsigned int, width, 1, LQ_FMT_FIELD);
	lq_fmt_blank(p);
	p[width - 1] = c;
	return p + width;
}

/*
 * @s of @len bytes in @width columns (< 0: left-aligned), as "%*s"; the
 * text and the width are cut to LQ_FMT_FIELD.
 */
static __always_inline char *lq_fmt_str(char *p, const char *s, unsigned int len, int width)
{
	unsigned int w = min_t(unsigned int, width < 0 ? -width : width, LQ_FMT_FIELD), i, n;
	char *at;

	len = min_t(unsigned int, len, LQ_FMT_FIELD);
	n = max(len, w);
	at = width < 0 ? p : p + n - len;

	lq_fmt_blank(p);
	for (i = 0; i < len; i++)
		at[i] = s[i];
	return p + n;
}

char *lq_fmt_sockaddr(char *p, const union lq_sockaddr *sa);

#endif /* _LISTENQ_FORMAT_H */
