/* SPDX-License-Identifier: Apache-2.0 */
#include "frame_reader.h"
#include "io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void frame_reader_init(struct frame_reader *r)
{
	memset(r, 0, sizeof(*r));
}

void frame_reader_reset(struct frame_reader *r)
{
	free(r->payload);
	frame_reader_init(r);
}

bool frame_header_plausible(const struct ttrpc_frame_header *h)
{
	bool type_ok = h->type == TTRPC_TYPE_REQUEST || h->type == TTRPC_TYPE_DATA;
	/* ttrpc's flags: remote closed (1), remote open (2), no data (4). */
	return type_ok && (h->stream_id & 1) && h->flags <= 7;
}

static int read_header(struct frame_reader *r, int fd)
{
	while (r->hdr_len < TTRPC_HEADER_LEN) {
		ssize_t n = io_read_some(fd, r->hdr + r->hdr_len, TTRPC_HEADER_LEN - r->hdr_len);
		if (n <= 0)
			return (int)n;
		r->hdr_len += (size_t)n;
		if (r->hdr_len < TTRPC_HEADER_LEN)
			continue;
		int rc = ttrpc_header_unpack(r->hdr, &r->h);
		if (!frame_header_plausible(&r->h)) {
			memmove(r->hdr, r->hdr + 1, TTRPC_HEADER_LEN - 1);
			r->hdr_len--;
			r->skipped++;
			continue;
		}
		if (rc < 0)
			return rc;
	}
	return 1;
}

int frame_reader_read(struct frame_reader *r, int fd, struct ttrpc_frame_header *ret_h,
		      uint8_t **ret_payload)
{
	if (r->hdr_len < TTRPC_HEADER_LEN) {
		int rc = read_header(r, fd);
		if (rc <= 0)
			return rc;
		if (r->h.length) {
			r->payload = malloc(r->h.length);
			if (!r->payload)
				return -ENOMEM;
		}
	}
	while (r->payload_len < r->h.length) {
		ssize_t n =
		    io_read_some(fd, r->payload + r->payload_len, r->h.length - r->payload_len);
		if (n <= 0)
			return (int)n;
		r->payload_len += (size_t)n;
	}
	*ret_h = r->h;
	*ret_payload = r->payload;
	r->payload = NULL;
	size_t skipped = r->skipped;
	frame_reader_init(r);
	r->skipped = skipped;
	return 1;
}
