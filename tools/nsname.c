// SPDX-License-Identifier: GPL-2.0
/*
 * The name that a process's cgroup gives its network namespace, for -A:
 * container runtimes and systemd put each container, pod or service in a
 * cgroup named after it, and its processes in a namespace of their own.
 *
 * The path read is the "0::" line of /proc/PID/cgroup on a cgroup v2 host
 * (that line alone), else the "name=systemd" line: on a v1 or hybrid host
 * that is the hierarchy systemd and the runtimes name their units in. Of
 * its components, the last one that names something wins:
 *
 *   docker-<64 hex>.scope, or <64 hex> after "docker"    docker:<12 hex>
 *   kubepods-...-pod<UID>.slice, or pod<UID> under a
 *     kubepods component                                   pod:<UID>, '_' -> '-'
 *   cri-containerd-<64 hex>.scope not under kubepods      containerd:<12 hex>
 *   any other last component ending in .service or .scope  that component
 *   /, /init.scope                                         no name
 *
 * Under kubepods, a cri-containerd-*.scope is one container of the pod,
 * and the namespace is the pod's: the pod component names it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nsname.h"

/* Whether @s[0..@n) is @want hex digits, as runtimes print container IDs. */
static bool lq_hex_id(const char *s, size_t n, size_t want)
{
	size_t i;

	if (n != want)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* A pod UID: hex digits and '-' (cgroupfs) or '_' (systemd escapes '-'). */
static bool lq_pod_uid(const char *s, size_t n)
{
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F') || s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

/* Whether @c (@len bytes) is @pre MID @suf; MID in *@mid, *@mlen. */
static bool lq_affix(const char *c, size_t len, const char *pre, const char *suf,
		     const char **mid, size_t *mlen)
{
	size_t p = strlen(pre), s = strlen(suf);

	if (len < p + s || strncmp(c, pre, p) || strncmp(c + len - s, suf, s))
		return false;
	*mid = c + p;
	*mlen = len - p - s;
	return true;
}

static bool lq_is(const char *c, size_t len, const char *word)
{
	return len == strlen(word) && !strncmp(c, word, len);
}

static void lq_pod_name(char *buf, size_t len, const char *uid, size_t n)
{
	size_t i;

	snprintf(buf, len, "pod:%.*s", (int)n, uid);
	for (i = 4; buf[i]; i++)
		if (buf[i] == '_')
			buf[i] = '-';
}

/*
 * The UID of kubepods-<QOS>-pod<UID>.slice (burstable, besteffort) or
 * kubepods-pod<UID>.slice (guaranteed): after the last "pod" that starts
 * the middle or follows a '-'.
 */
static bool lq_kubepods_slice(const char *c, size_t len, const char **uid, size_t *n)
{
	const char *mid, *p;
	size_t mlen, i;

	if (!lq_affix(c, len, "kubepods-", ".slice", &mid, &mlen))
		return false;
	for (i = mlen; i-- > 0;) {
		p = mid + i;
		if ((i == 0 || p[-1] == '-') && mlen - i > 3 && !strncmp(p, "pod", 3)) {
			*uid = p + 3;
			*n = mlen - i - 3;
			return lq_pod_uid(*uid, *n);
		}
	}
	return false;
}

/* What component @c names, into @buf; false: nothing. */
static bool lq_component_name(const char *c, size_t len, bool after_docker, bool kubepods,
			      bool last, char *buf, size_t blen)
{
	const char *mid;
	size_t mlen;

	if (lq_affix(c, len, "docker-", ".scope", &mid, &mlen) && lq_hex_id(mid, mlen, 64)) {
		snprintf(buf, blen, "docker:%.12s", mid);
		return true;
	}
	if (after_docker && lq_hex_id(c, len, 64)) {
		snprintf(buf, blen, "docker:%.12s", c);
		return true;
	}
	if (lq_kubepods_slice(c, len, &mid, &mlen) ||
	    (kubepods && lq_affix(c, len, "pod", "", &mid, &mlen) && lq_pod_uid(mid, mlen))) {
		lq_pod_name(buf, blen, mid, mlen);
		return true;
	}
	if (lq_affix(c, len, "cri-containerd-", ".scope", &mid, &mlen)) {
		if (kubepods)
			return false;	/* a container of the pod above */
		if (lq_hex_id(mid, mlen, 64)) {
			snprintf(buf, blen, "containerd:%.12s", mid);
			return true;
		}
	}
	if (last && !lq_is(c, len, "init.scope") &&
	    (lq_affix(c, len, "", ".service", &mid, &mlen) ||
	     lq_affix(c, len, "", ".scope", &mid, &mlen)) && mlen) {
		snprintf(buf, blen, "%.*s", (int)len, c);
		return true;
	}
	return false;
}

/* The name cgroup path @path (up to @end) gives; false: none. */
static bool lq_path_name(const char *path, const char *end, char *buf, size_t len)
{
	bool found = false, after_docker = false, kubepods = false;
	const char *c = path, *e;

	while (c < end) {
		while (c < end && *c == '/')
			c++;
		if (c == end)
			break;
		e = memchr(c, '/', (size_t)(end - c));
		if (!e)
			e = end;
		{
			const char *rest = e;

			while (rest < end && *rest == '/')
				rest++;
			found |= lq_component_name(c, (size_t)(e - c), after_docker, kubepods,
						   rest == end, buf, len);
		}
		after_docker = lq_is(c, (size_t)(e - c), "docker");
		kubepods |= lq_is(c, (size_t)(e - c), "kubepods") ||
			    !strncmp(c, "kubepods-", 9) || !strncmp(c, "kubepods.", 9);
		c = e;
	}
	return found;
}

/* Whether comma-separated @list (up to @end) has the item @want. */
static bool lq_has_item(const char *list, const char *end, const char *want)
{
	size_t n = strlen(want);

	while (list < end) {
		const char *comma = memchr(list, ',', (size_t)(end - list));
		const char *e = comma ? comma : end;

		if ((size_t)(e - list) == n && !strncmp(list, want, n))
			return true;
		list = e + 1;
	}
	return false;
}

/*
 * The name the text of a /proc/PID/cgroup gives its process's namespace,
 * into @buf; false: none. A path holds no newline: cgroup_mkdir() and
 * cgroup1_rename() refuse one, so that the file's lines stay its lines.
 * It may hold any other byte: the name is escaped where it is shown.
 */
bool lq_cgroup_name(const char *text, char *buf, size_t len)
{
	const char *v2 = NULL, *v2_end = NULL, *sd = NULL, *sd_end = NULL, *line, *nl;
	bool only_v2 = true;

	for (line = text; line && *line; line = nl ? nl + 1 : NULL) {
		const char *c1, *c2, *end;

		nl = strchr(line, '\n');
		end = nl ? nl : line + strlen(line);
		c1 = memchr(line, ':', (size_t)(end - line));
		c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
		if (!c2)
			continue;
		/* HIERARCHY-ID:CONTROLLERS:PATH; the path may hold ':' itself. */
		if (c1 - line == 1 && line[0] == '0' && c2 == c1 + 1) {
			v2 = c2 + 1;
			v2_end = end;
			continue;
		}
		only_v2 = false;
		if (lq_has_item(c1 + 1, c2, "name=systemd")) {
			sd = c2 + 1;
			sd_end = end;
		}
	}
	if (v2 && (only_v2 || !sd))
		return lq_path_name(v2, v2_end, buf, len);
	return sd && lq_path_name(sd, sd_end, buf, len);
}
