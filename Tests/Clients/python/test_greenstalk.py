"""Conformance tests through the public API of greenstalk 2.1.1 (PyPI)."""

import time

import greenstalk
import pytest

MISSING_ID = 2**64 - 1
JOB_STATS_KEYS = {
    "id", "tube", "state", "pri", "age", "delay", "ttr", "time-left", "file",
    "reserves", "timeouts", "releases", "buries", "kicks",
}
TUBE_STATS_KEYS = {
    "name", "current-jobs-urgent", "current-jobs-ready", "current-jobs-reserved",
    "current-jobs-delayed", "current-jobs-buried", "total-jobs", "current-using",
    "current-waiting", "current-watching", "pause", "cmd-delete", "cmd-pause-tube",
    "pause-time-left",
}


@pytest.fixture
def connect(server):
    """Factory of greenstalk clients over sockets with a read timeout; all closed after the test."""
    opened = []

    def make(**kwargs):
        client = greenstalk.Client(server.connect(), **kwargs)
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.close()


@pytest.fixture
def client(connect, tube):
    """A text client that uses and watches only the test's tube."""
    return connect(use=tube, watch=tube)


def test_put_reserve_delete(client):
    job_id = client.put("hello")
    job = client.reserve(timeout=0)
    assert (job.id, job.body) == (job_id, "hello")
    client.delete(job)
    with pytest.raises(greenstalk.NotFoundError):
        client.delete(job)
    with pytest.raises(greenstalk.NotFoundError):
        client.peek(job_id)
    with pytest.raises(greenstalk.TimedOutError):
        client.reserve(timeout=0)


def test_blocking_reserve_gets_job_from_another_client(connect, client, tube):
    producer = connect(use=tube)
    job_id = producer.put("for the blocked worker")
    job = client.reserve()
    assert (job.id, job.body) == (job_id, "for the blocked worker")


def test_delete_by_id_of_ready_job(client):
    job_id = client.put("never reserved")
    client.delete(job_id)
    with pytest.raises(greenstalk.TimedOutError):
        client.reserve(timeout=0)


def test_use_watch_ignore_and_lists(connect, tube_name):
    a, b = tube_name("a"), tube_name("b")
    client = connect()
    assert client.using() == "default"
    assert client.watching() == ["default"]
    client.use(a)
    assert client.using() == a
    assert client.watch(b) == 2
    assert client.watch(b) == 2
    assert client.watching() == ["default", b]
    assert client.ignore("default") == 1
    assert client.watching() == [b]
    with pytest.raises(greenstalk.NotIgnoredError):
        client.ignore(b)
    assert client.ignore(tube_name("never-watched")) == 1
    assert {a, b, "default"} <= set(client.tubes())


def test_constructor_use_and_watch(connect, tube_name):
    a, b = tube_name("a"), tube_name("b")
    client = connect(use=a, watch=[a, b])
    assert client.using() == a
    assert sorted(client.watching()) == sorted([a, b])


def test_unused_empty_tube_disappears(connect, tube_name):
    a = tube_name("a")
    client = connect(use=a)
    assert a in client.tubes()
    client.use("default")
    assert a not in client.tubes()


def test_jobs_go_to_used_tube_and_come_from_watched_tubes(connect, tube_name):
    a, b, c = tube_name("a"), tube_name("b"), tube_name("c")
    producer = connect(use=a)
    in_a = producer.put("in a")
    producer.use(b)
    in_b = producer.put("in b")
    producer.use(c)
    producer.put("in c")
    worker = connect(watch=[a, b])
    assert {worker.reserve(timeout=0).id, worker.reserve(timeout=0).id} == {in_a, in_b}
    with pytest.raises(greenstalk.TimedOutError):
        worker.reserve(timeout=0)


def test_priority_order_then_fifo(client):
    for priority, body in [(10, "a"), (5, "b"), (10, "c"), (5, "d"), (0, "e"), (2**32 - 1, "f")]:
        client.put(body, priority=priority)
    order = [client.reserve(timeout=0).body for _ in range(6)]
    assert order == ["e", "b", "d", "a", "c", "f"]


