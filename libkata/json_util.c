/* SPDX-License-Identifier: Apache-2.0 */
#include "json_util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "error.h"

yajl_val json_member(yajl_val obj, const char *key)
{
	if (!YAJL_IS_OBJECT(obj))
		return NULL;
	for (size_t i = 0; i < obj->u.object.len; i++)
		if (!strcmp(obj->u.object.keys[i], key))
			return YAJL_IS_NULL(obj->u.object.values[i]) ? NULL
								     : obj->u.object.values[i];
	return NULL;
}

static int type_error(struct kata_error *err, const char *path, const char *key, const char *want)
{
	return kata_fail(err, EINVAL, "config.json: %s%s%s: expected %s", path, *path ? "." : "",
			 key, want);
}

int json_get_string(yajl_val obj, const char *path, const char *key, bool required, char **ret,
		    struct kata_error *err)
{
	yajl_val v = json_member(obj, key);
	if (!v) {
		if (required)
			return kata_fail(err, EINVAL, "config.json: %s%s%s is required", path,
					 *path ? "." : "", key);
		return 0;
	}
	if (!YAJL_IS_STRING(v))
		return type_error(err, path, key, "a string");
	char *s = strdup(v->u.string);
	if (!s)
		return kata_fail(err, ENOMEM, "out of memory");
	/* Targets start as protobuf's static empty string or NULL: never free them here. */
	*ret = s;
	return 1;
}

int json_get_bool(yajl_val obj, const char *path, const char *key, int *ret, struct kata_error *err)
{
	yajl_val v = json_member(obj, key);
	if (!v)
		return 0;
	if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
		return type_error(err, path, key, "true or false");
	*ret = YAJL_IS_TRUE(v);
	return 1;
}

int json_get_i64(yajl_val obj, const char *path, const char *key, int64_t *ret,
		 struct kata_error *err)
{
	yajl_val v = json_member(obj, key);
	if (!v)
		return 0;
	if (!YAJL_IS_INTEGER(v))
		return type_error(err, path, key, "an integer");
	*ret = YAJL_GET_INTEGER(v);
	return 1;
}

int json_get_u64(yajl_val obj, const char *path, const char *key, bool required, uint64_t *ret,
		 struct kata_error *err)
{
	yajl_val v = json_member(obj, key);
	if (!v) {
		if (required)
			return kata_fail(err, EINVAL, "config.json: %s%s%s is required", path,
					 *path ? "." : "", key);
		return 0;
	}
	/* yajl keeps integers above INT64_MAX only as doubles (e.g. rlimit 2^64-1). */
	if (YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) >= 0) {
		*ret = (uint64_t)YAJL_GET_INTEGER(v);
		return 1;
	}
	if (YAJL_IS_NUMBER(v) && v->u.number.r && v->u.number.r[0] != '-' &&
	    !strpbrk(v->u.number.r, ".eE")) {
		errno = 0;
		unsigned long long n = strtoull(v->u.number.r, NULL, 10);
		if (!errno) {
			*ret = n;
			return 1;
		}
	}
	return type_error(err, path, key, "a non-negative integer");
}

int json_get_u32(yajl_val obj, const char *path, const char *key, bool required, uint32_t *ret,
		 struct kata_error *err)
{
	uint64_t v;
	int rc = json_get_u64(obj, path, key, required, &v, err);
	if (rc <= 0)
		return rc;
	if (v > UINT32_MAX)
		return type_error(err, path, key, "an integer below 2^32");
	*ret = (uint32_t)v;
	return 1;
}

int json_get_strings(yajl_val obj, const char *path, const char *key, char ***ret, size_t *ret_n,
		     struct kata_error *err)
{
	*ret = NULL;
	*ret_n = 0;
	yajl_val v = json_member(obj, key);
	if (!v)
		return 0;
	if (!YAJL_IS_ARRAY(v))
		return type_error(err, path, key, "an array of strings");
	size_t n = v->u.array.len;
	char **out = calloc(n + 1, sizeof(*out));
	if (!out)
		return kata_fail(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		yajl_val s = v->u.array.values[i];
		if (!YAJL_IS_STRING(s) || !(out[i] = strdup(s->u.string))) {
			for (size_t j = 0; j < i; j++)
				free(out[j]);
			free(out);
			return type_error(err, path, key, "an array of strings");
		}
	}
	*ret = out;
	*ret_n = n;
	return 1;
}

int json_expect_object(yajl_val val, const char *path, const char *key, struct kata_error *err)
{
	if (val && !YAJL_IS_OBJECT(val))
		return type_error(err, path, key, "an object");
	return 0;
}

int json_expect_array(yajl_val val, const char *path, const char *key, struct kata_error *err)
{
	if (val && !YAJL_IS_ARRAY(val))
		return type_error(err, path, key, "an array");
	return 0;
}

static void gen_value(yajl_gen g, yajl_val v)
{
	if (!v || YAJL_IS_NULL(v)) {
		yajl_gen_null(g);
	} else if (YAJL_IS_STRING(v)) {
		yajl_gen_string(g, (const unsigned char *)v->u.string, strlen(v->u.string));
	} else if (YAJL_IS_NUMBER(v)) {
		yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
	} else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
		yajl_gen_bool(g, YAJL_IS_TRUE(v));
	} else if (YAJL_IS_OBJECT(v)) {
		yajl_gen_map_open(g);
		for (size_t i = 0; i < v->u.object.len; i++) {
			const char *k = v->u.object.keys[i];
			yajl_gen_string(g, (const unsigned char *)k, strlen(k));
			gen_value(g, v->u.object.values[i]);
		}
		yajl_gen_map_close(g);
	} else if (YAJL_IS_ARRAY(v)) {
		yajl_gen_array_open(g);
		for (size_t i = 0; i < v->u.array.len; i++)
			gen_value(g, v->u.array.values[i]);
		yajl_gen_array_close(g);
	}
}

int json_serialize(yajl_val val, char **ret)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return -ENOMEM;
	gen_value(g, val);
	const unsigned char *buf;
	size_t len;
	int rc = 0;
	if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok ||
	    !(*ret = strndup((const char *)buf, len)))
		rc = -ENOMEM;
	yajl_gen_free(g);
	return rc;
}
