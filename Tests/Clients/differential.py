#!/usr/bin/env python3
"""Differential protocol test: compare a server under test with beanstalkd.

Runs scripted conversations against two servers, A (the reference, normally
Debian's beanstalkd 1.12) and B (the server under test), and compares their
replies byte for byte after normalisation:

* job ids become ordinals in order of first appearance (#1, #2, ...), counted
  separately for each server and each conversation;
* the YAML body of an OK reply is parsed: job and tube stats are compared
  without their timing-dependent keys, global `stats` only on its key set
  (B may add keys beanstalkd does not have), `list-tubes` only on the tubes
  of the current conversation; every OK body must be exactly as long as its
  header announces.

Every conversation uses fresh connections and its own tubes (the same names
on both servers). Both servers must run with the default max-job-size, 65535.

    differential.py --a tcp:127.0.0.1:11300 --b unix:/run/spool.sock
    differential.py --a ... --b ... --only put-reserve-delete -v
    differential.py --list
"""

import argparse
import hashlib
import select
import socket
import sys
import uuid

CRLF = b"\r\n"
READ_TIMEOUT = 5.0
SILENCE_WINDOW = 0.3
LEFTOVER_WINDOW = 0.05
MAX_JOB_SIZE = 65535
MISSING_ID = 18446744073709551615
U32_OVERFLOW = 2**32
U64_OVERFLOW = 2**64
BODY_REPLIES = {b"RESERVED": 3, b"FOUND": 3, b"OK": 2}
VOLATILE_KEYS = frozenset({"age", "time-left", "pause-time-left"})
GLOBAL_STATS_KEYS = frozenset("""
    current-jobs-urgent current-jobs-ready current-jobs-reserved
    current-jobs-delayed current-jobs-buried cmd-put cmd-peek cmd-peek-ready
    cmd-peek-delayed cmd-peek-buried cmd-reserve cmd-reserve-with-timeout
    cmd-delete cmd-release cmd-use cmd-watch cmd-ignore cmd-bury cmd-kick
    cmd-touch cmd-stats cmd-stats-job cmd-stats-tube cmd-list-tubes
    cmd-list-tube-used cmd-list-tubes-watched cmd-pause-tube job-timeouts
    total-jobs max-job-size current-tubes current-connections
    current-producers current-workers current-waiting total-connections pid
    version rusage-utime rusage-stime uptime binlog-oldest-index
    binlog-current-index binlog-records-migrated binlog-records-written
    binlog-max-size draining id hostname os platform
""".split())
NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-+/;.$_()"


class Abort(Exception):
    """A conversation cannot go on because a reply was not what it needs."""


def parse_address(text):
    """Turn `tcp:HOST:PORT` or `unix:/path` into a (family, sockaddr) pair."""
    kind, _, rest = text.partition(":")
    if kind == "unix" and rest:
        return socket.AF_UNIX, rest
    if kind == "tcp":
        host, _, port = rest.rpartition(":")
        if host and port.isdigit():
            return socket.AF_INET6 if ":" in host else socket.AF_INET, (host.strip("[]"), int(port))
    raise argparse.ArgumentTypeError(f"expected tcp:HOST:PORT or unix:/path, got {text!r}")


def describe_bytes(data, limit=72):
    """Show bytes readably; long data is summarised by length and digest."""
    if len(data) <= limit:
        return repr(data)
    return f"<{len(data)} bytes {data[:24]!r}... sha1={hashlib.sha1(data).hexdigest()[:12]}>"


def parse_yaml(payload):
    """Parse beanstalkd's YAML subset: a flat list or a flat string dict."""
    text = payload.decode("latin-1")
    if not text.startswith("---\n") or not text.endswith("\n"):
        raise ValueError("not a YAML document")
    lines = text[4:-1].split("\n") if text != "---\n" else []
    if all(line.startswith("- ") for line in lines):
        return [line[2:] for line in lines]
    result = {}
    for line in lines:
        key, sep, value = line.partition(": ")
        if not sep:
            raise ValueError(f"bad YAML line {line!r}")
        result[key] = value
    return result


class Reply:
    """One reply: the status line plus, for RESERVED/FOUND/OK, the body and its CRLF.

    A reply that never came is represented by `event` instead (a timeout,
    the connection closing, or a header that makes the stream unreadable).
    """

    def __init__(self, line=b"", body=None, event=None):
        self.line = line
        self.body = body
        self.event = event

    def words(self):
        """The status line without its CRLF, split on spaces."""
        return self.line[:-2].split(b" ")