def test_delay_and_peek_delayed(client, tube):
    soon = client.put("soon", delay=1)
    client.put("later", delay=100)
    with pytest.raises(greenstalk.TimedOutError):
        client.reserve(timeout=0)
    assert client.peek_delayed().id == soon
    with pytest.raises(greenstalk.NotFoundError):
        client.peek_ready()
    stats = client.stats_job(soon)
    assert (stats["state"], stats["delay"]) == ("delayed", 1)
    assert client.stats_tube(tube)["current-jobs-delayed"] == 2
    job = client.reserve(timeout=5)
    assert job.id == soon


def test_release_with_priority_and_delay(client):
    job_id = client.put("retry", priority=50)
    job = client.reserve(timeout=0)
    client.release(job, priority=7, delay=1)
    stats = client.stats_job(job_id)
    assert (stats["state"], stats["pri"], stats["delay"], stats["releases"]) == ("delayed", 7, 1, 1)
    with pytest.raises(greenstalk.TimedOutError):
        client.reserve(timeout=0)
    job = client.reserve(timeout=5)
    assert job.id == job_id
    client.release(job)
    stats = client.stats_job(job_id)
    assert (stats["state"], stats["reserves"], stats["releases"]) == ("ready", 2, 2)
    with pytest.raises(greenstalk.NotFoundError):
        client.release(job)


def test_bury_peek_buried_and_kick(client, tube):
    ids = [client.put(f"job{i}") for i in range(3)]
    for _ in ids:
        client.bury(client.reserve(timeout=0), priority=9)
    assert client.peek_buried().id == ids[0]
    assert client.stats_tube(tube)["current-jobs-buried"] == 3
    stats = client.stats_job(ids[0])
    assert (stats["state"], stats["pri"], stats["buries"]) == ("buried", 9, 1)
    assert client.kick(2) == 2
    assert client.peek_buried().id == ids[2]
    assert client.stats_job(ids[0])["kicks"] == 1
    assert client.kick(10) == 1
    assert client.kick(10) == 0
    with pytest.raises(greenstalk.NotFoundError):
        client.peek_buried()


def test_kick_prefers_buried_then_delayed(client):
    delayed = client.put("delayed", delay=100)
    buried = client.put("buried")
    client.bury(client.reserve(timeout=0))
    assert client.kick(5) == 1
    assert client.stats_job(buried)["state"] == "ready"
    assert client.stats_job(delayed)["state"] == "delayed"
    assert client.kick(5) == 1
    assert client.stats_job(delayed)["state"] == "ready"


def test_kick_job_on_delayed_and_buried(client):
    ready = client.put("ready", priority=5)
    delayed = client.put("delayed", delay=100)
    buried = client.put("buried", priority=1)
    client.bury(client.reserve(timeout=0))
    client.kick_job(delayed)
    client.kick_job(buried)
    assert client.stats_job(delayed)["state"] == "ready"
    assert client.stats_job(buried)["state"] == "ready"
    for job_id in (ready, delayed, buried):
        with pytest.raises(greenstalk.NotFoundError):
            client.kick_job(job_id)


def test_kick_only_affects_used_tube(connect, tube_name):
    a, b = tube_name("a"), tube_name("b")
    client = connect(use=a)
    client.put("delayed in a", delay=100)
    client.use(b)
    assert client.kick(10) == 0
    client.use(a)
    assert client.kick(10) == 1


def test_peek_each_state(client):
    ready = client.put("ready", priority=5)
    reserved = client.put("reserved", priority=1)
    delayed = client.put("delayed", delay=100)
    client.reserve(timeout=0)
    for job_id, body in [(ready, "ready"), (reserved, "reserved"), (delayed, "delayed")]:
        job = client.peek(job_id)
        assert (job.id, job.body) == (job_id, body)
    assert client.peek_ready().id == ready
    assert client.peek_delayed().id == delayed


def test_touch_restarts_ttr(client):
    job_id = client.put("slow work", ttr=2)
    job = client.reserve(timeout=0)
    with pytest.raises(greenstalk.DeadlineSoonError):
        client.reserve(timeout=5)
    assert client.stats_job(job_id)["time-left"] == 0
    client.touch(job)
    stats = client.stats_job(job_id)
    assert stats["state"] == "reserved"
    assert stats["time-left"] >= 1
    client.delete(job)


def test_deadline_soon(client):
    client.put("hurry", ttr=1)
    job = client.reserve(timeout=0)
    with pytest.raises(greenstalk.DeadlineSoonError):
        client.reserve(timeout=5)
    client.delete(job)


def test_reserve_with_timeout_zero(client):
    with pytest.raises(greenstalk.TimedOutError):
        client.reserve(timeout=0)
    job_id = client.put("there now")
    assert client.reserve(timeout=0).id == job_id


