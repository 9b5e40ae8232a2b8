#!/usr/bin/env python3
"""Randomized differential testing: spoold against beanstalkd, byte for byte.

Each run starts from a seed and generates a random conversation over several
connections: well-formed commands of every kind (puts of random sizes and
priorities, reserves that never block, releases, buries, kicks, peeks, stats,
tube changes, pauses, connection closes and reopens) mixed with malformed
lines, oversized and truncated puts, and puts whose bodies arrive in pieces
interleaved with other connections' commands. Every step is sent to both
servers the same way; their replies must be equal after normalisation:

* job ids become ordinals in order of first appearance, per server;
* `stats-job` and `stats-tube` lose only their timing keys (age, time-left,
  pause-time-left); global `stats` lose only what differs between any two
  servers (pid, uptime, rusage, version, id, hostname, os, platform, binlog-*,
  durability, spool-version and spool's extra keys) and cmd-stats (the fuzzer
  polls with `stats` until a server has taken a step that has no reply: a
  closed connection, a put's command line before its body), and are otherwise
  compared value by value, counters included.

The servers must be fresh (started for this run) with the default maximum job
size. On the first difference it prints the seed, the step and a reproducer:
the steps so far as Python literals. Exit status 1 then, 0 when all runs
agree.

    difffuzz.py --a tcp:127.0.0.1:11300 --b tcp:127.0.0.1:11301 --seed 1 --steps 2000
"""

import argparse
import random
import socket
import sys
import time

CRLF = b"\r\n"
TIMEOUT = 5.0
QUIET = 0.05
VOLATILE = {"age", "time-left", "pause-time-left"}
SERVER_SPECIFIC = {
    "pid", "uptime", "rusage-utime", "rusage-stime", "version", "id", "hostname", "os", "platform",
    "binlog-oldest-index", "binlog-current-index", "binlog-records-migrated", "binlog-records-written",
    "binlog-max-size", "durability", "spool-version", "cmd-reserve-job", "cmd-kick-job",
    # The fuzzer itself polls with `stats` until a server has taken a step
    # (a closed connection, a put's head), as often as each server needs.
    "cmd-stats",
}
TUBES = ["default", "a", "b", "c", "long-" + "x" * 190]
BAD_LINES = [
    b"", b"bogus", b"put", b"put 1 2 3", b"put x 0 1 1", b"delete", b"delete x", b"delete 1 ", b"release 1",
    b"bury 1", b"kick", b"kick x", b"use -bad", b"use " + b"y" * 201, b"watch", b"ignore", b"pause-tube",
    b"pause-tube -bad 1", b"pause-tube a x", b"pause-tube " + b"z" * 201 + b" 1", b"peek", b"stats-job",
    b"stats-tube", b"reserve ", b"list-tubes x", b"\x00stats", b"x" * 300,
]


