"""Conformance tests through the public API of pystalk 0.9.1 (PyPI, by EasyPost).

pystalk speaks TCP only; these tests are skipped for a Unix-socket server.
"""

import pytest
from pystalk import BeanstalkClient, BeanstalkError, ProductionPool

SOCKET_TIMEOUT = 10
MISSING_ID = 2**64 - 1


@pytest.fixture
def connect(server):
    """Factory of pystalk clients with a socket timeout; all closed after the test."""
    if server.kind != "tcp":
        pytest.skip("pystalk only connects over TCP")
    opened = []

    def make(**kwargs):
        client = BeanstalkClient(server.host, server.port, socket_timeout=SOCKET_TIMEOUT, **kwargs)
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.close()


@pytest.fixture
def client(connect, tube):
    """A client that uses and watches only the test's tube."""
    client = connect()
    client.use(tube)
    client.watch(tube)
    return client


def put(client, data, **kwargs):
    """Put a job and return its id (pystalk returns the reply word along with it)."""
    word, job_id = client.put_job(data, **kwargs)
    assert word == b"INSERTED"
    return job_id


def error_of(call, *args):
    """The reply word of the BeanstalkError that `call(*args)` must raise."""
    with pytest.raises(BeanstalkError) as caught:
        call(*args)
    return caught.value.message


def test_ping(connect):
    assert connect().ping()


def test_put_reserve_delete(client):
    job_id = put(client, "hello")
    job = client.reserve_job(0)
    assert (job.job_id, job.job_data) == (job_id, b"hello")
    client.delete_job(job)
    assert error_of(client.delete_job, job_id) == "NOT_FOUND"
    assert error_of(client.reserve_job, 0) == "TIMED_OUT"


def test_auto_decode(connect, tube):
    client = connect(auto_decode=True)
    client.use(tube)
    client.watch(tube)
    put(client, "héllo ✓")
    assert client.reserve_job(0).job_data == "héllo ✓"


def test_from_uri(server, tube):
    if server.kind != "tcp":
        pytest.skip("pystalk only connects over TCP")
    client = BeanstalkClient.from_uri(f"beanstalk://{server.host}:{server.port}", socket_timeout=SOCKET_TIMEOUT)
    try:
        client.use(tube)
        client.watch(tube)
        job_id = put(client, "via uri")
        assert client.reserve_job(0).job_id == job_id
    finally:
        client.close()


def test_first_watch_replaces_default(connect, tube_name):
    a, b = tube_name("a"), tube_name("b")
    client = connect()
    client.watch(a)
    assert client.watchlist == {a}
    client.watch(b)
    client.ignore(a)
    assert client.watchlist == {b}
    with pytest.raises(KeyError):
        client.ignore(a)


def test_watchlist_setter(connect, tube_name):
    a, b, c = tube_name("a"), tube_name("b"), tube_name("c")
    producer = connect()
    for name in (a, b, c):
        producer.put_job_into(name, name)
    worker = connect()
    worker.watchlist = [a, b]
    assert worker.watchlist == {a, b}
    assert sorted(job.job_data for job in worker.reserve_iter()) == sorted([a.encode(), b.encode()])
    worker.watchlist = [c]
    assert [job.job_data for job in worker.reserve_iter()] == [c.encode()]


def test_using_and_put_job_into_restore_the_tube(connect, tube_name):
    a, b = tube_name("a"), tube_name("b")
    client = connect()
    client.use(a)
    with client.using(b) as inserter:
        inserter.put_job("into b")
    assert client.current_tube == a
    client.put_job_into(b, "also into b")
    assert client.current_tube == a
    put(client, "into a")
    assert client.stats_tube(b)["current-jobs-ready"] == 2
    assert client.stats_tube(a)["current-jobs-ready"] == 1


def test_list_tubes(client, tube):
    assert {tube, "default"} <= set(client.list_tubes())


def test_priority_order_then_fifo(client):
    for pri, body in [(10, "a"), (5, "b"), (10, "c"), (5, "d"), (0, "e"), (2**32 - 1, "f")]:
        put(client, body, pri=pri)
    assert [job.job_data for job in client.reserve_iter()] == [b"e", b"b", b"d", b"a", b"c", b"f"]


def test_peek_commands_and_iterators(client):
    ready = [put(client, f"r{i}") for i in range(2)]
    delayed = put(client, "delayed", delay=100)
    assert client.peek_delayed().job_id == delayed
    assert next(client.peek_ready_iter()).job_id == ready[0]
    for _ in ready:
        client.bury_job(client.reserve_job(0))
    assert next(client.peek_buried_iter()).job_id == ready[0]
    assert error_of(client.peek_ready) == "NOT_FOUND"
    assert list(client.peek_ready_iter()) == []


def test_delay(client, tube):
    job_id = put(client, "soon", delay=1)
    assert error_of(client.reserve_job, 0) == "TIMED_OUT"
    assert client.peek_delayed().job_id == job_id
    assert client.stats_tube(tube)["current-jobs-delayed"] == 1
    assert client.reserve_job(5).job_id == job_id


