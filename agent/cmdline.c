/* SPDX-License-Identifier: Apache-2.0 */
#include "cmdline.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

int cmdline_get(const char *cmdline, const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);
	int found = 0;
	const char *p = cmdline;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		const char *word = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		size_t wlen = (size_t)(p - word);
		if (wlen > klen && strncmp(word, key, klen) == 0 && word[klen] == '=') {
			size_t vlen = wlen - klen - 1;
			if (vlen >= size)
				return -ENAMETOOLONG;
			memcpy(buf, word + klen + 1, vlen);
			buf[vlen] = '\0';
			found = 1;
		}
	}
	return found;
}

int cmdline_parse_config(const char *cmdline, struct agent_config *cfg)
{
	char val[64];
	int rc = 0;
	cfg->debug = false;
	cfg->channel = CHANNEL_AUTO;

	int r = cmdline_get(cmdline, "agent.log", val, sizeof(val));
	if (r > 0) {
		if (strcmp(val, "debug") == 0)
			cfg->debug = true;
		else if (strcmp(val, "info") != 0)
			rc = -EINVAL;
	} else if (r < 0) {
		rc = r;
	}

	r = cmdline_get(cmdline, "agent.channel", val, sizeof(val));
	if (r > 0) {
		if (strcmp(val, "vsock") == 0)
			cfg->channel = CHANNEL_VSOCK;
		else if (strcmp(val, "serial") == 0 || strcmp(val, "virtio-serial") == 0)
			cfg->channel = CHANNEL_SERIAL;
		else
			rc = -EINVAL;
	} else if (r < 0) {
		rc = r;
	}
	return rc;
}

int cmdline_load_config(struct agent_config *cfg)
{
	char buf[4096];
	cleanup_close int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cmdline_parse_config("", cfg);
		return -errno;
	}
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		cmdline_parse_config("", cfg);
		return -errno;
	}
	buf[n] = '\0';
	return cmdline_parse_config(buf, cfg);
}
