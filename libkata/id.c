/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "error.h"

#define KATA_ID_MAX 128

int kata_id_validate(const char *id, struct kata_error *err)
{
	if (!id || !*id)
		return kata_fail(err, EINVAL, "container id cannot be empty");
	size_t len = strlen(id);
	if (len > KATA_ID_MAX)
		return kata_fail(err, EINVAL, "invalid container id: longer than %d characters",
				 KATA_ID_MAX);
	if (!strcmp(id, ".") || !strcmp(id, ".."))
		return kata_fail(err, EINVAL, "invalid container id \"%s\"", id);
	/* runc's rule: letters, digits and _ + - . only; this keeps ids safe as path components. */
	for (const char *p = id; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (isalnum(c) || c == '_' || c == '+' || c == '-' || c == '.')
			continue;
		/* Quote the id only up to its first control character: the error must stay one
		 * line, and a terminal must not interpret what follows. */
		size_t shown = 0;
		while (shown < len && shown < 64 && isprint((unsigned char)id[shown]))
			shown++;
		return kata_fail(err, EINVAL,
				 "invalid container id \"%.*s%s\": only [a-zA-Z0-9_+.-] allowed",
				 (int)shown, id, shown < len ? "..." : "");
	}
	return 0;
}
