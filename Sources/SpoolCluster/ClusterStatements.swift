/// The SQL a node runs. Every transition names the state it leaves (and, for
/// a reservation, its owner: node and session) in its WHERE clause, so that
/// a node acting late never overwrites another's transition.
enum ClusterStatements {
    /// A pass of writes of node $6, in one transaction (one commit for all
    /// of the node's puts and deletes that arrived while the previous one
    /// committed, as the local journal groups them):
    /// - puts: $1 tubes, $2 priorities, $3 delays, $4 TTRs, $5 bodies;
    /// - deletes: $7 ids, $8 the deleting sessions; a reserved job goes only
    ///   for the session of this node that holds it.
    ///
    /// Returns (0, id, 0) for every job put, in the order given, then (1,
    /// id, session) for every job deleted, naming the session whose delete
    /// removed it (of two deletes of one job in a pass, only one did). The
    /// tubes' counters move once per tube.
    ///
    /// Puts wake other nodes: NOTIFY only when another node waits on one of
    /// the tubes, once per pass. Every node row is then locked FOR SHARE, so
    /// that a node about to advertise a wait either waits for this commit
    /// (and then finds the jobs) or is seen; a pass without puts locks none.
    static let write = """
        WITH input AS (
            SELECT * FROM unnest($1::text[], $2::int8[], $3::int8[], $4::int8[], $5::bytea[])
                WITH ORDINALITY AS i(tube, priority, delay, ttr, body, n)),
        inserted AS (
            INSERT INTO spool_jobs (tube, priority, delay, ttr, body, ready_at)
            SELECT tube, priority, delay, ttr, body, now() + make_interval(secs => delay) FROM input ORDER BY n
            RETURNING id),
        removal AS (SELECT * FROM unnest($7::int8[], $8::int8[]) AS d(id, session)),
        deleted AS (
            DELETE FROM spool_jobs j USING removal d
            WHERE j.id = d.id AND (j.state <> 1 OR (j.owner_node = $6 AND j.owner_session = d.session))
            RETURNING j.id, j.tube, d.session),
        moved AS (
            SELECT tube, sum(put) AS put, sum(del) AS del FROM (
                SELECT tube, 1 AS put, 0 AS del FROM input UNION ALL SELECT tube, 0, 1 FROM deleted) AS m
            GROUP BY tube),
        tubes AS (
            INSERT INTO spool_tubes AS t (name, total_jobs, cmd_delete) SELECT tube, put, del FROM moved
            ON CONFLICT (name) DO UPDATE
            SET total_jobs = t.total_jobs + excluded.total_jobs, cmd_delete = t.cmd_delete + excluded.cmd_delete),
        waiting AS (
            SELECT coalesce(bool_or(id <> $6 AND waiting_tubes && $1::text[]), false) AS anyone
            FROM (SELECT id, waiting_tubes FROM spool_nodes WHERE cardinality($1::text[]) > 0 FOR SHARE) AS nodes),
        notified AS (SELECT pg_notify('spool_jobs', '') FROM waiting WHERE anyone)
        SELECT 0 AS kind, id, 0::int8 AS session FROM inserted, (SELECT count(*) FROM notified) AS n
        UNION ALL SELECT 1, id, session FROM deleted
        ORDER BY kind, id
        """

    /// Reserves up to $2 jobs of the tubes $1 for the sessions $3 (in their
    /// order, best job first) of node $4: ready, due, in an unpaused tube,
    /// by priority then id, skipping rows other nodes are taking. Each tube
    /// is read on its own (a scalar `tube =` walks the index in order and
    /// stops at $2 rows; `tube = ANY(...)` would sort the whole backlog),
    /// then the best $2 of them are taken.
    ///
    /// Only while the node's row is there (``nodeAlive``): a node whose
    /// registration was rescued by the others, without its knowing, takes
    /// nothing more (a job it took then would be given out again).
    static let reserve = """
        WITH \(nodeAlive("$4")),
        picked AS (
            SELECT c.id, c.priority FROM me CROSS JOIN unnest($1::text[]) AS w(tube)
            CROSS JOIN LATERAL (
                SELECT j.id, j.priority FROM spool_jobs j
                WHERE j.tube = w.tube AND j.state = 0 AND j.ready_at <= now()
                ORDER BY j.priority, j.id LIMIT $2
                FOR UPDATE SKIP LOCKED) AS c
            WHERE NOT EXISTS (SELECT 1 FROM spool_tubes t WHERE t.name = w.tube AND t.pause_until > now())),
        assigned AS (
            SELECT p.id, s.session FROM
                (SELECT id, row_number() OVER (ORDER BY priority, id) AS n FROM picked) AS p
                JOIN unnest($3::int8[]) WITH ORDINALITY AS s(session, n) USING (n))
        UPDATE spool_jobs j SET state = 1, owner_node = $4, owner_session = a.session,
            lease_until = now() + make_interval(secs => j.ttr), reserves = j.reserves + 1
        FROM assigned a WHERE j.id = a.id
        RETURNING j.id, a.session, j.ttr, j.body, j.priority, j.attempts
        """

