/* SPDX-License-Identifier: GPL-2.0 */
/* --output=FILE: written to a temporary file renamed over FILE (output.c). */
#ifndef _LISTENQ_OUTPUT_H
#define _LISTENQ_OUTPUT_H

#include "util.h"

struct lq_output {
	const char *path;
	char tmp[LQ_PATH_LEN];
};

int lq_output_open(struct lq_output *out, const char *path);
int lq_output_close(struct lq_output *out, int rc);

#endif /* _LISTENQ_OUTPUT_H */