class Conn:
    """One client connection inside a conversation; every exchange is recorded."""

    def __init__(self, session, label):
        self.session = session
        self.label = label
        self.sock = socket.socket(session.family, socket.SOCK_STREAM)
        self.sock.settimeout(READ_TIMEOUT)
        self.sock.connect(session.sockaddr)
        if session.family != socket.AF_UNIX:
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.alive = True

    def fill(self):
        """Append whatever the server sends next to the buffer."""
        data = self.sock.recv(65536)
        if not data:
            raise EOFError
        self.buf += data

    def _take(self, size):
        """Remove and return exactly `size` bytes from the stream."""
        while len(self.buf) < size:
            self.fill()
        data, self.buf = self.buf[:size], self.buf[size:]
        return data

    def _take_line(self):
        """Remove and return one CRLF-terminated line from the stream."""
        while CRLF not in self.buf:
            self.fill()
        end = self.buf.index(CRLF) + 2
        return self._take(end)

    def read_reply(self, timeout=READ_TIMEOUT):
        """Read one reply, knowing which replies carry a body; wait at most `timeout` seconds."""
        if not self.alive:
            return Reply(event="<connection already gone>")
        self.sock.settimeout(timeout)
        try:
            line = self._take_line()
            reply = Reply(line)
            words = reply.words()
            if words[0] in BODY_REPLIES:
                if len(words) != BODY_REPLIES[words[0]] or not words[-1].isdigit():
                    self.alive = False
                    return Reply(line, event=f"<malformed header {line!r}>")
                reply.body = self._take(int(words[-1]) + 2)
            return reply
        except socket.timeout:
            self.alive = False
            return Reply(event=f"<no reply within {timeout:g}s; partial {self.buf!r}>")
        except (EOFError, ConnectionError):
            self.alive = False
            return Reply(event="<connection closed>" + (f" after {self.buf!r}" if self.buf else ""))

    def send(self, data, replies=1, bytewise=False, timeout=READ_TIMEOUT):
        """Send raw bytes, read `replies` replies (each within `timeout`
        seconds), record both and return the replies."""
        if not self.alive:
            self.session.record(self.label, data, ["<connection already gone>"])
            return []
        try:
            if bytewise:
                for i in range(len(data)):
                    self.sock.sendall(data[i:i + 1])
            elif data:
                self.sock.sendall(data)
        except OSError as exc:
            self.alive = False
            self.session.record(self.label, data, [f"<send failed: {exc.__class__.__name__}>"])
            return []
        got = [self.read_reply(timeout) for _ in range(replies)]
        self.session.record(self.label, data, [self.session.normalize(r, data) for r in got])
        return got

    def call(self, line, replies=1, timeout=READ_TIMEOUT):
        """Send one command line (CRLF added) and return its first reply."""
        if isinstance(line, str):
            line = line.encode("latin-1")
        got = self.send(line + CRLF, replies, timeout=timeout)
        return got[0] if got else Reply(event="<send failed>")

    def put(self, body=b"job", pri=0, delay=0, ttr=60):
        """Put a job into the used tube and return its real id."""
        if isinstance(body, str):
            body = body.encode("latin-1")
        got = self.send(b"put %d %d %d %d\r\n%s\r\n" % (pri, delay, ttr, len(body), body))
        return self.expect_id(got[0] if got else Reply(event="<send failed>"), b"INSERTED")

    def reserve(self, timeout=0):
        """Reserve with a timeout and return the real id of the reserved job."""
        return self.expect_id(self.call(b"reserve-with-timeout %d" % timeout), b"RESERVED")

    def expect_id(self, reply, status):
        """Return the job id of a reply with the given status, or abort the conversation."""
        words = reply.words() if reply.event is None else []
        if len(words) >= 2 and words[0] == status and words[1].isdigit():
            return int(words[1])
        raise Abort(f"{self.label} expected {status.decode()}, got {reply.event or reply.line!r}")

    def expect_silence(self, window=SILENCE_WINDOW):
        """Record whatever arrives within `window` seconds (normally nothing)."""
        if not self.alive:
            self.session.record(self.label, b"", ["<connection already gone>"])
            return
        self.sock.settimeout(window)
        try:
            self.fill()
            seen = f"<unexpected bytes {self.buf!r}>"
            self.buf = b""
        except socket.timeout:
            seen = "<silence>"
        except (EOFError, ConnectionError):
            self.alive = False
            seen = "<connection closed>"
        finally:
            self.sock.settimeout(READ_TIMEOUT)
        self.session.record(self.label, b"", [seen])

    def half_close(self):
        """Shut down the sending side of the connection."""
        self.sock.shutdown(socket.SHUT_WR)
        self.session.record(self.label, b"<shutdown SHUT_WR>", [])

    def close(self):
        """Close the connection from the client side."""
        self.sock.close()
        if self.alive:
            self.session.record(self.label, b"<close>", [])
        self.alive = False


class Session:
    """One conversation against one server: its connections, transcript and id map."""

    def __init__(self, address, prefix):
        self.family, self.sockaddr = address
        self.prefix = prefix
        self.steps = []
        self.ids = {}
        self.conns = []

    def connect(self):
        """Open a new recorded connection labelled c1, c2, ..."""
        conn = Conn(self, f"c{len(self.conns) + 1}")
        self.conns.append(conn)
        return conn

    def tube(self, suffix="a"):
        """The name of one of this conversation's tubes."""
        return f"{self.prefix}-{suffix}"

    def tube_of_length(self, length):
        """A name of exactly `length` characters that belongs to this conversation."""
        return (self.prefix + "-" + "n" * length)[:length]

    def worker(self, suffix="a"):
        """Connect, use and watch a tube of this conversation and ignore `default`."""
        conn = self.connect()
        name = self.tube(suffix)
        conn.call(f"use {name}")
        conn.call(f"watch {name}")
        conn.call("ignore default")
        return conn

    def record(self, label, sent, got):
        """Append one exchange to the transcript."""
        self.steps.append((label, sent, got))

    def job_label(self, raw):
        """Map a job id, as sent by the server, to its ordinal in this conversation."""
        return self.ids.setdefault(raw, f"#{len(self.ids) + 1}")

    def normalize(self, reply, sent):
        """The comparable text of a reply (see the module docstring)."""
        if reply.event:
            return reply.event
        words = reply.words()
        if words[0] in (b"INSERTED", b"BURIED", b"RESERVED", b"FOUND") and len(words) > 1 and words[1].isdigit():
            words[1] = self.job_label(words[1]).encode()
        if words[0] == b"OK":
            words = words[:1]
        text = b" ".join(words).decode("latin-1")
        if reply.body is None:
            return text
        if not reply.body.endswith(CRLF):
            return f"{text} <body length does not match header: {describe_bytes(reply.body)}>"
        payload = reply.body[:-2]
        if words[0] == b"OK":
            return f"{text} {self.normalize_yaml(payload, sent == b'list-tubes' + CRLF)}"
        return f"{text} {describe_bytes(payload)}"

    def normalize_yaml(self, payload, all_tubes):
        """The comparable text of a YAML body."""
        try:
            value = parse_yaml(payload)
        except ValueError as exc:
            return f"<unparsable YAML ({exc}): {describe_bytes(payload)}>"
        if isinstance(value, list):
            if all_tubes:
                return "tubes " + repr(sorted(t for t in value if t == "default" or t.startswith(self.prefix)))
            return "list " + repr(value)
        if "pid" in value and "uptime" in value:
            return "stats keys " + " ".join(sorted(GLOBAL_STATS_KEYS & set(value)))
        if "state" in value and value.get("id", "").isdigit():
            value["id"] = self.job_label(value["id"].encode())
        return "dict " + ", ".join(f"{k}={v}" for k, v in sorted(value.items()) if k not in VOLATILE_KEYS)

    def finish(self):
        """Record bytes nobody asked for, then close every connection."""
        live = [c for c in self.conns if c.alive]
        readable = select.select([c.sock for c in live], [], [], LEFTOVER_WINDOW)[0] if live else []
        for conn in live:
            if conn.sock in readable:
                try:
                    conn.fill()
                except (EOFError, OSError):
                    self.record(conn.label, b"", ["<connection closed by the server>"])
            if conn.buf:
                self.record(conn.label, b"", [f"<unexpected bytes {describe_bytes(conn.buf)}>"])
        for conn in self.conns:
            conn.sock.close()


