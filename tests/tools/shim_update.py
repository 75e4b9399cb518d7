#!/usr/bin/env python3
"""Calls containerd.task.v2.Task/Update on a shim's ttrpc socket, as containerd does for
`docker update` or the CRI (ctr 1.6 has no update command).

usage: shim_update.py SOCKET TASK-ID RESOURCES-JSON
Exits 0 when the shim answers OK, else prints the shim's error and exits 1.
"""
import socket
import struct
import sys


def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field(num, data):
    """A length-delimited protobuf field."""
    return varint(num << 3 | 2) + varint(len(data)) + data


def read_varint(buf, i):
    shift = n = 0
    while True:
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def fields(buf):
    """(number, value) pairs of a message: ints for varints, bytes for the rest."""
    i = 0
    while i < len(buf):
        key, i = read_varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = read_varint(buf, i)
        elif wt == 2:
            ln, i = read_varint(buf, i)
            v, i = buf[i:i + ln], i + ln
        else:
            raise ValueError("unexpected wire type %d" % wt)
        yield num, v


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError("the shim closed the connection")
        data += chunk
    return data


def main():
    sock_path, task_id, resources = sys.argv[1], sys.argv[2], sys.argv[3]
    any_msg = field(1, b"types.containerd.io/opencontainers/runtime-spec/1/LinuxResources") + \
        field(2, resources.encode())
    payload = field(1, task_id.encode()) + field(2, any_msg)
    req = field(1, b"containerd.task.v2.Task") + field(2, b"Update") + field(3, payload)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(sock_path)
    s.sendall(struct.pack(">IIBB", len(req), 1, 1, 0) + req)
    length, _stream, _type, _flags = struct.unpack(">IIBB", recv_exact(s, 10))
    resp = recv_exact(s, length)
    for num, v in fields(resp):
        if num == 1:  # status
            st = dict(fields(v))
            if st.get(1, 0) != 0:
                print("Update failed: code %d: %s" % (st.get(1), st.get(2, b"").decode()))
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
