import SpoolProtocol
import SpoolStore

extension Spoold {
    /// What `spoold --help` (or `-h`) prints.
    static let help = """
        spoold: Spool's daemon, a durable job queue that speaks the beanstalkd protocol.

        Usage: spoold [options]

        Options (Spool's own, and beanstalkd's so that spoold can take its place):
          --listen ADDRESS        A socket to listen on: unix:PATH or tcp:HOST:PORT
                                  (repeatable).
          --http ADDRESS          Serve Prometheus metrics (/metrics) and the live dashboard
                                  (/) over HTTP here: tcp:HOST:PORT or unix:PATH
                                  (repeatable; off by default; read-only).
          -l ADDR                 beanstalkd: listen on this address (a host, or unix:PATH).
          -p PORT                 beanstalkd: listen on this TCP port (default 11300).
          -z BYTES                Maximum job size in bytes (default \(ProtocolLimits.defaultMaxJobSize), at most
                                  \(ProtocolLimits.maxJobSizeCeiling)).
          -b, --state-directory DIR
                                  Keep jobs durably in this directory (beanstalkd's -b).
                                  Default: $STATE_DIRECTORY, as systemd's StateDirectory=
                                  sets it; with neither, jobs are kept in memory only, as
                                  in beanstalkd without -b.
          --durability MODE       With a state directory: always (the default: fsync before
                                  every acknowledgement), interval:MS (fsync at most every
                                  MS ms), nosync (never fsync) or off (memory only).
                                  Without one only off is possible.
          -f MS                   beanstalkd: fsync at most every MS milliseconds; the same
                                  as --durability interval:MS (0: always). Without a state
                                  directory it has no effect, as in beanstalkd.
          -F                      beanstalkd: never fsync; the same as --durability nosync.
          --postgresql URL        Be a node of a cluster: keep jobs in this PostgreSQL
                                  database, shared with every node started with it
                                  (postgresql://USER@HOST:PORT/DB, ?host=/socket/dir;
                                  password from the URL, $PGPASSWORD or the systemd
                                  credential postgresql-password). Needs libpq5.
                                  Without a state directory it has no effect.
          --max-jobs N            Every tube holds at most N jobs, unless its queue file sets
                                  MaxJobs= (default: no limit).
          --max-bytes SIZE        Every tube holds at most SIZE bytes of bodies (4096, 512K,
                                  64M, 2G), unless its queue file sets MaxBytes=.
          --when-full refuse|wait A put into a full tube is answered OUT_OF_MEMORY (refuse,
                                  the default) or waits for room (wait; WhenFull=).
          --memory-limit SIZE     The memory jobs may take before puts are answered
                                  OUT_OF_MEMORY (default: 3/4 of the cgroup's memory.max
                                  or of the machine's memory).
          --bus BUS               The D-Bus bus for the control plane: system (the
                                  default), session, none, or an address such as
                                  unix:path=/run/test/bus. spoold runs without the control
                                  plane when the system bus cannot be reached; an explicit
                                  bus that cannot be reached is an error.
          --queues-directory DIR  The directory of queue files (NAME.conf), one worker
                                  pool each; a missing directory configures none
                                  (default /etc/spool/queues.d).
          --worker-stop-timeout SECONDS
                                  When stopping, how long running handlers may finish
                                  before they get SIGTERM (then SIGKILL 5 s later) and
                                  their jobs are released (default 30).
          --exit-when-idle SECONDS
                                  Exit after this many seconds with no jobs and no
                                  connections (0, the default: never). Meant for socket
                                  activation, which starts spoold again on the next
                                  connection.
          -V                      Increase verbosity (repeatable).
          -v, --version           Print spoold's version and the beanstalkd version whose
                                  protocol it speaks, and exit.
          -h, --help              Print this and exit.

        Listeners: under systemd socket activation spoold serves every socket it is
        passed (Unix and TCP). Each --listen adds one socket it binds itself; -l/-p add
        one more (-l unix:PATH, or -l HOST with -p PORT). With neither, spoold listens
        on tcp:127.0.0.1:11300. A passed socket named "http" (FileDescriptorName=http,
        as spoold-http.socket names it) serves HTTP instead.

        Storage, as in beanstalkd: with a state directory (-b DIR, --state-directory
        DIR or $STATE_DIRECTORY) jobs are kept durably there; with none, in memory
        only, and nothing is written. With --postgresql they are in that database,
        and every node on it serves the same queue.

        Under systemd (Type=notify) spoold reports READY=1 once it serves, a live
        STATUS= line, WATCHDOG=1 at half of WatchdogSec= from its serving loop, and
        STOPPING=1 when it stops. It logs to the journal with structured fields when
        its stderr is the journal.

        Worker pool: each file NAME.conf in the queue directory configures a pool of
        workers that run a handler program for every job of one tube (see
        spool-queue.conf(5) and README).

        Signals: SIGTERM and SIGINT stop spoold cleanly (running handlers get
        --worker-stop-timeout to finish); SIGHUP reloads the queue directory; SIGUSR1
        puts it in drain mode, where every put is answered DRAINING.

        A bad command line exits with status 64, a failure to start with 1.

        """
}
