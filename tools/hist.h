/* SPDX-License-Identifier: GPL-2.0 */
/* The histograms of /proc/listenq_hist as numbers and words (hist.c). */
#ifndef _LISTENQ_HIST_H
#define _LISTENQ_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

unsigned long long lq_wait_le_us(unsigned int i);
unsigned int lq_wait_quantile(const long long *w, long long total, unsigned int permille);
void lq_us_text(char *buf, size_t len, unsigned long long us, bool compact);
void lq_ns_text(char *buf, size_t len, double ns);
void lq_pct_text(char *buf, size_t len, long long n, long long total);
long long lq_sum(const long long *v, unsigned int n);
void lq_fill_sum_print(FILE *f, long long ppm);

#endif /* _LISTENQ_HIST_H */
