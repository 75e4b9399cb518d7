/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor and the exec stand-in are forked, never exec'ed, and leave with _exit: their
 * leaks are only found if they ask (see the leaks test, tests/bats/leaks.bats). */
#include "leak_check.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>

void leak_check(void)
{
	__lsan_do_leak_check();
}
#else
void leak_check(void)
{
}
#endif