def test_reserve_timeout_waits(client):
    started = time.monotonic()
    with pytest.raises(greenstalk.TimedOutError):
        client.reserve(timeout=1)
    assert time.monotonic() - started >= 0.9


def test_reserve_job_by_id(connect, client, tube):
    ready = client.put("ready")
    delayed = client.put("delayed", delay=100)
    buried = client.put("buried", priority=0)
    client.bury(client.reserve(timeout=0))
    for job_id, body in [(delayed, "delayed"), (buried, "buried"), (ready, "ready")]:
        job = client.reserve_job(job_id)
        assert (job.id, job.body) == (job_id, body)
        assert client.stats_job(job_id)["state"] == "reserved"
    other = connect(watch=tube)
    with pytest.raises(greenstalk.NotFoundError):
        other.reserve_job(ready)
    with pytest.raises(greenstalk.NotFoundError):
        client.reserve_job(MISSING_ID)


def test_global_stats(client):
    before = client.stats()
    client.put("counted")
    after = client.stats()
    assert set(greenstalk.Stats.__annotations__) <= set(after)
    assert after["max-job-size"] > 0
    assert after["cmd-put"] >= before["cmd-put"] + 1
    assert after["total-jobs"] >= before["total-jobs"] + 1
    assert after["current-connections"] >= 1
    assert after["draining"] == "false"
    assert isinstance(after["version"], str)


def test_version_gate_lets_kick_job_through(client):
    """Clients that gate kick-job (beanstalkd 1.8+) on `stats` version send it.

    The version is compared as client libraries compare it: as a version
    (1.13 > 1.8), not as a float or a string, which would put 1.13 below 1.8.
    """
    from packaging.version import Version

    version = client.stats()["version"]
    assert Version(version) >= Version("1.8"), version
    job_id = client.put("gated", delay=100)
    client.kick_job(job_id)
    assert client.stats_job(job_id)["state"] == "ready"


def test_tube_stats(connect, client, tube):
    client.put("urgent", priority=1023)
    client.put("normal", priority=1024)
    client.put("delayed", delay=100)
    reserved = client.reserve(timeout=0)
    buried_id = client.put("buried", priority=0)
    client.bury(client.reserve(timeout=0))
    connect(watch=tube)
    stats = client.stats_tube(tube)
    assert set(stats) == TUBE_STATS_KEYS
    assert stats["name"] == tube
    assert (stats["current-jobs-urgent"], stats["current-jobs-ready"]) == (0, 1)
    assert (stats["current-jobs-reserved"], stats["current-jobs-delayed"], stats["current-jobs-buried"]) == (1, 1, 1)
    assert (stats["total-jobs"], stats["current-using"], stats["current-watching"]) == (4, 1, 2)
    assert (stats["current-waiting"], stats["pause"], stats["cmd-delete"], stats["cmd-pause-tube"]) == (0, 0, 0, 0)
    client.delete(buried_id)
    client.delete(reserved)
    stats = client.stats_tube(tube)
    assert (stats["cmd-delete"], stats["current-jobs-buried"], stats["current-jobs-reserved"]) == (2, 0, 0)


def test_job_stats(client, tube):
    job_id = client.put("observed", priority=3, delay=100, ttr=7)
    stats = client.stats_job(job_id)
    assert set(stats) == JOB_STATS_KEYS
    expected = {"id": job_id, "tube": tube, "state": "delayed", "pri": 3, "delay": 100, "ttr": 7,
                "reserves": 0, "timeouts": 0, "releases": 0, "buries": 0, "kicks": 0}
    assert {key: stats[key] for key in expected} == expected
    assert 98 <= stats["time-left"] <= 100
    client.kick_job(job_id)
    job = client.reserve(timeout=0)
    client.release(job, priority=4)
    job = client.reserve(timeout=0)
    client.bury(job, priority=5)
    client.kick(1)
    stats = client.stats_job(job_id)
    expected.update(state="ready", pri=5, reserves=2, releases=1, buries=1, kicks=2, delay=0)
    assert {key: stats[key] for key in expected} == expected


def test_ttr_zero_becomes_one(client):
    job_id = client.put("zero", ttr=0)
    assert client.stats_job(job_id)["ttr"] == 1


