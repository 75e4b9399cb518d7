/* SPDX-License-Identifier: Apache-2.0 */
/* A growable NULL-terminated vector of owned strings: argv and environment building. */
#ifndef KATA_STRV_H
#define KATA_STRV_H

#include <stddef.h>

struct strv {
	char **v; /* always NULL-terminated once anything was added */
	size_t n;
	size_t cap;
};

/* Appends a copy of s; returns 0 or -ENOMEM. */
int strv_add(struct strv *s, const char *str);

/* Appends a formatted string; returns 0 or -ENOMEM. */
int strv_addf(struct strv *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Frees every string and the vector; leaves s empty and reusable. */
void strv_clear(struct strv *s);

/* Joins the strings with sep into a malloc'ed string, or NULL on ENOMEM. */
char *strv_join(const struct strv *s, const char *sep);

static inline void cleanup_strv_fn(struct strv *s)
{
	strv_clear(s);
}
#define cleanup_strv __attribute__((cleanup(cleanup_strv_fn)))

#endif
