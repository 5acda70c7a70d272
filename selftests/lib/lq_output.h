/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading what the listenq command prints, for the tests that run it
 * (lq_listenq()): its --json (one listener object a line) and its
 * --prometheus samples. Nothing here parses JSON in general: keys are found
 * as text within the bounds given, which is enough for listenq's flat
 * objects and strings without escapes.
 */
#ifndef LQ_OUTPUT_H
#define LQ_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

/* The end of the line that p is in: its '\n' or the terminating NUL. */
const char *lq_eol(const char *p);

/* "key": in [obj, end) (end NULL: the end of obj's line): a pointer to its value, or NULL. */
const char *lq_json_key(const char *obj, const char *end, const char *key);
/* The number of "key" in [obj, end); false if absent or not a number (null). */
bool lq_json_num(const char *obj, const char *end, const char *key, long long *v);
/* A string value (no escapes in it) into buf; null sets *null and returns true. */
bool lq_json_str(const char *obj, const char *end, const char *key, char *buf, size_t len,
		 bool *null);
/*
 * The --json object of the listener whose "local" is @local (as listenq
 * prints it: 127.0.0.1:80, [::1]:80), the first one; NULL if none. Its line
 * ends at lq_eol().
 */
const char *lq_json_listener(const char *out, const char *local);
/* How many listener objects have "local" @local; NULL: how many listeners. */
int lq_json_count(const char *out, const char *local);

/* The value of label @key in the {...} of the sample on @line, into buf. */
bool lq_prom_label(const char *line, const char *key, char *buf, size_t len);
/*
 * The samples of @metric (the name exactly, then '{') whose labels include
 * every pair of @labels, NULL-terminated key, value, key, value...: their
 * count. The first one's line goes to *line, its value to *v when it is a
 * whole number (3, 0.000000), else LLONG_MIN. Either pointer may be NULL.
 */
int lq_prom_sample(const char *out, const char *metric, const char *const *labels,
		   const char **line, long long *v);

#endif /* LQ_OUTPUT_H */
