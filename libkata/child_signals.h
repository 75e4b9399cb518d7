/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KATA_CHILD_SIGNALS_H
#define KATA_CHILD_SIGNALS_H

/* In a forked child about to exec another program: unblocks every signal and restores every
 * default disposition, so the monitor's mask and handlers do not leak into QEMU or a hook. */
void child_reset_signals(void);

#endif