def test_release_with_priority_and_delay(client):
    job_id = put(client, "retry")
    client.reserve_job(0)
    assert client.release_job(job_id, pri=7, delay=1) == b"RELEASED"
    stats = client.stats_job(job_id)
    assert (stats["state"], stats["pri"], stats["releases"]) == ("delayed", 7, 1)
    assert error_of(client.reserve_job, 0) == "TIMED_OUT"
    assert client.reserve_job(5).job_id == job_id
    client.release_job(job_id)
    assert error_of(client.release_job, job_id) == "NOT_FOUND"


def test_bury_and_kick(client, tube):
    ids = [put(client, f"job{i}") for i in range(3)]
    for _ in ids:
        assert client.bury_job(client.reserve_job(0), pri=9) == b"BURIED"
    assert client.stats_tube(tube)["current-jobs-buried"] == 3
    assert client.peek_buried().job_id == ids[0]
    assert client.kick_jobs(2) == (b"KICKED", 2)
    assert client.kick_jobs(10) == (b"KICKED", 1)
    assert client.kick_jobs(10) == (b"KICKED", 0)
    stats = client.stats_job(ids[0])
    assert (stats["state"], stats["pri"], stats["buries"], stats["kicks"]) == ("ready", 9, 1, 1)


def test_kick_job(client):
    delayed = put(client, "delayed", delay=100)
    buried = put(client, "buried")
    client.bury_job(client.reserve_job(0))
    client.kick_job(delayed)
    client.kick_job(buried)
    assert [job.job_id for job in client.reserve_iter()] == [delayed, buried]
    assert error_of(client.kick_job, delayed) == "NOT_FOUND"


def test_deadline_soon(client):
    job_id = put(client, "hurry", ttr=1)
    client.reserve_job(0)
    assert error_of(client.reserve_job, 5) == "DEADLINE_SOON"
    client.delete_job(job_id)


def test_pause_and_unpause_tube(client, tube):
    job_id = put(client, "paused")
    assert client.pause_tube(tube, 100) == b"PAUSED"
    assert error_of(client.reserve_job, 0) == "TIMED_OUT"
    assert client.stats_tube(tube)["pause"] == 100
    assert client.unpause_tube(tube) == b"PAUSED"
    assert client.reserve_job(1).job_id == job_id
    assert error_of(client.pause_tube, tube + "-missing", 1) == "NOT_FOUND"


def test_pause_expires(client, tube):
    job_id = put(client, "paused briefly")
    client.pause_tube(tube, 1)
    assert error_of(client.reserve_job, 0) == "TIMED_OUT"
    assert client.reserve_job(5).job_id == job_id


def test_stats(client, tube):
    job_id = put(client, "observed", pri=3, ttr=7)
    stats = client.stats()
    assert stats["max-job-size"] > 0
    assert stats["current-jobs-ready"] >= 1
    assert {"version", "uptime", "total-jobs", "current-connections", "cmd-put"} <= set(stats)
    tube_stats = client.stats_tube(tube)
    assert (tube_stats["name"], tube_stats["current-jobs-ready"], tube_stats["total-jobs"]) == (tube, 1, 1)
    job_stats = client.stats_job(job_id)
    assert (job_stats["id"], job_stats["tube"], job_stats["state"]) == (job_id, tube, "ready")
    assert (job_stats["pri"], job_stats["ttr"], job_stats["reserves"]) == (3, 7, 0)
    assert error_of(client.stats_job, MISSING_ID) == "NOT_FOUND"
    assert error_of(client.stats_tube, tube + "-missing") == "NOT_FOUND"


def test_job_too_big(client):
    limit = client.stats()["max-job-size"]
    assert error_of(client.put_job, b"x" * (limit + 1)) == "JOB_TOO_BIG"
    job_id = put(client, b"y" * limit)
    job = client.reserve_job(0)
    assert (job.job_id, len(job.job_data)) == (job_id, limit)


def test_large_and_binary_bodies(client):
    bodies = [b"", bytes(range(256)) * 240, b"\r\n\x00\xff" * 100]
    ids = [put(client, body) for body in bodies]
    assert [(job.job_id, job.job_data) for job in client.reserve_iter()] == list(zip(ids, bodies))


def test_jobs_reserved_by_another_client(connect, client, tube):
    job_id = put(client, "mine")
    client.reserve_job(0)
    other = connect()
    other.watch(tube)
    assert error_of(other.delete_job, job_id) == "NOT_FOUND"
    assert error_of(other.release_job, job_id) == "NOT_FOUND"
    assert error_of(other.bury_job, job_id) == "NOT_FOUND"
    assert error_of(other.kick_job, job_id) == "NOT_FOUND"
    client.delete_job(job_id)


def test_close_releases_job_and_reconnect_restores_tubes(connect, client, tube):
    job_id = put(client, "orphan")
    client.reserve_job(0)
    client.close()
    other = connect()
    other.watch(tube)
    assert other.reserve_job(5).job_id == job_id
    second = put(client, "after reconnect")
    assert client.stats_job(second)["tube"] == tube
    assert client.reserve_job(0).job_id == second


def test_production_pool(connect, tube):
    worker = connect()
    worker.watch(tube)
    pool = ProductionPool([connect()], initial_shuffle=False)
    pool.use(tube)
    word, first = pool.put_job("one")
    assert word == b"INSERTED"
    pool.put_job_into(tube, "two")
    assert [job.job_data for job in worker.reserve_iter()] == [b"one", b"two"]
    assert worker.stats_job(first)["tube"] == tube
