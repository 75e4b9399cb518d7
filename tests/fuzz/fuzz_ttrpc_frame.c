/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host's ttrpc frame reader (common/ttrpc.c) fed by a hostile peer - the guest - in chunks
 * over a socketpair, and every frame it returns decoded as a ttrpc.Response and ttrpc.Request,
 * as the agent client and agent do.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "ttrpc.h"
#include "ttrpc.pb-c.h"

static void ttrpc_decode(const struct ttrpc_frame_header *h, const uint8_t *payload)
{
	Ttrpc__Response *resp = ttrpc__response__unpack(NULL, h->length, payload);
	if (resp) {
		/* Touch what agent_client.c reads, so ASan sees bad pointers. */
		if (resp->status && resp->status->message)
			(void)strlen(resp->status->message);
		ttrpc__response__free_unpacked(resp, NULL);
	}
	Ttrpc__Request *req = ttrpc__request__unpack(NULL, h->length, payload);
	if (req) {
		(void)strlen(req->service);
		(void)strlen(req->method);
		ttrpc__request__free_unpacked(req, NULL);
	}
}

/* Reads every complete frame available; returns the reader's terminal code (<0) or 0. */
static int ttrpc_drain(struct ttrpc_reader *r, int fd)
{
	for (;;) {
		struct ttrpc_frame_header h;
		uint8_t *payload = NULL;
		int rc = ttrpc_reader_read(r, fd, &h, &payload);
		if (rc <= 0)
			return rc;
		if (h.length > TTRPC_MAX_MESSAGE_LEN)
			abort(); /* the reader must never hand out an oversized frame */
		ttrpc_decode(&h, payload);
		free(payload);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t chunk = fuzz_chunk(&data, &size);
	int sv[2];
	if (fuzz_socketpair(sv) < 0)
		return 0;
	struct ttrpc_reader r;
	ttrpc_reader_init(&r);
	int rc = 0;
	for (size_t off = 0; off < size && rc >= 0; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;
		if (write(sv[1], data + off, n) != (ssize_t)n)
			break;
		rc = ttrpc_drain(&r, sv[0]);
	}
	if (rc >= 0) {
		shutdown(sv[1], SHUT_WR);
		rc = ttrpc_drain(&r, sv[0]);
		/* After the peer closed, the reader must report the end, not wait for more. */
		if (rc == 0)
			abort();
	}
	ttrpc_reader_reset(&r);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
