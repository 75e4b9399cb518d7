/* SPDX-License-Identifier: Apache-2.0 */
/* Typed access to yajl trees with errors that name the JSON path at fault. */
#ifndef KATA_JSON_UTIL_H
#define KATA_JSON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_tree.h>

#include "kata.h"

/* The member `key` of object `obj`, or NULL when absent (or JSON null). */
yajl_val json_member(yajl_val obj, const char *key);

/* Booleans are int (protobuf_c_boolean). Each getter: absent -> 0 (unless required: error); wrong
 * type -> error naming path.key. */
int json_get_string(yajl_val obj, const char *path, const char *key, bool required, char **ret,
		    struct kata_error *err);
int json_get_bool(yajl_val obj, const char *path, const char *key, int *ret,
		  struct kata_error *err);
int json_get_u64(yajl_val obj, const char *path, const char *key, bool required, uint64_t *ret,
		 struct kata_error *err);
int json_get_i64(yajl_val obj, const char *path, const char *key, int64_t *ret,
		 struct kata_error *err);
int json_get_u32(yajl_val obj, const char *path, const char *key, bool required, uint32_t *ret,
		 struct kata_error *err);

/* An array of strings as a malloc'ed vector (*ret_n elements); absent -> empty. */
int json_get_strings(yajl_val obj, const char *path, const char *key, char ***ret, size_t *ret_n,
		     struct kata_error *err);

/* Checks that `val` (if present) is an object / array; names path.key otherwise. */
int json_expect_object(yajl_val val, const char *path, const char *key, struct kata_error *err);
int json_expect_array(yajl_val val, const char *path, const char *key, struct kata_error *err);

/* Serializes a yajl tree value back to compact JSON (malloc'ed). */
int json_serialize(yajl_val val, char **ret);

#endif