CONVERSATIONS = {}


def conversation(fn):
    """Register a scripted conversation under its function name, with hyphens."""
    CONVERSATIONS[fn.__name__.replace("_", "-")] = fn
    return fn


def fixture(s):
    """A worker on tube `a` owning one job in each state; returns the job ids.

    r is reserved by this connection, b buried, d delayed (1000 s), j ready.
    """
    c = s.worker()
    ids = {}
    ids["r"] = c.put("reserved", pri=100)
    c.reserve()
    ids["b"] = c.put("buried", pri=100)
    c.reserve()
    c.call(b"bury %d 100" % ids["b"])
    ids["d"] = c.put("delayed", pri=100, delay=1000)
    ids["j"] = c.put("ready", pri=100)
    return c, ids


# Table of malformed and edge-case command lines, each run on a fresh fixture.
# A step is a line (CRLF appended, one reply expected) or a pair
# (raw text sent as is, number of replies). Placeholders: {a} the fixture's
# tube, {r} {b} {d} {j} the fixture's jobs, {missing} an id that does not
# exist, {u32} 2**32, {u64} 2**64, {t200}/{t201} tube names of that length,
# {names} a name using every allowed character. Each conversation finally
# checks that the connection still works with `list-tube-used`.
LINE_CASES = {
    "put-args": [
        ("put 0 0 60 3\r\nabc\r\n", 1),
        ("put  1  0  60  3\r\nabc\r\n", 1),
        ("put 4294967295 0 60 3\r\nabc\r\n", 1),
        ("put 0 0 60 0\r\n\r\n", 1),
        ("put 0 0 0 3\r\nabc\r\n", 1),
        ("put 0 0 60\r\n", 1),
        ("put 0 0\r\n", 1),
        ("put\r\n", 1),
        ("put \r\n", 1),
        ("put 0 0 60 3 4\r\nabc\r\n", 2),
        ("put 0 0 60 3 \r\nabc\r\n", 2),
        ("put 0 0 60 3 x\r\nabc\r\n", 2),
        ("put 0 0 60 3x\r\nabc\r\n", 2),
        ("put x 0 60 3\r\nabc\r\n", 2),
        ("put 0 0 60 x\r\nabc\r\n", 2),
        ("put 0 0 60 +3\r\nabc\r\n", 2),
        ("put 0x1 0 60 3\r\nabc\r\n", 2),
    ],
    "put-number-limits": [
        ("put {u32} 0 60 3\r\nabc\r\n", 2),
        ("put 0 {u32} 60 3\r\nabc\r\n", 2),
        ("put 0 0 {u32} 3\r\nabc\r\n", 2),
        ("put 0 0 60 {u32}\r\nabc\r\n", 2),
        ("put 0 0 60 99999999999999999999\r\nabc\r\n", 2),
        ("put -1 0 60 3\r\nabc\r\n", 2),
        ("put 0 -1 60 3\r\nabc\r\n", 2),
        ("put 0 0 -1 3\r\nabc\r\n", 2),
        ("put 0 0 60 -3\r\nabc\r\n", 2),
        ("put 0 4294967295 4294967295 3\r\nabc\r\n", 1),
    ],
    "use-names": [
        "use {a}", "use {names}", "use {t200}", "use {t201}", "use -{a}", "use",
        "use ", "use  {a}", "use {a} ", "use {a} x", "use {a}!", "use {a}*",
        "use {a}#", "use {a}:x", "use {a},x", "use {a}\tx", "use {a}\xff",
        "use {a}\x00x", "use {a}{{", "usex {a}", "USE {a}",
    ],
    "watch-names": [
        "watch {names}", "watch {t200}", "watch {t201}", "watch -{a}", "watch",
        "watch ", "watch  {a}", "watch {a} ", "watch {a}!", "watch {a}\x00x",
        "watch {a}", "list-tubes-watched",
    ],
    "ignore-names": [
        "watch {names}", "ignore {t201}", "ignore -{a}", "ignore", "ignore ",
        "ignore {a} ", "ignore  {a}", "ignore {a}!", "ignore {names}",
        "ignore {t200}", "list-tubes-watched",
    ],
    "stats-tube-names": [
        "stats-tube {a}", "stats-tube {t200}", "stats-tube {t201}", "stats-tube -{a}",
        "stats-tube", "stats-tube ", "stats-tube {a} ", "stats-tube  {a}",
        "stats-tube {a}!", "stats-tubeX", "stats-tubes {a}",
    ],
    "pause-tube-args": [
        "pause-tube {a} 0", "pause-tube {a}", "pause-tube {a} ", "pause-tube",
        "pause-tube ", "pause-tube {a} x", "pause-tube {a} -1", "pause-tube {a} {u32}",
        "pause-tube {a} 0 0", "pause-tube {a} 0 ", "pause-tube  {a} 0",
        "pause-tube {a}  0", "pause-tube -{a} 0", "pause-tube {t201} 0",
        "pause-tube {a}! 0", "pause-tube {a}-none 0", "pause-tube {a} 4294967295",
        "pause-tube {a} 0",
    ],
    "delete-args": [
        "delete", "delete ", "delete x", "delete -1", "delete +{j}", "delete {u64}",
        "delete {missing}", "delete 0", "delete {j}x", "delete {j} ", "delete {j} 1",
        "delete  {j}", "delete {j}",
    ],
    "release-args": [
        "release {r}", "release {r} 0", "release {r} 0 0 0", "release {r} 0 0 ",
        "release {r} {u32} 0", "release {r} 0 {u32}", "release {r} -1 0",
        "release {r} 0 -1", "release {r} x 0", "release {u64} 0 0",
        "release {missing} 0 0", "release {j} 0 0", "release {b} 0 0",
        "release {d} 0 0", "release  {r}  7  0", "release {r} 0 0",
    ],
    "bury-args": [
        "bury {r}", "bury {r} ", "bury {r} 0 0", "bury {r} {u32}", "bury {r} -1",
        "bury {r} x", "bury {u64} 0", "bury {missing} 0", "bury {j} 0",
        "bury {b} 0", "bury {d} 0", "bury  {r}  4294967295", "bury {r} 0",
    ],
    "touch-args": [
        "touch", "touch ", "touch x", "touch -1", "touch {u64}", "touch {missing}",
        "touch {j}", "touch {b}", "touch {d}", "touch {r} ", "touch {r} 1",
        "touch  {r}", "touch {r}",
    ],
    "peek-args": [
        "peek", "peek ", "peekx", "peek x", "peek -1", "peek 0", "peek {u64}",
        "peek {missing}", "peek {r}", "peek {b}", "peek {d}", "peek {j}",
        "peek {j} ", "peek  {j}", "peek-ready x", "peek-ready ", "peek-readyx",
        "peek-delayed ", "peek-delayedx", "peek-buried x", "peek-buried ",
        "peek-ready", "peek-delayed", "peek-buried",
    ],
    "kick-args": [
        "kick", "kick ", "kick x", "kick {u64}", "kick 0", "kick  0", "kick 0 ",
        "kick 0x", "kick {u32}", "kick 1x", "kick 1", "kick 1", "kick 1",
    ],
    "kick-negative": ["kick -1", "peek-buried", "peek-delayed"],
    "kick-job-args": [
        "kick-job", "kick-job ", "kick-job x", "kick-job -1", "kick-job {u64}",
        "kick-job {missing}", "kick-job {j}", "kick-job {r}", "kick-job {b} ",
        "kick-job  {b}", "kick-job {d}", "kick-job {d}", "kick-jobx {b}",
    ],
    "stats-job-args": [
        "stats-job", "stats-job ", "stats-job x", "stats-job -1", "stats-job {u64}",
        "stats-job {missing}", "stats-job {r}", "stats-job {b}", "stats-job {d}",
        "stats-job {j}", "stats-job {j} ", "stats-job  {j}", "stats-jobx {j}",
    ],
    "reserve-job-args": [
        "reserve-job", "reserve-job ", "reserve-job x", "reserve-job -1",
        "reserve-job {u64}", "reserve-job {missing}", "reserve-job {r}",
        "reserve-job {j} ", "reserve-job {j}", "reserve-job {b}", "reserve-job {d}",
        "stats-job {d}",
    ],
    "reserve-args": [
        "reserve ", "reservex", "reserve x", "reserve-with-timeout",
        "reserve-with-timeout ", "reserve-with-timeoutx 0", "reserve-with-timeout 99999999999999999999",
        "reserve-with-timeout x", "release {j} 100 0",
        "reserve-with-timeout -1", "release {j} 100 0",
        "reserve-with-timeout -0", "release {j} 100 0",
        "reserve-with-timeout  0", "release {j} 100 0",
        "reserve-with-timeout 0 ", "release {j} 100 0",
        "reserve-with-timeout 0x", "release {j} 100 0",
        "reserve-with-timeout +0", "release {j} 100 0",
        "reserve-with-timeout {u32}", "release {j} 100 0",
        "reserve-with-timeout 2147483648", "release {j} 100 0",
        "reserve-with-timeout 0", "reserve-with-timeout x", "reserve-with-timeout {u32}",
    ],
    "no-arg-commands": [
        "stats x", "stats ", "list-tubes x", "list-tubes ", "list-tubesx",
        "list-tube-used x", "list-tube-used ", "list-tube-usedx",
        "list-tubes-watched x", "list-tubes-watched ", "list-tubes-watchedx",
        "list-tube", "list", "list-tubes-watched", "stats",
    ],
    "unknown-commands": [
        "", " ", "  ", "\t", "foo", "PUT 0 0 60 3", "Stats", "STATS", "pu", "peeks",
        "delete", "release", "bury", "touch", "kick", "kick-job", "stats-job",
        "stats-tube", "use", "watch", "ignore", "pause-tube", "reserve-job",
        " list-tube-used", "\x00", "\xff",
    ],
    "nul-bytes": [
        "use {a}\x00", "\x00list-tube-used", "list-tube-used\x00", "stats-job {j}\x00",
        "peek\x00 {j}",
    ],
    "line-lengths": [
        "x" * 222,
        ("put " + " " * 210 + "0 0 60 3\r\nabc\r\n", 1),
        ("x" * 224 + "\r\n", 1),
        ("x" * 298 + "\r\nlist-tube-used\r\n", 2),
        ("use " + "a" * 250 + "\r\n", 1),
        ("x" * 1000 + "\r\n", 1),
        ("x" * 223 + "\r\nlist-tube-used\r\n", 1),
        ("list-tube-used\nlist-tube-used\r\n", 1),
    ],
    "quit-variants": ["list-tube-used", "quit x"],
    "quit-prefix": ["quitx"],
}


