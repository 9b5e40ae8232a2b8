#!/usr/bin/env python3
"""A D-Bus caller that floods spoold with calls that want no reply.

Usage: dbusnoreply.py ADDRESS COUNT

Connects to the bus at ADDRESS (unix:path=...), says Hello, then sends COUNT
calls of org.freedesktop.DBus.Introspectable.Introspect to /org/spool/Spool1
flagged NO_REPLY_EXPECTED (the bus limits the calls awaiting a reply per
caller, not these), as fast as the socket takes them, and last a Peer.Ping
that wants its reply. Peer is answered by libdbus inside spoold, as the
calls before it are dispatched in order, so once the Ping is answered,
spoold has taken (or dropped) every one before it. Run it as a user the bus
lets introspect spoold (root, or a member of group spool): the bus drops
others' calls before they reach spoold. Prints "sent COUNT", then "pinged"
when the Ping's reply came.
"""
import struct
import sys

from dbusflood import connect, method_call

NO_REPLY_EXPECTED = 0x1


def main():
    address, count = sys.argv[1], int(sys.argv[2])
    connection = connect(address)
    call = bytearray(method_call(2, "org.spool.Spool1", "/org/spool/Spool1", "org.freedesktop.DBus.Introspectable", "Introspect"))
    call[2] |= NO_REPLY_EXPECTED
    batch = bytes(call) * 1000
    for _ in range(count // 1000):
        connection.sendall(batch)
    connection.sendall(bytes(call) * (count % 1000))
    print(f"sent {count}", flush=True)
    connection.sendall(method_call(3, "org.spool.Spool1", "/org/spool/Spool1", "org.freedesktop.DBus.Peer", "Ping"))
    data = b""
    connection.settimeout(120)
    while True:
        while len(data) < 16:
            chunk = connection.recv(1 << 16)
            if not chunk:
                sys.exit("the bus closed the connection")
            data += chunk
        body_length, _, fields_length = struct.unpack_from("<III", data, 4)
        total = 16 + fields_length + (-fields_length % 8) + body_length
        while len(data) < total:
            data += connection.recv(1 << 16)
        message, data = data[:total], data[total:]
        # A method return (2) or error (3) whose REPLY_SERIAL header field (5) is 3.
        if message[1] in (2, 3) and b"\x05\x01u\x00\x03\x00\x00\x00" in message[16:16 + fields_length]:
            print("pinged" if message[1] == 2 else "ping refused", flush=True)
            return


if __name__ == "__main__":
    main()
