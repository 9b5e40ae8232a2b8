#!/usr/bin/env python3
"""A D-Bus caller that never reads its replies.

Usage: dbusflood.py ADDRESS COUNT QUEUE-PATH

Connects to the bus at ADDRESS (unix:path=...), says Hello, then sends COUNT
calls of org.freedesktop.DBus.Properties.GetAll("org.spool.Spool1.Manager")
to org.spool.Spool1 as fast as the socket takes them, and never reads. Last
comes Kick(1) on the queue object QUEUE-PATH: the calls reach spoold in
order, so once that job is kicked, spoold has taken every GetAll.
Prints how many calls were sent, then waits for stdin to close (the test's
signal to stop) so that the connection stays open meanwhile; then reads what
the bus kept for it, one reply per call, and prints how many method returns
and errors came.

The messages are marshalled here by hand (little-endian, D-Bus
specification, "Message Format"), so that nothing reads the replies.
"""
import os
import socket
import struct
import sys


def pad(data, alignment):
    return data + b"\0" * (-len(data) % alignment)


def string(value, length_format="<I"):
    encoded = value.encode()
    return struct.pack(length_format, len(encoded)) + encoded + b"\0"


def field(code, signature, value):
    """One header field, a (yv) struct, aligned to 8 by the caller."""
    data = struct.pack("<B", code) + string(signature, "<B")
    if signature == "g":
        data += string(value, "<B")
    else:
        data = pad(data, 4) + string(value)
    return data


def method_call(serial, destination, path, interface, member, signature="", body=b""):
    fields = b""
    for entry in [(1, "o", path), (2, "s", interface), (3, "s", member), (6, "s", destination)] + (
            [(8, "g", signature)] if signature else []):
        fields = pad(fields, 8) + field(*entry)
    header = struct.pack("<cBBBII", b"l", 1, 0, 1, len(body), serial) + struct.pack("<I", len(fields)) + fields
    return pad(header, 8) + body


def connect(address):
    """A connection to the bus at ADDRESS (unix:path=...), authenticated and
    registered (Hello, serial 1)."""
    path = address.split("path=", 1)[1].split(",", 1)[0]
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(path)
    connection.sendall(b"\0AUTH EXTERNAL " + str(os.getuid()).encode().hex().encode() + b"\r\n")
    if not connection.recv(4096).startswith(b"OK "):
        sys.exit("the bus refused the authentication")
    connection.sendall(b"BEGIN\r\n")
    connection.sendall(method_call(1, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "Hello"))
    return connection


def main():
    address, count, queue = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    connection = connect(address)
    call = method_call(2, "org.spool.Spool1", "/org/spool/Spool1", "org.freedesktop.DBus.Properties", "GetAll",
                       "s", string("org.spool.Spool1.Manager"))
    connection.sendall(call * count)
    connection.sendall(method_call(3, "org.spool.Spool1", queue, "org.spool.Spool1.Queue", "Kick", "u",
                                   struct.pack("<I", 1)))
    print(count, flush=True)
    sys.stdin.read()
    returns, errors = read_replies(connection, expected=count + 2)
    print(f"{returns} returns, {errors} errors", flush=True)


def read_replies(connection, expected):
    """Reads messages until `expected` replies came (replies to calls
    handled concurrently may come in any order), or until none comes for 10
    seconds; counts method returns and errors."""
    returns = errors = 0
    data = b""
    connection.settimeout(10)
    while returns + errors < expected:
        try:
            while len(data) < 16:
                data += connection.recv(1 << 20)
        except socket.timeout:
            break
        body_length, _, fields_length = struct.unpack_from("<III", data, 4)
        total = 16 + fields_length + (-fields_length % 8) + body_length
        while len(data) < total:
            data += connection.recv(1 << 20)
        message_type = data[1]
        data = data[total:]
        if message_type == 2:
            returns += 1
        elif message_type == 3:
            errors += 1
    return returns, errors


if __name__ == "__main__":
    main()
