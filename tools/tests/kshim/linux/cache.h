/* SPDX-License-Identifier: GPL-2.0 */
#define __ro_after_init
