/* SPDX-License-Identifier: Apache-2.0 */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int fail_v(struct kata_error *err, int errnum, bool with_strerror, const char *fmt,
		  va_list ap)
{
	if (errnum <= 0)
		errnum = errnum < 0 ? -errnum : EIO;
	if (err) {
		err->status = errnum;
		int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		if (with_strerror && n >= 0 && (size_t)n < sizeof(err->msg))
			snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(errnum));
	}
	return -errnum;
}

int kata_fail(struct kata_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = fail_v(err, errnum, false, fmt, ap);
	va_end(ap);
	return r;
}

int kata_fail_errno(struct kata_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = fail_v(err, errnum, true, fmt, ap);
	va_end(ap);
	return r;
}

int kata_error_prefix(struct kata_error *err, int ret, const char *fmt, ...)
{
	if (!err)
		return ret;
	char prefix[512];
	char old[sizeof(err->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Truncation is acceptable: the message is for humans and stays NUL-terminated. */
	size_t n = strnlen(prefix, sizeof(prefix) - 1);
	memcpy(err->msg, prefix, n);
	memcpy(err->msg + n, ": ", 2);
	size_t rest = sizeof(err->msg) - n - 3;
	size_t m = strnlen(old, rest);
	memcpy(err->msg + n + 2, old, m);
	err->msg[n + 2 + m] = '\0';
	return ret;
}
