#!/usr/bin/env python3
"""The end-to-end test's worker: greenstalk, a third-party beanstalkd client
from PyPI, used unchanged against spoold inside the test container.

usage: client.py SOCKET MODE

SOCKET is the path of spoold's Unix socket. MODE is one of:

  jobs       put jobs into a tube of its own, reserve them, check their bodies
             and delete them; prints "served N jobs"
  hold       put one job into the tube e2e-hold, print "holding job ID" and
             keep the connection open until standard input closes; then delete
             the job and print "released" (the test reads STATUS= meanwhile)
  keep       put a job into the tube e2e-kept, meant to outlive a restart of
             spoold; prints "job ID"
  take-kept  reserve that job, check its body and delete it; prints "job ID"
  ttr        put a job with a 1 s time-to-run, reserve it and let the
             reservation time out; once spoold made it ready again, print
             "JOB_ID=ID TUBE=TUBE" (what the journal entry must carry), then
             reserve and delete it so that no job is left behind
  stopped    put a job into the tube e2e-stopped and expect a reserve with a
             1 s timeout to time out (processing is stopped over D-Bus);
             prints "held back job ID"
  take-stopped
             reserve that job within 10 s and delete it; prints "job ID"
  pool       put 5 jobs into the tube e2e-pool, served by the worker pool of
             /etc/spool/queues.d/e2e.conf, and wait (20 s at most) until the
             pool has deleted them all; prints their ids, one line
  pool-fail  put a job the pool's handler fails on into e2e-pool and wait
             (20 s at most) until it is buried; prints its id, its attempts
             and its reason from stats-job, tab-separated, then deletes it
  pool-forbidden
             the same with a job on which the handler makes a system call
             its queue's sandbox forbids
  pool-limited
             the same in the tube e2e-limited, whose queue sets MemoryMax=
  pool-mounts
             the same in the tube e2e-mounts, whose queue sets
             TemporaryFileSystem= (and whose handler always fails, saying
             what it saw)
  refused    expect the connection to be refused by the socket's permissions;
             prints "refused: EACCES"

Exits 0 when everything went as expected; otherwise prints what differed and
exits 1. greenstalk has no timeouts of its own: the test bounds every run.
"""
import errno
import os
import sys
import time

import greenstalk

JOB_COUNT = 20
KEPT_TUBE = "e2e-kept"
KEPT_BODY = "kept across a restart"
STOPPED_TUBE = "e2e-stopped"
STOPPED_BODY = "held back"
POOL_TUBE = "e2e-pool"
POOL_JOBS = 5
LIMITED_TUBE = "e2e-limited"
MOUNTS_TUBE = "e2e-mounts"


def run_jobs(socket_path):
    tube = f"e2e-jobs-{os.getpid()}"
    with greenstalk.Client(socket_path, use=tube, watch=tube) as client:
        bodies = [f"job {n} from {os.getpid()}" for n in range(JOB_COUNT)]
        ids = [client.put(body) for body in bodies]
        for expected_id, expected_body in zip(ids, bodies):
            job = client.reserve(timeout=5)
            if (job.id, job.body) != (expected_id, expected_body):
                raise AssertionError(f"reserved {job!r}, expected job {expected_id} {expected_body!r}")
            client.delete(job)
        left = client.stats_tube(tube)["current-jobs-ready"]
        if left != 0:
            raise AssertionError(f"{left} jobs still ready after deleting all of them")
    print(f"served {JOB_COUNT} jobs")


def hold(socket_path):
    tube = "e2e-hold"
    with greenstalk.Client(socket_path, use=tube, watch=tube) as client:
        job_id = client.put("held")
        print(f"holding job {job_id}", flush=True)
        sys.stdin.read()
        client.delete(job_id)
    print("released")


def keep(socket_path):
    with greenstalk.Client(socket_path, use=KEPT_TUBE, watch=KEPT_TUBE) as client:
        print(f"job {client.put(KEPT_BODY)}")


def take_kept(socket_path):
    with greenstalk.Client(socket_path, use=KEPT_TUBE, watch=KEPT_TUBE) as client:
        job = client.reserve(timeout=5)
        if job.body != KEPT_BODY:
            raise AssertionError(f"reserved {job!r} from {KEPT_TUBE}, expected the body {KEPT_BODY!r}")
        client.delete(job)
    print(f"job {job.id}")