def line_case(steps):
    """Build a conversation that runs `steps` (see LINE_CASES) on a fresh fixture."""
    def run(s):
        c, ids = fixture(s)
        values = {
            "a": s.tube(), "missing": MISSING_ID, "u32": U32_OVERFLOW, "u64": U64_OVERFLOW,
            "t200": s.tube_of_length(200), "t201": s.tube_of_length(201),
            "names": s.tube(NAME_CHARS), **ids,
        }
        for step in steps:
            text, replies = (step + "\r\n", 1) if isinstance(step, str) else step
            c.send(text.format(**values).encode("latin-1"), replies)
        c.call("list-tube-used")
    return run


for _name, _steps in LINE_CASES.items():
    CONVERSATIONS["line-" + _name] = line_case(_steps)


@conversation
def put_reserve_delete(s):
    c = s.worker()
    job = c.put("hello", pri=5, ttr=30)
    c.call("peek-ready")
    c.call("reserve")
    c.call(b"stats-job %d" % job)
    c.call(b"delete %d" % job)
    c.call(b"delete %d" % job)
    c.call(b"peek %d" % job)
    c.call(b"stats-job %d" % job)
    c.call("reserve-with-timeout 0")


@conversation
def priorities_and_fifo(s):
    c = s.worker()
    for pri, body in [(10, "a"), (5, "b"), (10, "c"), (5, "d"), (0, "e"), (4294967295, "f"), (1024, "g")]:
        c.put(body, pri=pri)
    c.call(f"stats-tube {s.tube()}")
    for _ in range(7):
        c.call("peek-ready")
        c.call("reserve-with-timeout 0")
    c.call("reserve-with-timeout 0")