class Server:
    def __init__(self, address):
        kind, _, rest = address.partition(":")
        if kind == "unix":
            self.family, self.sockaddr = socket.AF_UNIX, rest
        else:
            host, _, port = rest.rpartition(":")
            self.family, self.sockaddr = socket.AF_INET, (host, int(port))
        self.conns = {}
        self.ids = {}

    def connect(self, index):
        sock = socket.socket(self.family, socket.SOCK_STREAM)
        sock.settimeout(TIMEOUT)
        sock.connect(self.sockaddr)
        self.conns[index] = [sock, b""]

    def close(self, index):
        self.conns.pop(index)[0].close()

    def send(self, index, data):
        self.conns[index][0].sendall(data)

    def replies(self, index, count):
        """`count` complete replies from connection `index` (bodies included)."""
        sock, buf = self.conns[index]
        out = []
        deadline = time.monotonic() + TIMEOUT
        while len(out) < count:
            reply, rest = split_reply(buf)
            if reply is not None:
                out.append(reply)
                buf = rest
                continue
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = sock.recv(1 << 20)
            except socket.timeout:
                out.append(b"<no reply>")
                break
            if not chunk:
                out.append(b"<closed>")
                break
            buf += chunk
        self.conns[index][1] = buf
        return out

    def silence(self, index):
        """Whatever arrives on `index` within a short window (should be nothing)."""
        sock, buf = self.conns[index]
        sock.settimeout(QUIET)
        try:
            buf += sock.recv(1 << 20)
        except (socket.timeout, BlockingIOError):
            pass
        self.conns[index][1] = b""
        return buf

    def counter(self, index, key):
        """The value of `key` in `stats`, asked on connection `index`."""
        self.send(index, b"stats\r\n")
        for line in self.replies(index, 1)[0].split(b"\n"):
            if line.startswith(key.encode() + b": "):
                return int(line.split(b": ")[1])
        return -1

    def await_change(self, index, key, before):
        """Polls `stats` on `index` until `key` is no longer `before`; whether it changed in time."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if self.counter(index, key) != before:
                return True
        return False

    def normal(self, reply):
        """The reply with ids replaced by ordinals and volatile stats dropped."""
        head, _, body = reply.partition(CRLF)
        words = head.split(b" ")
        if words[0] in (b"INSERTED", b"RESERVED", b"FOUND", b"BURIED") and len(words) >= 2 and words[1].isdigit():
            words[1] = b"#%d" % self.ids.setdefault(int(words[1]), len(self.ids) + 1)
        if words[0] == b"OK" and body.startswith(b"---"):
            lines = []
            for line in body.split(b"\n"):
                key, sep, value = line.partition(b": ")
                name = key.decode(errors="replace")
                if sep and (name in VOLATILE or name in SERVER_SPECIFIC):
                    continue
                if sep and name == "id" and value.strip().isdigit():
                    value = b"#%d" % self.ids.setdefault(int(value), len(self.ids) + 1)
                lines.append(key + sep + value)
            return b" ".join(words[:1]) + b" <yaml>\n" + b"\n".join(lines)
        return b" ".join(words) + (CRLF + body if body else b"")


def split_reply(buf):
    end = buf.find(CRLF)
    if end < 0:
        return None, buf
    head = buf[:end]
    words = head.split(b" ")
    size = None
    if words[0] in (b"RESERVED", b"FOUND") and len(words) == 3:
        size = int(words[2])
    elif words[0] == b"OK" and len(words) == 2:
        size = int(words[1])
    if size is None:
        return head, buf[end + 2:]
    total = end + 2 + size + 2
    if len(buf) < total:
        return None, buf
    return buf[:total], buf[total:]


def ids_of(rng, known):
    return rng.choice(known) if known and rng.random() < 0.9 else rng.choice([0, 1, 999999, 2**64 - 1])


def step(rng, known, open_conns, next_conn):
    """One random step: (kind, connection, bytes, replies expected)."""
    roll = rng.random()
    conn = rng.choice(open_conns)
    if roll < 0.03 and len(open_conns) > 1:
        return ("close", conn, b"", 0)
    if roll < 0.06 and len(open_conns) < 6:
        return ("open", next_conn, b"", 0)
    if roll < 0.10:
        return ("line", conn, rng.choice(BAD_LINES) + CRLF, 1)
    if roll < 0.13:
        size = rng.choice([65536, 70000])
        return ("line", conn, b"put 0 0 60 %d\r\n" % size + b"q" * size + CRLF, 1)
    if roll < 0.15:
        return ("line", conn, b"put 0 0 60 3\r\nabcde", 1)
    if roll < 0.20:
        body = bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 5, 100])))
        head = b"put %d 0 60 %d\r\n" % (rng.choice([0, 1, 100, 4294967295]), len(body))
        return ("split-put", conn, (head, body + CRLF), 1)
    tube = rng.choice(TUBES).encode()
    job = ids_of(rng, known)
    commands = [
        # TTRs and delays far longer than a run: nothing depends on timing.
        b"put %d %d %d 4\r\njob!" % (rng.choice([0, 5, 5, 1024]), rng.choice([0, 0, 0, 1000]), rng.choice([60, 120])),
        b"reserve-with-timeout 0", b"delete %d" % job, b"release %d %d 0" % (job, rng.choice([1, 5])),
        b"bury %d 7" % job, b"kick %d" % rng.choice([0, 1, 3]), b"kick-job %d" % job, b"touch %d" % job,
        b"peek %d" % job, b"peek-ready", b"peek-delayed", b"peek-buried", b"stats-job %d" % job,
        b"stats-tube " + tube, b"stats", b"use " + tube, b"watch " + tube, b"ignore " + tube, b"list-tubes",
        b"list-tube-used", b"list-tubes-watched", b"pause-tube " + tube + b" 0", b"reserve-job %d" % job,
    ]
    return ("line", conn, rng.choice(commands) + CRLF, 1)


def run(a, b, seed, steps, watch=False):
    rng = random.Random(seed)
    servers = [Server(a), Server(b)]
    for server in servers:
        server.connect(0)
        if watch:
            server.connect(-1)
    open_conns, next_conn, known, log = [0], 1, [], []
    for number in range(steps):
        kind, conn, data, expected = step(rng, known, open_conns, next_conn)
        log.append((kind, conn, data))
        results = []
        for server in servers:
            if kind == "open":
                # Open once the server has accepted it: its connection count rose.
                before = server.counter(open_conns[0], "current-connections")
                server.connect(conn)
                server.await_change(open_conns[0], "current-connections", before)
                results.append([])
            elif kind == "close":
                # Closed once the server has seen it: its connection count fell.
                other = next(c for c in open_conns if c != conn)
                before = server.counter(other, "current-connections")
                server.close(conn)
                server.await_change(other, "current-connections", before)
                results.append([])
            elif kind == "split-put":
                # The head, then (once the server has taken it: its cmd-put
                # moved) a whole put on another connection, then the body.
                head, body = data
                other = next((c for c in open_conns if c != conn), None)
                extra = []
                if other is not None:
                    before = server.counter(other, "cmd-put")
                    server.send(conn, head)
                    moved = server.await_change(other, "cmd-put", before)
                    extra.append(b"cmd-put moved" if moved else b"cmd-put stayed")
                    server.send(other, b"put 5 0 60 4\r\nmid!\r\n")
                    extra += [server.normal(r) for r in server.replies(other, 1)]
                else:
                    server.send(conn, head)
                server.send(conn, body)
                results.append(extra + [server.normal(r) for r in server.replies(conn, 1)])
            else:
                server.send(conn, data)
                results.append([server.normal(r) for r in server.replies(conn, expected)])
        if kind == "open":
            open_conns.append(conn)
            next_conn += 1
        elif kind == "close":
            open_conns.remove(conn)
        if watch and not results[0] != results[1]:
            results = [[server.normal(r) for r in (server.send(-1, b"stats\r\n"), server.replies(-1, 1))[1]]
                       for server in servers]
        if results[0] != results[1]:
            print(f"seed {seed}: difference at step {number}: {kind} on connection {conn}")
            print(f"  A: {results[0]!r}\n  B: {results[1]!r}")
            print("reproducer (kind, connection, bytes) steps:")
            for entry in log:
                print(f"  {entry!r},")
            return False
        for reply in results[0]:
            words = reply.split(b" ")
            if words[0] in (b"INSERTED", b"RESERVED", b"FOUND") and words[1].startswith(b"#"):
                ordinal = int(words[1][1:])
                real = next(i for i, o in servers[0].ids.items() if o == ordinal)
                if real not in known:
                    known.append(real)
    for server in servers:
        for sock, _ in server.conns.values():
            sock.close()
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--a", required=True, help="the reference server (beanstalkd), tcp:HOST:PORT or unix:PATH")
    parser.add_argument("--b", required=True, help="the server under test (spoold)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--watch", action="store_true",
                        help="compare global stats after every step too, to find the step where the servers part")
    args = parser.parse_args()
    if not run(args.a, args.b, args.seed, args.steps, args.watch):
        sys.exit(1)
    print(f"seed {args.seed}: {args.steps} steps, no difference")


if __name__ == "__main__":
    main()
