/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Incremental reader of ttrpc request frames that resynchronises on garbage. A virtio-serial
 * port carries the bytes of successive host connections back to back, and the guest does not
 * always see the boundary; a host that died mid-frame leaves a fragment in front of the next
 * host's first frame. A header that cannot be a request (type, stream id, flags) is therefore
 * skipped byte by byte until a plausible one lines up.
 */
#ifndef AGENT_FRAME_READER_H
#define AGENT_FRAME_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ttrpc.h"

struct frame_reader {
	uint8_t hdr[TTRPC_HEADER_LEN];
	size_t hdr_len;
	struct ttrpc_frame_header h;
	uint8_t *payload;
	size_t payload_len;
	size_t skipped; /* garbage bytes dropped since the last good header */
};

void frame_reader_init(struct frame_reader *r);
/* Drops a partial frame. */
void frame_reader_reset(struct frame_reader *r);

/* A header a host could have sent: a request or data frame on an odd (client) stream. */
bool frame_header_plausible(const struct ttrpc_frame_header *h);

/*
 * Returns 1 with a frame (*ret_payload malloc'ed or NULL when empty), 0 when more bytes are
 * needed, -EPIPE when read() returned 0, -EMSGSIZE for a frame over the limit (r->h tells which;
 * the caller skips r->h.length bytes), or another -errno.
 */
int frame_reader_read(struct frame_reader *r, int fd, struct ttrpc_frame_header *ret_h,
		      uint8_t **ret_payload);

#endif