@conversation
def reserve_across_tubes(s):
    c = s.worker("a")
    c.call(f"watch {s.tube('b')}")
    c.call(f"use {s.tube('b')}")
    c.put("b1", pri=5)
    c.call(f"use {s.tube('a')}")
    c.put("a1", pri=5)
    c.put("a0", pri=1)
    c.call(f"use {s.tube('c')}")
    c.put("c0", pri=0)
    for _ in range(3):
        c.call("reserve-with-timeout 0")
    c.call("reserve-with-timeout 0")


@conversation
def reserve_timeouts(s):
    c = s.worker()
    c.call("reserve-with-timeout 0")
    c.call("reserve-with-timeout 1")
    c.put("x")
    c.call("reserve-with-timeout 0")
    c.put("y")
    c.call("reserve-with-timeout 1")
    c.put("z")
    c.call("reserve")


@conversation
def reserve_waits_for_put(s):
    waiter = s.worker()
    waiter.send(b"reserve\r\n", replies=0)
    producer = s.connect()
    producer.call(f"use {s.tube()}")
    producer.put("wake up")
    waiter.send(b"", replies=1)


@conversation
def reserve_negative_timeout_waits(s):
    """beanstalkd reads the timeout with strtol: -1 means wait forever."""
    waiter = s.worker()
    waiter.send(b"reserve-with-timeout -1\r\n", replies=0)
    producer = s.connect()
    producer.call(f"use {s.tube()}")
    producer.put("wake up")
    waiter.send(b"", replies=1)


@conversation
def reserve_half_closed(s):
    """A waiting reserve on a half-closed connection ends with TIMED_OUT."""
    c = s.worker()
    c.send(b"reserve-with-timeout 3\r\n", replies=0)
    c.half_close()
    c.send(b"", replies=1)


@conversation
def delay_and_peek_delayed(s):
    c = s.worker()
    c.put("later", delay=1)
    c.put("much later", delay=100)
    c.put("latest", delay=200)
    c.call("peek-delayed")
    c.call("peek-ready")
    c.call("reserve-with-timeout 0")
    c.call(f"stats-tube {s.tube()}")
    c.call("reserve-with-timeout 4")
    c.call("peek-delayed")


@conversation
def peek_delayed_order(s):
    c = s.worker()
    c.put("d300", delay=300)
    c.put("d100", delay=100)
    c.put("d200", delay=200)
    c.put("d100b", delay=100)
    c.call("peek-delayed")
    c.call("kick 1")
    c.call("peek-delayed")
    c.call("kick 1")
    c.call("peek-delayed")
    c.call("kick 1")
    c.call("peek-delayed")
    c.call("peek-ready")


@conversation
def release_and_release_delay(s):
    c = s.worker()
    job = c.put("again", pri=50)
    c.reserve()
    c.call(b"release %d 7 0" % job)
    c.call(b"stats-job %d" % job)
    c.call(b"release %d 7 0" % job)
    c.reserve()
    c.call(b"release %d 8 1" % job)
    c.call(b"stats-job %d" % job)
    c.call("peek-delayed")
    c.call("reserve-with-timeout 0")
    c.call("reserve-with-timeout 4")
    c.call(b"stats-job %d" % job)
    c.call(b"delete %d" % job)


@conversation
def bury_and_kick(s):
    c = s.worker()
    jobs = [c.put(f"job{i}", pri=10) for i in range(3)]
    for i, job in enumerate(jobs):
        c.reserve()
        c.call(b"bury %d %d" % (job, 20 + i))
    c.call("peek-buried")
    c.call(f"stats-tube {s.tube()}")
    c.call(b"stats-job %d" % jobs[0])
    c.call("kick 2")
    c.call("peek-buried")
    c.call(b"stats-job %d" % jobs[0])
    c.call("kick 10")
    c.call("kick 10")
    c.call("peek-buried")
    c.put("delayed1", delay=100)
    c.put("delayed2", delay=100)
    c.reserve()
    c.call(b"bury %d 0" % jobs[0])
    c.call("kick 5")
    c.call("kick 1")
    c.call("kick 5")
    c.call("kick 5")
    c.call(f"stats-tube {s.tube()}")


@conversation
def kick_only_used_tube(s):
    c = s.worker("a")
    c.put("mine", delay=100)
    c.call(f"use {s.tube('b')}")
    c.put("other", delay=100)
    c.call(f"use {s.tube('c')}")
    c.call("kick 10")
    c.call(f"use {s.tube('a')}")
    c.call("kick 10")
    c.call("peek-delayed")


@conversation
def kick_job_states(s):
    c = s.worker()
    ready = c.put("ready")
    delayed = c.put("delayed", delay=100)
    buried = c.put("buried")
    reserved = c.put("reserved")
    c.call(b"reserve-job %d" % buried)
    c.call(b"bury %d 3" % buried)
    c.call(b"reserve-job %d" % reserved)
    c.call(b"kick-job %d" % ready)
    c.call(b"kick-job %d" % reserved)
    c.call(b"kick-job %d" % delayed)
    c.call(b"kick-job %d" % buried)
    c.call(b"kick-job %d" % buried)
    c.call(b"stats-job %d" % delayed)
    c.call(b"stats-job %d" % buried)
    c.call(f"use {s.tube('other')}")
    c.call(b"kick-job %d" % reserved)


