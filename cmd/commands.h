/* SPDX-License-Identifier: Apache-2.0 */
/* The kata CLI: each command parses its own flags and makes one libkata call. */
#ifndef KATA_CMD_COMMANDS_H
#define KATA_CMD_COMMANDS_H

#include "kata.h"

/* A command returns the process exit code (>= 0), or a negative errno with err filled. */
typedef int (*command_fn)(struct kata_context *ctx, int argc, char **argv, struct kata_error *err);

int cmd_create(struct kata_context *ctx, int argc, char **argv, struct kata_error *err);
int cmd_start(struct kata_context *ctx, int argc, char **argv, struct kata_error *err);
int cmd_state(struct kata_context *ctx, int argc, char **argv, struct kata_error *err);
int cmd_kill(struct kata_context *ctx, int argc, char **argv, struct kata_error *err);
int cmd_delete(struct kata_context *ctx, int argc, char **argv, struct kata_error *err);
int cmd_run(struct kata_context *ctx, int argc, char **argv, struct kata_error *err);
int cmd_exec(struct kata_context *ctx, int argc, char **argv, struct kata_error *err);
int cmd_ps(struct kata_context *ctx, int argc, char **argv, struct kata_error *err);
int cmd_list(struct kata_context *ctx, int argc, char **argv, struct kata_error *err);
int cmd_spec(struct kata_context *ctx, int argc, char **argv, struct kata_error *err);
int cmd_features(struct kata_context *ctx, int argc, char **argv, struct kata_error *err);
int cmd_pause(struct kata_context *ctx, int argc, char **argv, struct kata_error *err);
int cmd_resume(struct kata_context *ctx, int argc, char **argv, struct kata_error *err);
int cmd_update(struct kata_context *ctx, int argc, char **argv, struct kata_error *err);
int cmd_events(struct kata_context *ctx, int argc, char **argv, struct kata_error *err);
int cmd_checkpoint(struct kata_context *ctx, int argc, char **argv, struct kata_error *err);
int cmd_restore(struct kata_context *ctx, int argc, char **argv, struct kata_error *err);
int cmd_check(struct kata_context *ctx, int argc, char **argv, struct kata_error *err);
int cmd_logs(struct kata_context *ctx, int argc, char **argv, struct kata_error *err);
int cmd_env(struct kata_context *ctx, int argc, char **argv, struct kata_error *err);
int cmd_version(struct kata_context *ctx, int argc, char **argv, struct kata_error *err);
int cmd_factory(struct kata_context *ctx, int argc, char **argv, struct kata_error *err);

/* Prints `kata version`'s text (also for --version). */
void cmd_print_version(void);

/* Parses flags that take no value (long names in `names`, short letters in `shorts`, both in
 * the same order) into bools; returns optind or a negative errno naming the unknown flag. */
int cmd_parse_bool_flags(int argc, char **argv, const char *command, const char *const *names,
			 const char *shorts, bool *values, struct kata_error *err);

/* Fills err with errnum and a message; returns -errnum. */
int cmd_error(struct kata_error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Shared by commands: exactly one container id argument after the flags. */
int cmd_take_id(int argc, char **argv, const char *command, const char **ret_id,
		struct kata_error *err);

/* Parses create/run flags into opts; returns optind or a negative errno. */
struct kata_create_options;
int cmd_parse_create_flags(int argc, char **argv, const char *command, bool allow_detach,
			   struct kata_create_options *opts, struct kata_error *err);

#endif
