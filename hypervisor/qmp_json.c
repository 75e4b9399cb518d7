/* SPDX-License-Identifier: Apache-2.0 */
#include "qmp_json.h"

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

yajl_val qmp_json_member(yajl_val v, const char *key)
{
	if (!YAJL_IS_OBJECT(v))
		return NULL;
	for (size_t i = 0; i < v->u.object.len; i++)
		if (strcmp(v->u.object.keys[i], key) == 0)
			return v->u.object.values[i];
	return NULL;
}

const char *qmp_json_string(yajl_val v, const char *key)
{
	yajl_val m = qmp_json_member(v, key);
	return YAJL_IS_STRING(m) ? YAJL_GET_STRING(m) : NULL;
}

static yajl_gen_status gen_string(yajl_gen g, const char *s)
{
	return yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static yajl_gen_status gen_value(yajl_gen g, yajl_val v)
{
	yajl_gen_status st = yajl_gen_status_ok;
	switch (v ? v->type : yajl_t_null) {
	case yajl_t_string:
		return gen_string(g, v->u.string);
	case yajl_t_number:
		/* The number's original text, so large integers keep every digit. */
		return yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
	case yajl_t_object:
		st = yajl_gen_map_open(g);
		for (size_t i = 0; st == yajl_gen_status_ok && i < v->u.object.len; i++) {
			st = gen_string(g, v->u.object.keys[i]);
			if (st == yajl_gen_status_ok)
				st = gen_value(g, v->u.object.values[i]);
		}
		return st == yajl_gen_status_ok ? yajl_gen_map_close(g) : st;
	case yajl_t_array:
		st = yajl_gen_array_open(g);
		for (size_t i = 0; st == yajl_gen_status_ok && i < v->u.array.len; i++)
			st = gen_value(g, v->u.array.values[i]);
		return st == yajl_gen_status_ok ? yajl_gen_array_close(g) : st;
	case yajl_t_true:
		return yajl_gen_bool(g, 1);
	case yajl_t_false:
		return yajl_gen_bool(g, 0);
	default:
		return yajl_gen_null(g);
	}
}

/* What g generated, as a malloc'ed string; frees g. NULL on ENOMEM or a generator error. */
static char *take_output(yajl_gen g, yajl_gen_status st)
{
	char *out = NULL;
	const unsigned char *buf;
	size_t len;
	if (st == yajl_gen_status_ok && yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
		out = strndup((const char *)buf, len);
	yajl_gen_free(g);
	return out;
}

char *qmp_json_serialize(yajl_val v)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	return g ? take_output(g, gen_value(g, v)) : NULL;
}

char *qmp_json_quote(const char *s)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	return g ? take_output(g, gen_string(g, s)) : NULL;
}