@conversation
def peek_each_state(s):
    c, ids = fixture(s)
    for key in "rbdj":
        c.call(b"peek %d" % ids[key])
        c.call(b"stats-job %d" % ids[key])
    c.call("peek-ready")
    c.call("peek-delayed")
    c.call("peek-buried")
    c.call(f"use {s.tube('empty')}")
    c.call("peek-ready")
    c.call("peek-delayed")
    c.call("peek-buried")
    c.call(b"peek %d" % ids["j"])


@conversation
def peek_buried_fifo(s):
    c = s.worker()
    jobs = [c.put(f"b{i}", pri=100 - i) for i in range(3)]
    for job in reversed(jobs):
        c.call(b"reserve-job %d" % job)
        c.call(b"bury %d 7" % job)
    for job in jobs:
        c.call("peek-buried")
        c.call(b"kick-job %d" % job)
    c.call("peek-buried")


@conversation
def touch_jobs(s):
    c = s.worker()
    job = c.put("work", ttr=5)
    other = c.put("idle")
    c.reserve()
    c.call(b"touch %d" % job)
    c.call(b"touch %d" % other)
    c.call(b"stats-job %d" % job)
    c.call(b"delete %d" % job)
    c.call(b"touch %d" % job)


@conversation
def jobs_of_another_connection(s):
    owner = s.worker()
    job = owner.put("mine")
    owner.reserve()
    thief = s.worker()
    thief.call(b"delete %d" % job)
    thief.call(b"release %d 0 0" % job)
    thief.call(b"bury %d 0" % job)
    thief.call(b"touch %d" % job)
    thief.call(b"reserve-job %d" % job)
    thief.call(b"kick-job %d" % job)
    thief.call(b"peek %d" % job)
    thief.call("reserve-with-timeout 0")
    owner.call(b"touch %d" % job)
    owner.call(b"delete %d" % job)


def reserve_returned_job(worker):
    """Reserves, on `worker`, a job that comes back after about a second (a
    reservation released or timed out). The wide timeouts (the server's and
    the read's) only matter on a loaded machine, where a server may answer
    late: CI once saw beanstalkd take over 5 s."""
    worker.call("reserve-with-timeout 20", timeout=25)


@conversation
def release_on_disconnect(s):
    first = s.worker()
    job = first.put("orphan")
    first.reserve()
    first.close()
    second = s.worker()
    reserve_returned_job(second)
    second.call(b"stats-job %d" % job)
    second.call(f"stats-tube {s.tube()}")


@conversation
def quit_closes_connection(s):
    first = s.worker()
    job = first.put("left behind")
    first.reserve()
    first.call("quit")
    first.call("list-tube-used")
    second = s.worker()
    reserve_returned_job(second)
    second.call(b"stats-job %d" % job)


@conversation
def quit_pipelined(s):
    c = s.worker()
    c.send(b"list-tube-used\r\nquit\r\nlist-tube-used\r\n", replies=2)


@conversation
def deadline_soon_ttr1(s):
    """With ttr 1 the job is inside the 1 s safety margin at once."""
    c = s.worker()
    job = c.put("hurry", ttr=1)
    c.reserve()
    c.call("reserve-with-timeout 5")
    c.call("reserve")
    c.call(b"touch %d" % job)
    c.call(b"delete %d" % job)
    c.call("reserve-with-timeout 0")


@conversation
def deadline_soon_while_waiting(s):
    """With ttr 2 a waiting reserve gets DEADLINE_SOON after about a second."""
    c = s.worker()
    job = c.put("ttr2", ttr=2)
    c.reserve()
    c.call("reserve-with-timeout 5")
    c.call(b"release %d 0 0" % job)
    c.call("reserve-with-timeout 0")
    c.call(b"delete %d" % job)


@conversation
def deadline_soon_with_ready_job(s):
    """A ready job wins over DEADLINE_SOON."""
    c = s.worker()
    c.put("hurry", ttr=1)
    c.reserve()
    c.put("waiting")
    c.call("reserve-with-timeout 0")


@conversation
def ttr_expiry(s):
    """An expired reservation goes back to ready and is handed to a waiting worker."""
    first = s.worker()
    job = first.put("slow", ttr=1)
    first.reserve()
    second = s.worker()
    reserve_returned_job(second)
    second.call(b"stats-job %d" % job)
    first.call(b"delete %d" % job)
    first.call(b"touch %d" % job)
    second.call(b"delete %d" % job)


@conversation
def ttr_zero_becomes_one(s):
    c = s.worker()
    job = c.put("zero", ttr=0)
    c.call(b"stats-job %d" % job)


@conversation
def reserve_job_states(s):
    c, ids = fixture(s)
    c.call(b"reserve-job %d" % ids["d"])
    c.call(b"stats-job %d" % ids["d"])
    c.call(b"reserve-job %d" % ids["b"])
    c.call(b"stats-job %d" % ids["b"])
    c.call(b"reserve-job %d" % ids["j"])
    c.call(b"reserve-job %d" % ids["j"])
    c.call(f"stats-tube {s.tube()}")
    for key in "rbdj":
        c.call(b"release %d 5 0" % ids[key])
    c.call(f"stats-tube {s.tube()}")


@conversation
def pause_tube(s):
    c = s.worker()
    c.put("paused job")
    c.call(f"pause-tube {s.tube()} 1")
    c.call("reserve-with-timeout 0")
    c.call(f"stats-tube {s.tube()}")
    c.call("peek-ready")
    c.call("reserve-with-timeout 4")
    c.call(f"pause-tube {s.tube()} 100")
    c.call(f"pause-tube {s.tube()} 0")
    c.put("unpaused")
    c.call("reserve-with-timeout 0")
    c.call(f"stats-tube {s.tube()}")
    c.call(f"pause-tube {s.tube('nonexistent')} 1")


@conversation
def pause_tube_other_tubes_unaffected(s):
    c = s.worker("a")
    c.call(f"watch {s.tube('b')}")
    c.put("in a", pri=0)
    c.call(f"use {s.tube('b')}")
    c.put("in b", pri=9)
    c.call(f"pause-tube {s.tube('a')} 100")
    c.call("reserve-with-timeout 0")
    c.call("reserve-with-timeout 0")


