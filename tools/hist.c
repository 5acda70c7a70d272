// SPDX-License-Identifier: GPL-2.0
/*
 * The histograms of /proc/listenq_hist as numbers and words: the bounds of
 * the accept() wait buckets (lq_wait_bucket() of model.h), the bucket a
 * quantile falls in, and the durations and shares explain and the table
 * print. A bucket gives an upper bound, never the value itself: the text
 * says "at most".
 */
#include <stdio.h>
#include <string.h>

#include <listenq/model.h>

#include "hist.h"

/* The upper bound of wait bucket @i in microseconds; 0 for the last, unbounded one. */
unsigned long long lq_wait_le_us(unsigned int i)
{
	return i < LQ_NR_WAIT - 1 ? 1ULL << i : 0;
}

long long lq_sum(const long long *v, unsigned int n)
{
	long long s = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		s += v[i];
	return s;
}

/*
 * The bucket of the @permille quantile of @total waits: the first whose
 * cumulative count reaches permille/1000 of @total. @total > 0.
 */
unsigned int lq_wait_quantile(const long long *w, long long total, unsigned int permille)
{
	long long cum = 0;
	unsigned int i;

	for (i = 0; i < LQ_NR_WAIT - 1; i++) {
		cum += w[i];
		if (cum * 1000 >= (long long)permille * total)
			return i;
	}
	return LQ_NR_WAIT - 1;
}

/* A whole number of thousandths, trailing zeros dropped: 2048 -> "2.048", 1000 -> "1". */
static void lq_milli_text(char *buf, size_t len, unsigned long long v, unsigned int div,
			  unsigned int digits)
{
	unsigned long long frac = v % div;
	char f[16];
	int n;

	if (!frac) {
		snprintf(buf, len, "%llu", v / div);
		return;
	}
	snprintf(f, sizeof(f), "%0*llu", (int)digits, frac);
	for (n = (int)strlen(f); n > 0 && f[n - 1] == '0'; n--)
		f[n - 1] = '\0';
	snprintf(buf, len, "%llu.%s", v / div, f);
}

/*
 * A wait bound: exact ("2.048 ms", "1.048576 s") for explain, three digits
 * ("2.05ms") for a table cell.
 */
void lq_us_text(char *buf, size_t len, unsigned long long us, bool compact)
{
	char num[32];

	if (compact) {
		if (us < 1000)
			snprintf(buf, len, "%lluus", us);
		else if (us < 1000000)
			snprintf(buf, len, "%.3gms", (double)us / 1e3);
		else
			snprintf(buf, len, "%.3gs", (double)us / 1e6);
		return;
	}
	if (us < 1000) {
		snprintf(buf, len, "%llu us", us);
	} else if (us < 1000000) {
		lq_milli_text(num, sizeof(num), us, 1000, 3);
		snprintf(buf, len, "%s ms", num);
	} else {
		lq_milli_text(num, sizeof(num), us, 1000000, 6);
		snprintf(buf, len, "%s s", num);
	}
}

/* A measured duration (a mean), three significant digits. */
void lq_ns_text(char *buf, size_t len, double ns)
{
	if (ns < 1e3)
		snprintf(buf, len, "%.3g ns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.3g us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.3g ms", ns / 1e6);
	else
		snprintf(buf, len, "%.3g s", ns / 1e9);
}

/* @n of @total as a whole percentage that never rounds a few to none or all. */
void lq_pct_text(char *buf, size_t len, long long n, long long total)
{
	double p = total > 0 ? 100.0 * (double)n / (double)total : 0;

	if (n <= 0 || total <= 0)
		snprintf(buf, len, "0%%");
	else if (n >= total)
		snprintf(buf, len, "100%%");
	else if (p < 1)
		snprintf(buf, len, "<1%%");
	else if (p > 99)
		snprintf(buf, len, ">99%%");
	else
		snprintf(buf, len, "%.0f%%", p);
}

/* A fill sum in millionths as the decimal number it is: 412.5 is 412.500000. */
void lq_fill_sum_print(FILE *f, long long ppm)
{
	fprintf(f, "%lld.%06lld", ppm / LQ_FILL_SUM_ONE, ppm % LQ_FILL_SUM_ONE);
}
