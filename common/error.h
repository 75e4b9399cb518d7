/* SPDX-License-Identifier: Apache-2.0 */
/* Filling struct kata_error (defined in kata.h) from anywhere in host or guest code. */
#ifndef KATA_COMMON_ERROR_H
#define KATA_COMMON_ERROR_H

#include "kata.h"

/* Sets err (if not NULL) to errnum and the formatted message; returns -errnum (or -EIO if 0). */
int kata_fail(struct kata_error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like kata_fail, appending ": strerror(errnum)" to the message. */
int kata_fail_errno(struct kata_error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes the message already in err with the formatted context ("context: message"). */
int kata_error_prefix(struct kata_error *err, int ret, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
