/* SPDX-License-Identifier: GPL-2.0 */
/* Phrases that predict and explain share (caps.c). */
#ifndef _LISTENQ_CAPS_H
#define _LISTENQ_CAPS_H

#include <stddef.h>

#include <listenq/model.h>

void lq_syn_cap_text(char *buf, size_t len, const struct lq_rules *r, enum lq_bound why,
		     unsigned int b, unsigned int mql, long long msb);
void lq_msb_note(char *buf, size_t len, const struct lq_rules *r, enum lq_bound why,
		 unsigned int b, unsigned int mql, long long msb, long long syncookies);
const char *lq_syn_full_text(const char *action);

#endif /* _LISTENQ_CAPS_H */