@conversation
def tube_stats_counts(s):
    producer = s.worker()
    producer.put("urgent", pri=1023)
    producer.put("not urgent", pri=1024)
    producer.put("delayed", delay=100)
    producer.reserve()
    buried = producer.put("buried", pri=0)
    producer.reserve()
    producer.call(b"bury %d 0" % buried)
    other = s.connect()
    other.call(f"watch {s.tube()}")
    other.call(f"stats-tube {s.tube()}")
    other.call(b"delete %d" % buried)
    other.call(f"pause-tube {s.tube()} 0")
    other.call(f"stats-tube {s.tube()}")
    other.call(f"stats-tube {s.tube('missing')}")


@conversation
def job_stats_lifecycle(s):
    c = s.worker()
    job = c.put("life", pri=3, delay=100, ttr=7)
    c.call(b"stats-job %d" % job)
    c.call(b"kick-job %d" % job)
    c.call(b"stats-job %d" % job)
    c.reserve()
    c.call(b"stats-job %d" % job)
    c.call(b"release %d 4 0" % job)
    c.reserve()
    c.call(b"bury %d 5" % job)
    c.call(b"stats-job %d" % job)
    c.call("kick 1")
    c.call(b"stats-job %d" % job)


@conversation
def global_stats(s):
    c = s.worker()
    c.call("stats")
    c.put("x")
    c.call("stats")


@conversation
def list_tubes(s):
    c = s.connect()
    c.call("list-tubes")
    c.call(f"use {s.tube('a')}")
    c.call(f"watch {s.tube('b')}")
    c.call("list-tubes")
    c.call("list-tube-used")
    c.call("use default")
    c.call(f"ignore {s.tube('b')}")
    c.call("list-tubes")
    c.call("list-tube-used")


@conversation
def list_tubes_keeps_nonempty_tubes(s):
    c = s.connect()
    c.call(f"use {s.tube('kept')}")
    c.put("keeps the tube alive", delay=100)
    c.call(f"use {s.tube('dropped')}")
    c.call("use default")
    c.call("list-tubes")
    c.call(f"stats-tube {s.tube('dropped')}")


@conversation
def watch_list_order(s):
    """ignore moves the last watched tube into the freed slot."""
    c = s.connect()
    c.call("list-tubes-watched")
    for suffix in "abcd":
        c.call(f"watch {s.tube(suffix)}")
    c.call(f"watch {s.tube('b')}")
    c.call("list-tubes-watched")
    c.call(f"ignore {s.tube('a')}")
    c.call("list-tubes-watched")
    c.call("ignore default")
    c.call("list-tubes-watched")
    c.call("watch default")
    c.call(f"watch {s.tube('a')}")
    c.call("list-tubes-watched")
    c.call(f"ignore {s.tube('d')}")
    c.call(f"ignore {s.tube('d')}")
    c.call(f"ignore {s.tube('never-watched')}")
    c.call("list-tubes-watched")
    for suffix in "cba":
        c.call(f"ignore {s.tube(suffix)}")
        c.call("list-tubes-watched")
    c.call("ignore default")
    c.call("list-tubes-watched")


@conversation
def ignore_last_tube(s):
    c = s.connect()
    c.call("ignore default")
    c.call(f"watch {s.tube()}")
    c.call("ignore default")
    c.call(f"ignore {s.tube()}")
    c.call(f"ignore {s.tube('other')}")
    c.call("list-tubes-watched")


@conversation
def use_and_list_tube_used(s):
    c = s.connect()
    c.call("list-tube-used")
    c.call(f"use {s.tube()}")
    c.call("list-tube-used")
    c.call(f"use {s.tube()}")
    c.call(f"stats-tube {s.tube()}")
    c.call("use default")
    c.call("list-tube-used")
    c.call(f"stats-tube {s.tube()}")


@conversation
def bodies(s):
    c = s.worker()
    binary = bytes(range(256)) + b"\r\n\r\nput 0 0 1 1\r\nx\r\n\x00"
    for body in [b"", b"x", b"\r\n", binary, bytes(range(256)) * 240, b"y" * MAX_JOB_SIZE]:
        job = c.put(body)
        c.call(b"peek %d" % job)
        c.call("reserve-with-timeout 0")
        c.call(b"delete %d" % job)


@conversation
def job_too_big(s):
    """JOB_TOO_BIG skips the body (which here looks like commands) and the CRLF."""
    c = s.worker()
    junk = b"list-tube-used\r\n" * 4096
    c.send(b"put 0 0 60 %d\r\n%s\r\n" % (len(junk), junk), replies=1)
    c.call("list-tube-used")
    c.send(b"put 0 0 60 %dx\r\n%s\r\n" % (len(junk), junk), replies=1)
    c.call("list-tube-used")
    c.send(b"put 0 0 60 %d\r\n%s\r\nlist-tube-used\r\n" % (MAX_JOB_SIZE + 1, b"z" * (MAX_JOB_SIZE + 1)), replies=2)
    c.call(f"stats-tube {s.tube()}")


@conversation
def job_too_big_in_pieces(s):
    """The oversized body is skipped even when it arrives in pieces."""
    c = s.worker()
    c.send(b"put 0 0 60 100000\r\n", replies=0)
    for _ in range(10):
        c.send(b"q" * 10000, replies=0)
    c.send(b"\r\nlist-tube-used\r\n", replies=2)


@conversation
def expected_crlf(s):
    c = s.worker()
    c.send(b"put 0 0 60 4\r\nabc\r\nlist-tube-used\r\n", replies=2)
    c.send(b"put 0 0 60 2\r\nabc\r\nlist-tube-used\r\n", replies=2)
    c.send(b"put 0 0 60 3\r\nabcXYlist-tube-used\r\n", replies=2)
    c.send(b"put 0 0 60 3\r\nabc\n\rlist-tube-used\r\n", replies=2)
    c.call(f"stats-tube {s.tube()}")


@conversation
def put_body_waits_for_data(s):
    """The body may arrive in pieces; the reply comes after the CRLF."""
    c = s.worker()
    c.send(b"put 0 0 60 10\r\nhello", replies=0)
    c.expect_silence()
    c.send(b"world", replies=0)
    c.expect_silence()
    c.send(b"\r\n", replies=1)


