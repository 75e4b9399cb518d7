/* SPDX-License-Identifier: Apache-2.0 */
/* The bits of JSON the QMP client needs on top of yajl's tree parser. */
#ifndef KATA_QMP_JSON_H
#define KATA_QMP_JSON_H

#include <yajl/yajl_tree.h>

/* The member `key` of object v, or NULL. */
yajl_val qmp_json_member(yajl_val v, const char *key);

/* The string member `key` of object v, or NULL. */
const char *qmp_json_string(yajl_val v, const char *key);

/* v serialized as compact JSON (malloc'ed), or NULL on ENOMEM. */
char *qmp_json_serialize(yajl_val v);

/* s as a JSON string literal, quotes included (malloc'ed), or NULL on ENOMEM. */
char *qmp_json_quote(const char *s);

#endif