def time_out_reservation(socket_path):
    tube = f"e2e-ttr-{os.getpid()}"
    with greenstalk.Client(socket_path, use=tube, watch=tube) as client:
        job_id = client.put("slow", ttr=1)
        client.reserve(timeout=5)
        # The job must come back on its own; the deadline is generous because
        # the 1 s TTR is checked by a timer, not exactly at expiry.
        deadline = time.monotonic() + 10
        while client.stats_job(job_id)["state"] != "ready":
            if time.monotonic() > deadline:
                raise AssertionError(f"job {job_id} still reserved 10 s after its 1 s TTR")
            time.sleep(0.1)
        print(f"JOB_ID={job_id} TUBE={tube}")
        client.delete(client.reserve(timeout=5))


def put_while_stopped(socket_path):
    with greenstalk.Client(socket_path, use=STOPPED_TUBE, watch=STOPPED_TUBE) as client:
        job_id = client.put(STOPPED_BODY)
        try:
            job = client.reserve(timeout=1)
        except greenstalk.TimedOutError:
            print(f"held back job {job_id}")
            return
        raise AssertionError(f"reserved job {job.id} while processing is stopped")


def take_stopped(socket_path):
    with greenstalk.Client(socket_path, watch=STOPPED_TUBE) as client:
        job = client.reserve(timeout=10)
        if job.body != STOPPED_BODY:
            raise AssertionError(f"reserved {job!r} from {STOPPED_TUBE}, expected the body {STOPPED_BODY!r}")
        client.delete(job)
    print(f"job {job.id}")


def wait_until(seconds, what, condition):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        time.sleep(0.1)


def run_pool(socket_path):
    with greenstalk.Client(socket_path, use=POOL_TUBE) as client:
        ids = [client.put(f"pool job {n}") for n in range(POOL_JOBS)]

        def all_deleted():
            stats = client.stats_tube(POOL_TUBE)
            return stats["total-jobs"] >= POOL_JOBS and stats["current-jobs-ready"] + stats["current-jobs-reserved"] \
                + stats["current-jobs-delayed"] + stats["current-jobs-buried"] == 0

        wait_until(20, "the pool to handle every job", all_deleted)
        for job_id in ids:
            try:
                client.stats_job(job_id)
            except greenstalk.NotFoundError:
                continue
            raise AssertionError(f"job {job_id} is still there")
    print(" ".join(str(job_id) for job_id in ids))


def run_failing_pool_job(socket_path, body="fail, please", tube=POOL_TUBE):
    with greenstalk.Client(socket_path, use=tube) as client:
        job_id = client.put(body)
        wait_until(20, f"job {job_id} to be buried", lambda: client.stats_job(job_id)["state"] == "buried")
        stats = client.stats_job(job_id)
        client.delete(job_id)
    print(f"{job_id}\t{stats['attempts']}\t{stats['reason']}")


def expect_refusal(socket_path):
    try:
        greenstalk.Client(socket_path).close()
    except PermissionError as error:
        print(f"refused: {errno.errorcode[error.errno]}")
        return
    raise AssertionError(f"connected to {socket_path} as uid {os.getuid()} groups {os.getgroups()}")


MODES = {
    "jobs": run_jobs,
    "hold": hold,
    "keep": keep,
    "take-kept": take_kept,
    "ttr": time_out_reservation,
    "stopped": put_while_stopped,
    "take-stopped": take_stopped,
    "pool": run_pool,
    "pool-fail": run_failing_pool_job,
    "pool-forbidden": lambda socket_path: run_failing_pool_job(socket_path, "forbidden call"),
    "pool-limited": lambda socket_path: run_failing_pool_job(socket_path, "limited", tube=LIMITED_TUBE),
    "pool-mounts": lambda socket_path: run_failing_pool_job(socket_path, "mounts", tube=MOUNTS_TUBE),
    "refused": expect_refusal,
}


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in MODES:
        sys.exit(__doc__)
    try:
        MODES[sys.argv[2]](sys.argv[1])
    except (AssertionError, OSError, greenstalk.Error) as error:
        print(f"{type(error).__name__}: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
