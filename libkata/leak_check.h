/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KATA_LEAK_CHECK_H
#define KATA_LEAK_CHECK_H

/* Under AddressSanitizer, runs LeakSanitizer's check now (a forked process that leaves with
 * _exit never reaches the check at exit); a no-op otherwise. */
void leak_check(void);

#endif