    /// Holds reservation $1 of session $2 of node $3 for $4 milliseconds
    /// from now, whatever its TTR: a pool worker's job, while its handler runs.
    static let hold = """
        UPDATE spool_jobs SET lease_until = now() + $4::int8 * interval '1 millisecond'
        WHERE id = $1 AND state = 1 AND owner_node = $3 AND owner_session = $2
        """

    /// A failed attempt of a pool worker on reservation $1 of session $2 of
    /// node $3, with reason $4: ready again after $5 milliseconds, or buried
    /// when $5 is negative.
    static let fail = """
        UPDATE spool_jobs SET
            state = CASE WHEN $5::int8 < 0 THEN 2 ELSE 0 END,
            ready_at = now() + greatest($5::int8, 0) * interval '1 millisecond',
            delay = CASE WHEN $5::int8 < 0 THEN delay ELSE ceil($5::int8 / 1000.0)::int8 END,
            releases = releases + CASE WHEN $5::int8 < 0 THEN 0 ELSE 1 END,
            buries = buries + CASE WHEN $5::int8 < 0 THEN 1 ELSE 0 END,
            attempts = attempts + 1, reason = $4,
            owner_node = NULL, owner_session = NULL, lease_until = NULL
        WHERE id = $1 AND state = 1 AND owner_node = $3 AND owner_session = $2
        """

    /// Advertises the tubes $2 this node's reserves wait on (node $1).
    static let advertiseWaiting = "UPDATE spool_nodes SET waiting_tubes = $2 WHERE id = $1"

    /// Releases the reservations $1 of node $2, each held by the session
    /// at the same place in $3 (a closed connection's, or jobs reserved for
    /// a reserve that had already ended). A job that has since timed out
    /// and gone to another session of the node stays that session's.
    static let releaseOwned = """
        UPDATE spool_jobs j SET state = 0, owner_node = NULL, owner_session = NULL, lease_until = NULL, ready_at = now()
        FROM unnest($1::int8[], $3::int8[]) AS r(id, session)
        WHERE j.id = r.id AND j.state = 1 AND j.owner_node = $2 AND j.owner_session = r.session
        """

    /// Returns jobs whose TTR ran out, and the reservations of dead nodes
    /// (their liveness lock is gone, or their row already went), to ready;
    /// removes dead nodes. $1 this node, $2 the liveness locks' class.
    /// Returns (id, session) for each reservation of this node that timed
    /// out (the owner read before the update clears it), then (0, count),
    /// then (-1, 0) when this node's own row is gone: the others found it
    /// dead (its liveness connection was lost without its knowing) and
    /// released its jobs, so it must register again.
    ///
    /// Advisory locks are the database's own, but `pg_locks` lists every
    /// database of the server: only this database's count.
    static let rescue = """
        WITH dead AS (
            SELECT n.id FROM spool_nodes n
            WHERE n.id <> $1 AND NOT EXISTS (\(livenessLock("n.id")))),
        expiring AS (
            SELECT id, owner_node, owner_session FROM spool_jobs
            WHERE state = 1 AND lease_until <= now()
            FOR UPDATE SKIP LOCKED),
        expired AS (
            UPDATE spool_jobs j SET state = 0, owner_node = NULL, owner_session = NULL, lease_until = NULL,
                ready_at = now(), timeouts = j.timeouts + 1
            FROM expiring e WHERE j.id = e.id
            RETURNING j.id, e.owner_node, e.owner_session),
        orphaned AS (
            UPDATE spool_jobs SET state = 0, owner_node = NULL, owner_session = NULL, lease_until = NULL, ready_at = now()
            WHERE state = 1 AND lease_until > now() AND (
                owner_node IN (SELECT id FROM dead)
                OR NOT EXISTS (SELECT 1 FROM spool_nodes n WHERE n.id = owner_node)
                   -- pg_locks is read live, not from the statement's snapshot: a
                   -- reservation of a node that registered after the statement
                   -- began, met when the row is checked again, stays its own.
                   AND NOT EXISTS (\(livenessLock("owner_node"))))
            RETURNING id),
        gone AS (DELETE FROM spool_nodes WHERE id IN (SELECT id FROM dead) RETURNING id)
        SELECT id, owner_session FROM expired WHERE owner_node = $1
        UNION ALL SELECT 0, (SELECT count(*) FROM orphaned) + (SELECT count(*) FROM expired) + (SELECT count(*) FROM gone)
        UNION ALL SELECT -1, 0 WHERE NOT EXISTS (SELECT 1 FROM spool_nodes WHERE id = $1)
        """

