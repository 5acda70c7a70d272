// SPDX-License-Identifier: GPL-2.0
/*
 * The helpers of text.h: UTF-8, JSON strings and escaped names. A leaf:
 * nothing here calls the command's other files.
 */
#include <stdio.h>
#include <string.h>

#include "text.h"

/*
 * The length of the UTF-8 sequence at @s, 0 if it is not one: a comm is
 * cut at 15 bytes by the kernel, in the middle of a character if need be,
 * and JSON and Prometheus's text format both want UTF-8.
 */
size_t lq_utf8_len(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n, i;
	unsigned int cp;

	if (u[0] < 0x80)
		return 1;
	if (u[0] >= 0xc2 && u[0] <= 0xdf)
		n = 2, cp = u[0] & 0x1f;
	else if (u[0] >= 0xe0 && u[0] <= 0xef)
		n = 3, cp = u[0] & 0x0f;
	else if (u[0] >= 0xf0 && u[0] <= 0xf4)
		n = 4, cp = u[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (u[i] & 0x3f);
	}
	/* Overlong forms, surrogates and past U+10FFFF are not UTF-8 either. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * A JSON string; a byte that is not UTF-8 becomes U+FFFD. DEL and the C1
 * controls are valid raw in JSON, but `listenq --json | less -R` or a
 * terminal would act on them: they are written as \u escapes too, the same
 * code points.
 */
void lq_json_str(FILE *f, const char *s)
{
	size_t n;

	fputc('"', f);
	for (; *s; s += n ? n : 1) {
		unsigned char c = (unsigned char)*s;

		n = lq_utf8_len(s);
		if (!n)
			fputs("\\ufffd", f);
		else if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else if (n == 2 && c == 0xc2 && (unsigned char)s[1] < 0xa0)
			fprintf(f, "\\u%04x", (unsigned char)s[1]);
		else
			fwrite(s, 1, n, f);
	}
	fputc('"', f);
}

/*
 * Names: a process sets its own comm (prctl(PR_SET_NAME)), whoever creates
 * a cgroup or an ip netns file chooses its name, and any byte but '/' and
 * NUL may be in them. The table and explain escape, one character at a
 * time, what could move the cursor, colour the terminal or split a line:
 * C0 controls, DEL, the C1 controls U+0080..U+009F (U+009B is CSI, as
 * ESC [ is, to many terminals) and every byte that is not UTF-8, each
 * byte as \xNN. '\' becomes \\, so that the form reads back to the exact
 * bytes; printable UTF-8 stays as it is.
 */

/* @s's first character escaped into @out; the bytes of @s it stands for. */
static size_t lq_name_char(const char *s, bool quote, char out[9])
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = lq_utf8_len(s);

	if (!n || u[0] < 0x20 || u[0] == 0x7f) {
		snprintf(out, 9, "\\x%02x", u[0]);
		return 1;
	}
	if (n == 2 && u[0] == 0xc2 && u[1] < 0xa0) {
		snprintf(out, 9, "\\x%02x\\x%02x", u[0], u[1]);
		return 2;
	}
	if (u[0] == '\\' || (quote && u[0] == '"')) {
		out[0] = '\\';
		out[1] = (char)u[0];
		out[2] = '\0';
		return 1;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return n;
}

/* @s escaped into @buf; a name that does not fit ends at a whole character. */
char *lq_name_escape(char *buf, size_t len, const char *s, bool quote)
{
	size_t used = 0, m;
	char one[9];

	if (!len)
		return buf;
	buf[0] = '\0';
	while (*s) {
		s += lq_name_char(s, quote, one);
		m = strlen(one);
		if (used + m >= len)
			break;
		memcpy(buf + used, one, m + 1);
		used += m;
	}
	return buf;
}

void lq_name_fputs(FILE *f, const char *s, bool quote)
{
	char one[9];

	while (*s) {
		s += lq_name_char(s, quote, one);
		fputs(one, f);
	}
}

/* The columns @s takes: one per character, one per byte that is not UTF-8. */
size_t lq_text_width(const char *s)
{
	size_t w = 0, n;

	for (; *s; s += n ? n : 1, w++)
		n = lq_utf8_len(s);
	return w;
}
