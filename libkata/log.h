/* SPDX-License-Identifier: Apache-2.0 */
/* Log lines to the context's sink (runc's --log / --log-format): text or JSON lines. */
#ifndef KATA_LOG_H
#define KATA_LOG_H

#include "kata.h"

/* Formats and logs at `level`; debug lines are dropped unless ctx->debug. */
void kata_logf(const struct kata_context *ctx, const char *level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define kata_debug(ctx, ...) kata_logf((ctx), "debug", __VA_ARGS__)
#define kata_warn(ctx, ...)  kata_logf((ctx), "warning", __VA_ARGS__)

#endif