def test_pause_tube(client, tube):
    job_id = client.put("paused")
    client.pause_tube(tube, 1)
    paused_at = time.monotonic()
    with pytest.raises(greenstalk.TimedOutError):
        client.reserve(timeout=0)
    stats = client.stats_tube(tube)
    assert (stats["pause"], stats["cmd-pause-tube"]) == (1, 1)
    assert client.peek_ready().id == job_id
    assert client.reserve(timeout=5).id == job_id
    assert time.monotonic() - paused_at >= 0.9


def test_unpause_tube(client, tube):
    client.pause_tube(tube, 100)
    job_id = client.put("unpaused")
    with pytest.raises(greenstalk.TimedOutError):
        client.reserve(timeout=0)
    client.pause_tube(tube, 0)
    assert client.reserve(timeout=1).id == job_id


def test_job_too_big(connect, tube):
    client = connect(encoding=None, use=tube, watch=tube)
    limit = client.stats()["max-job-size"]
    with pytest.raises(greenstalk.JobTooBigError):
        client.put(b"x" * (limit + 1))
    job_id = client.put(b"y" * limit)
    job = client.reserve(timeout=0)
    assert (job.id, len(job.body)) == (job_id, limit)


@pytest.mark.parametrize("operation", [
    lambda c: c.delete(MISSING_ID),
    lambda c: c.peek(MISSING_ID),
    lambda c: c.stats_job(MISSING_ID),
    lambda c: c.kick_job(MISSING_ID),
    lambda c: c.reserve_job(MISSING_ID),
    lambda c: c.touch(greenstalk.Job(MISSING_ID, "")),
    lambda c: c.release(greenstalk.Job(MISSING_ID, "")),
    lambda c: c.bury(greenstalk.Job(MISSING_ID, "")),
    lambda c: c.peek_ready(),
    lambda c: c.peek_delayed(),
    lambda c: c.peek_buried(),
], ids=["delete", "peek", "stats-job", "kick-job", "reserve-job", "touch", "release", "bury",
        "peek-ready", "peek-delayed", "peek-buried"])
def test_not_found(client, operation):
    with pytest.raises(greenstalk.NotFoundError):
        operation(client)
    assert client.put("still usable") > 0


def test_not_found_for_missing_tube(client, tube_name):
    missing = tube_name("missing")
    with pytest.raises(greenstalk.NotFoundError):
        client.stats_tube(missing)
    with pytest.raises(greenstalk.NotFoundError):
        client.pause_tube(missing, 1)


def test_jobs_reserved_by_another_client(connect, client, tube):
    job_id = client.put("mine")
    job = client.reserve(timeout=0)
    other = connect(use=tube, watch=tube)
    for operation in (other.delete, other.touch, other.release, other.bury):
        with pytest.raises(greenstalk.NotFoundError):
            operation(job)
    client.delete(job_id)


def test_release_on_disconnect(connect, client, tube):
    job_id = client.put("orphan")
    client.reserve(timeout=0)
    client.close()
    other = connect(watch=tube)
    assert other.reserve(timeout=5).id == job_id
    stats = other.stats_job(job_id)
    assert (stats["reserves"], stats["releases"], stats["timeouts"]) == (2, 0, 0)


def test_ttr_expiry_returns_job_to_ready(connect, client, tube):
    job_id = client.put("too slow", ttr=1)
    client.reserve(timeout=0)
    other = connect(watch=tube)
    assert other.reserve(timeout=5).id == job_id
    assert other.stats_job(job_id)["timeouts"] == 1
    with pytest.raises(greenstalk.NotFoundError):
        client.delete(job_id)
    other.delete(job_id)


@pytest.mark.parametrize("size", [0, 1, 60 * 1024])
def test_body_sizes(client, size):
    body = ("0123456789abcdef" * (size // 16 + 1))[:size]
    job_id = client.put(body)
    assert client.peek(job_id).body == body
    job = client.reserve(timeout=0)
    assert (job.id, job.body) == (job_id, body)


def test_binary_body(connect, tube):
    client = connect(encoding=None, use=tube, watch=tube)
    body = bytes(range(256)) * 4 + b"\r\n\x00put 0 0 1 1\r\n"
    job_id = client.put(body)
    assert client.peek(job_id).body == body
    assert client.reserve(timeout=0).body == body


def test_utf8_body(client):
    body = "héllo wörld ✓ 日本"
    client.put(body)
    assert client.reserve(timeout=0).body == body
