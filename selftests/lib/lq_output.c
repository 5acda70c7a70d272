// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the listenq command's output. See lq_output.h.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lq_output.h"

const char *lq_eol(const char *p)
{
	const char *e = strchr(p, '\n');

	return e ? e : p + strlen(p);
}

const char *lq_json_key(const char *obj, const char *end, const char *key)
{
	char k[64];
	const char *p;
	size_t kl;

	if (!end)
		end = lq_eol(obj);
	kl = snprintf(k, sizeof(k), "\"%s\":", key);
	p = strstr(obj, k);
	return p && p < end ? p + kl : NULL;
}

bool lq_json_num(const char *obj, const char *end, const char *key, long long *v)
{
	const char *p = obj ? lq_json_key(obj, end, key) : NULL;

	if (!p || (*p != '-' && (*p < '0' || *p > '9')))
		return false;
	*v = strtoll(p, NULL, 10);
	return true;
}

bool lq_json_str(const char *obj, const char *end, const char *key, char *buf, size_t len,
		 bool *null)
{
	const char *p = lq_json_key(obj, end, key), *q;

	if (!end)
		end = lq_eol(obj);
	*null = false;
	buf[0] = '\0';
	if (!p)
		return false;
	if (!strncmp(p, "null", 4)) {
		*null = true;
		return true;
	}
	if (*p != '"' || !(q = strchr(p + 1, '"')) || q > end)
		return false;
	snprintf(buf, len, "%.*s", (int)(q - p - 1), p + 1);
	return true;
}

const char *lq_json_listener(const char *out, const char *local)
{
	char key[96];

	snprintf(key, sizeof(key), "{\"local\":\"%s\"", local);
	return strstr(out, key);
}

int lq_json_count(const char *out, const char *local)
{
	char key[96];
	const char *p;
	int n = 0;

	snprintf(key, sizeof(key), "\"local\":\"%s\"", local ? local : "");
	if (!local)
		key[strlen(key) - 1] = '\0';	/* "local":" */
	for (p = out; (p = strstr(p, key)); p++)
		n++;
	return n;
}

/* The sample's label set: from its '{' to the "} " before its value; false if none. */
static bool prom_labels(const char *line, const char **lb, const char **le)
{
	const char *end = lq_eol(line);

	*lb = strchr(line, '{');
	*le = strstr(line, "} ");
	return *lb && *le && *lb < *le && *le < end;
}

bool lq_prom_label(const char *line, const char *key, char *buf, size_t len)
{
	const char *lb, *le, *p, *q;
	char k[64];
	size_t kl = snprintf(k, sizeof(k), "%s=\"", key);

	if (!prom_labels(line, &lb, &le))
		return false;
	for (p = lb; (p = strstr(p, k)) && p < le; p++) {
		if (p[-1] != '{' && p[-1] != ',')
			continue;
		q = strchr(p + kl, '"');
		if (!q || q > le)
			return false;
		snprintf(buf, len, "%.*s", (int)(q - p - kl), p + kl);
		return true;
	}
	return false;
}

/* A whole number as Prometheus text may print it (3, 0.000000); else LLONG_MIN. */
static long long prom_whole(const char *s)
{
	char *endp;
	double d = strtod(s, &endp);

	if (endp == s || (*endp && *endp != '\n') || !(d > -9e15 && d < 9e15) ||
	    d != (double)(long long)d)
		return LLONG_MIN;
	return (long long)d;
}

int lq_prom_sample(const char *out, const char *metric, const char *const *labels,
		   const char **line, long long *v)
{
	size_t ml = strlen(metric);
	const char *l, *end, *lb, *le;
	char buf[256];
	int n = 0, i;

	for (l = out; *l; l = *end ? end + 1 : end) {
		end = lq_eol(l);
		if (strncmp(l, metric, ml) || l[ml] != '{' || !prom_labels(l, &lb, &le))
			continue;
		for (i = 0; labels && labels[i]; i += 2)
			if (!lq_prom_label(l, labels[i], buf, sizeof(buf)) ||
			    strcmp(buf, labels[i + 1]))
				break;
		if (labels && labels[i])
			continue;
		if (!n++) {
			if (line)
				*line = l;
			if (v)
				*v = prom_whole(le + 2);
		}
	}
	return n;
}
