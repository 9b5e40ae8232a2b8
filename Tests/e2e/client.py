#!/usr/bin/env python3
"""The end-to-end test's beanstalkd client (Python standard library only).

usage: client.py ADDRESS        ADDRESS is unix:PATH or tcp:HOST:PORT

Connects, then runs use, watch, put, reserve-with-timeout and delete on a tube
of its own, checking every reply byte for byte. Prints "served" and exits 0 when
all replies match; prints "connect failed: ERRNO_NAME" and exits 2 when the
connection is refused; otherwise prints what differed and exits 1.
"""
import errno
import os
import re
import socket
import sys


def connect(address):
    if address.startswith("unix:"):
        sock, target = socket.socket(socket.AF_UNIX), address[len("unix:"):]
    elif address.startswith("tcp:"):
        host, port = address[len("tcp:"):].rsplit(":", 1)
        sock, target = socket.socket(socket.AF_INET), (host, int(port))
    else:
        raise SystemExit(f"bad address {address!r}: use unix:PATH or tcp:HOST:PORT")
    # Long enough for socket activation to start spoold; short enough to fail.
    sock.settimeout(15)
    sock.connect(target)
    return sock


def main():
    try:
        sock = connect(sys.argv[1])
    except OSError as error:
        print(f"connect failed: {errno.errorcode.get(error.errno, error)}")
        return 2
    replies = sock.makefile("rb")

    def expect(request, pattern):
        sock.sendall(request)
        reply = replies.readline()
        match = re.fullmatch(pattern, reply)
        if not match:
            raise AssertionError(f"sent {request!r}, expected {pattern!r}, got {reply!r}")
        return match

    tube = f"e2e-{os.getpid()}".encode()
    try:
        expect(b"use " + tube + b"\r\n", re.escape(b"USING " + tube + b"\r\n"))
        expect(b"watch " + tube + b"\r\n", rb"WATCHING 2\r\n")
        job = expect(b"put 0 0 60 5\r\nhello\r\n", rb"INSERTED ([0-9]+)\r\n").group(1)
        expect(b"reserve-with-timeout 5\r\n", re.escape(b"RESERVED " + job + b" 5\r\n"))
        body = replies.read(7)
        if body != b"hello\r\n":
            raise AssertionError(f"expected the body b'hello\\r\\n', got {body!r}")
        expect(b"delete " + job + b"\r\n", rb"DELETED\r\n")
    except (AssertionError, OSError) as error:
        print(f"not served: {error}")
        return 1
    print("served")
    return 0


if __name__ == "__main__":
    sys.exit(main())
