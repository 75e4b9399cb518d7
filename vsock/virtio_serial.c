/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>

#include "error.h"
#include "qemu_opts.h"
#include "sockutil.h"
#include "transports.h"

int virtio_serial_qemu_args(const struct channel_config *cfg, struct strv *argv,
			    struct kata_error *err)
{
	if (!cfg->socket_path[0])
		return kata_fail(err, EINVAL, "virtio-serial channel has no socket path");
	cleanup_free char *path = qemu_opt_escape(cfg->socket_path);
	if (!path)
		return kata_fail(err, ENOMEM, "virtio-serial arguments: out of memory");
	/* wait=off: QEMU must not block its start on us; the guest's writes wait for a client. */
	if (strv_add(argv, "-device") < 0 || strv_add(argv, "virtio-serial-device") < 0 ||
	    strv_add(argv, "-chardev") < 0 ||
	    strv_addf(argv, "socket,id=agentchan,path=%s,server=on,wait=off", path) < 0 ||
	    strv_add(argv, "-device") < 0 ||
	    strv_addf(argv, "virtserialport,chardev=agentchan,name=%s", AGENT_SERIAL_NAME) < 0)
		return kata_fail(err, ENOMEM, "virtio-serial arguments: out of memory");
	return 0;
}

int virtio_serial_connect(const struct channel_config *cfg, int timeout_ms, struct kata_error *err)
{
	return unix_connect_retry(cfg->socket_path, timeout_ms, "the agent's virtio-serial port",
				  err);
}
