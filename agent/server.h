/* SPDX-License-Identifier: Apache-2.0 */
/* ttrpc request dispatch: service/method lookup over the channel's frames. */
#ifndef AGENT_SERVER_H
#define AGENT_SERVER_H

#include <stdint.h>

#include "ttrpc.h"

void server_handle_frame(const struct ttrpc_frame_header *h, uint8_t *payload);
void server_handle_disconnect(void);

#endif
