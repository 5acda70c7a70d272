/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Text that others choose, made safe to print: UTF-8 as JSON strings, and
 * names that processes and containers choose made harmless for a terminal.
 * A leaf: text.c calls nothing of the command's other files.
 */
#ifndef _LISTENQ_TEXT_H
#define _LISTENQ_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The length of the UTF-8 sequence at @s; 0: none starts there. */
size_t lq_utf8_len(const char *s);

/* @s as a JSON string: not UTF-8 as U+FFFD, controls as \u escapes. */
void lq_json_str(FILE *f, const char *s);

/*
 * Control bytes, C1 controls and bytes that are not UTF-8 as \xNN, '\' as
 * \\ (and '"' as \" with @quote). At most 4 bytes out per byte in.
 */
#define LQ_NAME_ESC_LEN(n)	(4 * (n) + 1)

char *lq_name_escape(char *buf, size_t len, const char *s, bool quote);
void lq_name_fputs(FILE *f, const char *s, bool quote);

/* The columns @s takes on a terminal. */
size_t lq_text_width(const char *s);

#endif /* _LISTENQ_TEXT_H */