    /// The granted liveness lock of the node whose id is `node`, in this
    /// database (`pg_locks` lists every database's); $2 the locks' class.
    private static func livenessLock(_ node: String) -> String {
        """
        SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.classid = $2
          AND l.objid = \(node) AND l.objsubid = 2 AND l.granted
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        """
    }

    /// Release of job $1 by session $2 of node $3, priority $4, delay $5.
    static let release = """
        UPDATE spool_jobs SET state = 0, priority = $4, delay = $5, ready_at = now() + make_interval(secs => $5),
            releases = releases + 1, owner_node = NULL, owner_session = NULL, lease_until = NULL
        WHERE id = $1 AND state = 1 AND owner_node = $3 AND owner_session = $2
        """

    /// Bury of job $1 by session $2 of node $3, priority $4.
    static let bury = """
        UPDATE spool_jobs SET state = 2, priority = $4, ready_at = clock_timestamp(), buries = buries + 1,
            owner_node = NULL, owner_session = NULL, lease_until = NULL
        WHERE id = $1 AND state = 1 AND owner_node = $3 AND owner_session = $2
        """

    /// Touch of job $1 by session $2 of node $3; returns the id and the TTR.
    static let touch = """
        UPDATE spool_jobs SET lease_until = now() + make_interval(secs => ttr)
        WHERE id = $1 AND state = 1 AND owner_node = $3 AND owner_session = $2
        RETURNING id, ttr
        """

    /// Reservation of job $1 (any state but reserved) for session $2 of
    /// node $3, while the node's row is there (``nodeAlive``).
    static let reserveJob = """
        WITH \(nodeAlive("$3"))
        UPDATE spool_jobs j SET state = 1, owner_node = $3, owner_session = $2,
            lease_until = now() + make_interval(secs => j.ttr), reserves = j.reserves + 1
        FROM me WHERE j.id = $1 AND j.state <> 1
        RETURNING j.id, j.ttr, j.body
        """

    /// `me`: the row of the node whose id is `parameter`, locked against its
    /// removal until the statement's transaction ends. A rescue that removes
    /// a dead node's row waits for a reservation in flight, and one that
    /// comes after finds no row and takes nothing; so no job is taken in the
    /// name of a node after the others have released its jobs. (Key share:
    /// the node's own updates of its row, and the puts' check of who
    /// waits, do not wait for it.)
    private static func nodeAlive(_ parameter: String) -> String {
        "me AS (SELECT id FROM spool_nodes WHERE id = \(parameter) FOR KEY SHARE)"
    }

    static let peek = "SELECT id, body FROM spool_jobs WHERE id = $1"
    static let peekReady = """
        SELECT id, body FROM spool_jobs WHERE tube = $1 AND state = 0 AND ready_at <= now()
        ORDER BY priority, id LIMIT 1
        """
    static let peekDelayed = """
        SELECT id, body FROM spool_jobs WHERE tube = $1 AND state = 0 AND ready_at > now()
        ORDER BY ready_at, id LIMIT 1
        """
    static let peekBuried = "SELECT id, body FROM spool_jobs WHERE tube = $1 AND state = 2 ORDER BY ready_at, id LIMIT 1"

    /// Kicks up to $2 buried jobs of tube $1.
    static let kickBuried = """
        UPDATE spool_jobs SET state = 0, ready_at = now(), kicks = kicks + 1
        WHERE id IN (SELECT id FROM spool_jobs WHERE tube = $1 AND state = 2 ORDER BY ready_at, id LIMIT $2
                     FOR UPDATE SKIP LOCKED) AND state = 2
        """

    /// Kicks up to $2 delayed jobs of tube $1.
    static let kickDelayed = """
        UPDATE spool_jobs SET ready_at = now(), kicks = kicks + 1
        WHERE id IN (SELECT id FROM spool_jobs WHERE tube = $1 AND state = 0 AND ready_at > now()
                     ORDER BY ready_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) AND state = 0
        """

    /// Kicks job $1 when buried or delayed.
    static let kickJob = """
        UPDATE spool_jobs SET state = 0, ready_at = now(), kicks = kicks + 1
        WHERE id = $1 AND (state = 2 OR (state = 0 AND ready_at > now()))
        """

    /// A job's statistics; times in whole seconds, rounded down as beanstalkd does.
    static let jobStats = """
        SELECT tube,
            CASE WHEN state = 1 THEN 'reserved' WHEN state = 2 THEN 'buried'
                 WHEN ready_at > now() THEN 'delayed' ELSE 'ready' END,
            priority, floor(extract(epoch FROM now() - created))::int8, delay, ttr,
            CASE WHEN state = 1 THEN greatest(0, floor(extract(epoch FROM lease_until - now())))::int8
                 WHEN state = 0 AND ready_at > now() THEN floor(extract(epoch FROM ready_at - now()))::int8 ELSE 0 END,
            reserves::int8, timeouts::int8, releases::int8, buries::int8, kicks::int8, attempts::int8, reason
        FROM spool_jobs WHERE id = $1
        """