@conversation
def partial_line_waits(s):
    """A command line may arrive in pieces, even between CR and LF."""
    c = s.worker()
    c.send(b"list-tube-used", replies=0)
    c.expect_silence()
    c.send(b"\r", replies=0)
    c.expect_silence()
    c.send(b"\n", replies=1)


@conversation
def lone_cr_in_line(s):
    """A CR not followed by LF hides the line end: nothing happens until 224 bytes."""
    c = s.worker()
    c.send(f"use {s.tube('b')}\rx\r\n".encode(), replies=0)
    c.expect_silence()
    c.send(b"y" * 250 + b"\r\nlist-tube-used\r\n", replies=2)


@conversation
def long_line_without_crlf_waits(s):
    """An overlong line is answered only once its CRLF arrives."""
    c = s.worker()
    c.send(b"x" * 300, replies=0)
    c.expect_silence()
    c.send(b"\r\nlist-tube-used\r\n", replies=2)


@conversation
def line_crlf_straddles_limit(s):
    """The CR is byte 224 and the LF byte 225: the next line is swallowed too."""
    c = s.worker()
    c.send(b"x" * 223 + b"\r", replies=0)
    c.expect_silence()
    c.send(b"\nlist-tube-used\r\n", replies=1)
    c.call("list-tube-used")


@conversation
def pipelined(s):
    """Many commands in one send; the second batch uses the id from the first."""
    c = s.connect()
    a = s.tube().encode()
    got = c.send(
        b"use %s\r\nwatch %s\r\nignore default\r\nput 5 0 60 5\r\nhello\r\nput 1 0 60 2\r\nhi\r\n"
        b"peek-ready\r\nreserve-with-timeout 0\r\nlist-tube-used\r\nlist-tubes-watched\r\n"
        b"stats-tube %s\r\nbogus\r\n" % (a, a, a),
        replies=11,
    )
    job = c.expect_id(got[6], b"RESERVED")
    c.send(
        b"touch %d\r\nrelease %d 0 0\r\nreserve-with-timeout 0\r\nbury %d 9\r\npeek-buried\r\n"
        b"kick 1\r\nstats-job %d\r\ndelete %d\r\ndelete %d\r\n" % ((job,) * 6),
        replies=9,
    )


@conversation
def byte_at_a_time(s):
    """A whole conversation sent one byte per send."""
    c = s.connect()
    a = s.tube().encode()
    c.send(
        b"use %s\r\nwatch %s\r\nignore default\r\nput 7 0 60 12\r\nhello\r\nworld\r\n"
        b"reserve-with-timeout 0\r\nlist-tubes-watched\r\nbogus\r\nstats-tube %s\r\n" % (a, a, a),
        replies=8,
        bytewise=True,
    )


def run_conversation(name, address, tag, index):
    """Run one conversation against one server and return its transcript."""
    session = Session(address, f"d{tag}{index:03d}")
    try:
        CONVERSATIONS[name](session)
    except Abort as exc:
        session.record("--", b"", [f"<aborted: {exc}>"])
    except OSError as exc:
        session.record("--", b"", [f"<aborted: {exc.__class__.__name__}: {exc}>"])
    finally:
        session.finish()
    return session.steps


def comparable(steps):
    """The part of a transcript that must be equal on both servers."""
    return [(label, got) for label, _, got in steps]


def print_transcript(side, steps, first_diff=None):
    """Print one transcript, marking the first step that differs."""
    for i, (label, sent, got) in enumerate(steps):
        mark = "!" if i == first_diff else " "
        if sent:
            print(f" {mark}{side} {label} > {describe_bytes(sent, 200)}")
        for text in got:
            print(f" {mark}{side} {label} < {text}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--a", type=parse_address, help="reference server (beanstalkd)")
    parser.add_argument("--b", type=parse_address, help="server under test")
    parser.add_argument("--only", action="append", metavar="NAME", help="run only this conversation (repeatable)")
    parser.add_argument("--list", action="store_true", help="print the conversation names and exit")
    parser.add_argument("-v", "--verbose", action="store_true", help="print transcripts of passing conversations too")
    parser.add_argument(
        "--retries", type=int, default=0, metavar="N",
        help="run a conversation that differed up to N more times, on fresh tubes of both servers; it passes "
        "only if a later run agrees, and the differing runs are printed (for a reference whose timers are "
        "late now and then: beanstalkd 1.12 once let a TTR run 20 s over)")
    args = parser.parse_args()

    if args.list:
        print("\n".join(CONVERSATIONS))
        return 0
    if not (args.a and args.b):
        parser.error("--a and --b are required")
    names = args.only or list(CONVERSATIONS)
    unknown = [n for n in names if n not in CONVERSATIONS]
    if unknown:
        parser.error(f"unknown conversation(s): {', '.join(unknown)}")

    for flag, (family, sockaddr) in (("--a", args.a), ("--b", args.b)):
        try:
            with socket.socket(family, socket.SOCK_STREAM) as probe:
                probe.connect(sockaddr)
        except OSError as exc:
            parser.exit(2, f"cannot connect to {flag} {sockaddr}: {exc}\n")

    tag = uuid.uuid4().hex[:6]
    passed = failed = 0
    for name in names:
        index = list(CONVERSATIONS).index(name)
        for attempt in range(args.retries + 1):
            # Each run on tubes of its own: a later run starts clean.
            run_tag = tag if attempt == 0 else f"{tag}r{attempt}"
            a = run_conversation(name, args.a, run_tag, index)
            b = run_conversation(name, args.b, run_tag, index)
            ca, cb = comparable(a), comparable(b)
            if ca == cb:
                break
            first = next((i for i, (x, y) in enumerate(zip(ca, cb)) if x != y), min(len(ca), len(cb)))
            print(f"DIFF {name}" + (f" (run {attempt + 1} of at most {args.retries + 1})" if args.retries else ""))
            print_transcript("A", a, first)
            print_transcript("B", b, first)
        if ca == cb:
            passed += 1
            print(f"ok {name}" + (f" (after {attempt} differing run{'s' if attempt > 1 else ''})" if attempt else ""))
            if args.verbose:
                print_transcript("A", a)
        else:
            failed += 1
        sys.stdout.flush()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
