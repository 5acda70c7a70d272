/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The three outputs of a frame, on stdout: the table (table.c), --json
 * (json.c) and --prometheus (prom.c). They print the frame's records and
 * compute nothing of their own.
 */
#ifndef _LISTENQ_RENDER_H
#define _LISTENQ_RENDER_H

struct lq_frame;

void lq_print_table(const struct lq_frame *fr);
void lq_print_json(const struct lq_frame *fr);
void lq_print_prometheus(const struct lq_frame *fr);

#endif /* _LISTENQ_RENDER_H */
