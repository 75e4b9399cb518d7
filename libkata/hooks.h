/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OCI hooks (runtime-spec config.md "POSIX-platform Hooks"). The hooks that run in the runtime
 * namespace run on the host: prestart and createRuntime in the monitor before the VM boots (so
 * a hook such as docker's libnetwork-setkey can fill the monitor's network namespace, which is
 * then passed to the guest), poststart when start has started the workload, poststop when
 * delete has removed the container. createContainer and startContainer would have to run in
 * the container's namespaces, which are inside the VM: they are refused.
 */
#ifndef KATA_HOOKS_H
#define KATA_HOOKS_H

#include <yajl/yajl_tree.h>

#include "kata.h"

enum hook_kind {
	HOOK_PRESTART,
	HOOK_CREATE_RUNTIME,
	HOOK_POSTSTART,
	HOOK_POSTSTOP,
};

#define HOOKS_FILE "hooks.json" /* in the state directory, for start and delete */

/* Validates config.json's "hooks" (absent or NULL: none) and returns it as compact JSON in
 * *ret_json, or NULL when no hook is listed. */
int hooks_parse(yajl_val hooks, char **ret_json, struct kata_error *err);

/* Whether hooks_json lists any hook of kind. */
bool hooks_have(const char *hooks_json, enum hook_kind kind);

/* Runs the hooks of kind in order, each with the container state on stdin (state_json), in
 * cwd; stops at the first failure, whose error names the hook and its output. */
int hooks_run(const char *hooks_json, enum hook_kind kind, const char *state_json, const char *cwd,
	      struct kata_error *err);

/* The hook state document: ociVersion, id, status, pid, bundle, annotations. */
int hooks_state_json(const char *id, const char *status, pid_t pid, const char *bundle,
		     const char *annotations_json, char **ret_json, struct kata_error *err);

/* Writes hooks_json to dir/HOOKS_FILE (nothing when NULL). */
int hooks_save(const char *dir, const char *hooks_json, struct kata_error *err);

/* Reads dir/HOOKS_FILE into *ret_json (NULL when there is none). */
int hooks_load(const char *dir, char **ret_json, struct kata_error *err);

#endif
