/* SPDX-License-Identifier: Apache-2.0 */
/* runc's --console-socket protocol: a pty master handed over a unix socket. */
#ifndef KATA_CONSOLE_H
#define KATA_CONSOLE_H

#include "kata.h"

/* Sends `master` as SCM_RIGHTS to the listener on `path`, the payload being the pty's name. */
int console_send(const char *path, int master, const char *name, struct kata_error *err);

/* Opens a pty pair: *ret_master and *ret_slave (raw: the guest's pty does the line
 * discipline), both O_CLOEXEC; sends the master to `socket_path` when it is not NULL. */
int console_open_pty(const char *socket_path, int *ret_master, int *ret_slave,
		     struct kata_error *err);

#endif