    /// The job counts over every tube.
    static let countsAll = countsSelect

    /// Every tube that holds jobs, is paused or is named in $1 (the tubes
    /// this node's connections use or watch), in the columns of `tube`, by name.
    static let tubesStats = """
        WITH c AS (
            SELECT tube,
                count(*) FILTER (WHERE state = 0 AND ready_at <= now() AND priority < 1024) AS urgent,
                count(*) FILTER (WHERE state = 0 AND ready_at <= now()) AS ready,
                count(*) FILTER (WHERE state = 1) AS reserved,
                count(*) FILTER (WHERE state = 0 AND ready_at > now()) AS delayed,
                count(*) FILTER (WHERE state = 2) AS buried
            FROM spool_jobs GROUP BY tube)
        SELECT coalesce(t.name, c.tube), coalesce(c.urgent, 0), coalesce(c.ready, 0), coalesce(c.reserved, 0),
            coalesce(c.delayed, 0), coalesce(c.buried, 0),
            coalesce(t.total_jobs, 0), coalesce(t.cmd_delete, 0), coalesce(t.cmd_pause, 0), coalesce(t.pause_seconds, 0),
            CASE WHEN t.pause_until > now() THEN floor(extract(epoch FROM t.pause_until - now()))::int8 ELSE 0 END,
            t.name IS NOT NULL
        FROM spool_tubes t FULL JOIN c ON c.tube = t.name
        WHERE c.tube IS NOT NULL OR t.pause_until > now() OR t.name = ANY($1::text[])
        ORDER BY 1
        """

    /// Deletes the jobs of tube $1 that are ready ($2 = 1), delayed ($3 = 1)
    /// or buried ($4 = 1); never reserved ones.
    static let purge = """
        DELETE FROM spool_jobs
        WHERE tube = $1 AND ((state = 0 AND ready_at <= now() AND $2 = 1)
            OR (state = 0 AND ready_at > now() AND $3 = 1) OR (state = 2 AND $4 = 1))
        """

    /// Urgent, ready, reserved, delayed and buried jobs.
    private static let countsSelect = """
        SELECT count(*) FILTER (WHERE state = 0 AND ready_at <= now() AND priority < 1024) AS urgent,
               count(*) FILTER (WHERE state = 0 AND ready_at <= now()) AS ready,
               count(*) FILTER (WHERE state = 1) AS reserved,
               count(*) FILTER (WHERE state = 0 AND ready_at > now()) AS delayed,
               count(*) FILTER (WHERE state = 2) AS buried
        FROM spool_jobs
        """

    /// Tube $1's statistics: its name, its job counts (urgent, ready,
    /// reserved, delayed, buried), from its row total jobs, deletes,
    /// pauses, pause and pause time left, and whether it has a row.
    static let tube = """
        SELECT $1::text, c.urgent, c.ready, c.reserved, c.delayed, c.buried,
            coalesce(t.total_jobs, 0), coalesce(t.cmd_delete, 0), coalesce(t.cmd_pause, 0), coalesce(t.pause_seconds, 0),
            CASE WHEN t.pause_until > now() THEN floor(extract(epoch FROM t.pause_until - now()))::int8 ELSE 0 END,
            t.name IS NOT NULL
        FROM (\(countsSelect) WHERE tube = $1) AS c LEFT JOIN spool_tubes t ON t.name = $1
        """

    /// The jobs ever put, over every tube.
    static let totals = """
        SELECT coalesce(sum(total_jobs), 0)::int8 FROM spool_tubes
        """

    /// The tubes that hold jobs or are paused.
    static let tubeNames = """
        SELECT name FROM spool_tubes t
        WHERE pause_until > now() OR EXISTS (SELECT 1 FROM spool_jobs j WHERE j.tube = t.name)
        ORDER BY name
        """

    /// Pauses tube $1 for $2 seconds; the row is created when $3 is 1 (a
    /// tube this node's connections use or watch).
    static let pause = """
        WITH updated AS (
            UPDATE spool_tubes SET pause_seconds = $2, pause_until = now() + make_interval(secs => $2),
                cmd_pause = cmd_pause + 1
            WHERE name = $1 RETURNING name),
        created AS (
            INSERT INTO spool_tubes (name, pause_seconds, pause_until, cmd_pause)
            SELECT $1, $2, now() + make_interval(secs => $2), 1
            WHERE $3 = 1 AND NOT EXISTS (SELECT 1 FROM updated)
            ON CONFLICT (name) DO NOTHING RETURNING name)
        SELECT name FROM updated UNION ALL SELECT name FROM created
        """
}
