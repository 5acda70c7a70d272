/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Files a guest test hands to host-side checks: blocks on the artifact
 * port, the guest's third serial port (ttyS2), which boot.sh records in
 * OUTDIR/artifacts.txt:
 *
 *	--- listenq-artifact NAME
 *	<content, newline-terminated>
 *	--- end NAME
 *
 * LQ_ARTIFACT_PORT in the environment names another file or device.
 */
#ifndef LQ_ARTIFACT_H
#define LQ_ARTIFACT_H

#include <stddef.h>

#define LQ_ARTIFACT_PORT	"/dev/ttyS2"

/* The port (raw mode if it is a tty, so "\n" stays "\n"): fd or -errno */
int lq_artifact_open(void);
/* One block; a missing final newline is added: 0 or -errno */
int lq_artifact_write(int fd, const char *name, const char *content, size_t len);
/* Wait until the port has sent everything, then close it: 0 or -errno */
int lq_artifact_close(int fd);

#endif /* LQ_ARTIFACT_H */
