/// The tables the nodes share, created and migrated by spoold itself.
///
/// `spool_schema` holds one row with the version; a node migrates an older
/// schema under an advisory lock (nodes starting together take turns) and
/// refuses a newer one.
enum ClusterSchema {
    /// The version this spoold writes and reads.
    static let version = 2

    /// The advisory-lock class of Spool's locks (`pg_advisory_lock(class, key)`):
    /// key 0 serializes migrations, key N is node N's liveness lock.
    static let lockClass: Int32 = 0x5370

    /// The statements that take an empty database to each version, in order.
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE spool_nodes (
                id serial PRIMARY KEY,
                host text NOT NULL,
                pid int NOT NULL,
                started timestamptz NOT NULL DEFAULT now(),
                waiting_tubes text[] NOT NULL DEFAULT '{}'
            )
            """,
            """
            CREATE TABLE spool_tubes (
                name text PRIMARY KEY,
                total_jobs bigint NOT NULL DEFAULT 0,
                cmd_delete bigint NOT NULL DEFAULT 0,
                cmd_pause bigint NOT NULL DEFAULT 0,
                pause_seconds bigint NOT NULL DEFAULT 0,
                pause_until timestamptz
            )
            """,
            // state: 0 ready (delayed while ready_at is ahead), 1 reserved, 2 buried.
            // ready_at: when a ready job may be reserved; for a buried one, when it was buried.
            """
            CREATE TABLE spool_jobs (
                id bigserial PRIMARY KEY,
                tube text NOT NULL,
                priority bigint NOT NULL,
                state smallint NOT NULL DEFAULT 0,
                ready_at timestamptz NOT NULL,
                delay bigint NOT NULL,
                ttr bigint NOT NULL,
                owner_node int,
                owner_session bigint,
                lease_until timestamptz,
                created timestamptz NOT NULL DEFAULT now(),
                reserves int NOT NULL DEFAULT 0,
                timeouts int NOT NULL DEFAULT 0,
                releases int NOT NULL DEFAULT 0,
                buries int NOT NULL DEFAULT 0,
                kicks int NOT NULL DEFAULT 0,
                body bytea NOT NULL
            ) WITH (fillfactor = 90, autovacuum_vacuum_scale_factor = 0.01,
                    autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_vacuum_cost_delay = 0)
            """,
            "CREATE INDEX spool_jobs_ready ON spool_jobs (tube, priority, id) WHERE state = 0",
            "CREATE INDEX spool_jobs_reserved ON spool_jobs (lease_until) WHERE state = 1",
            "CREATE INDEX spool_jobs_buried ON spool_jobs (tube, ready_at, id) WHERE state = 2",
            "CREATE TABLE spool_schema (version int NOT NULL)",
            "INSERT INTO spool_schema VALUES (1)",
        ],
        // 2: the worker pool on a node: failed attempts and the last reason.
        [
            "ALTER TABLE spool_jobs ADD COLUMN attempts int NOT NULL DEFAULT 0, ADD COLUMN reason text",
        ],
    ]

    /// Creates or migrates the schema on `connection`.
    /// - Throws: ``ClusterError/newerSchema(found:supported:)`` for a newer
    ///   schema, ``ClusterError/foreignSchema(_:)`` for tables of another
    ///   application under Spool's names.
    static func prepare(_ connection: PostgresConnection) throws(ClusterError) {
        try connection.execute("BEGIN")
        do throws(ClusterError) {
            try connection.execute("SELECT pg_advisory_xact_lock($1, 0)", [.int32(lockClass)])
            let current = try installedVersion(connection)
            guard current <= version else { throw ClusterError.newerSchema(found: current, supported: version) }
            for statements in migrations.dropFirst(current) {
                for statement in statements { try connection.execute(statement) }
            }
            try connection.execute("UPDATE spool_schema SET version = $1", [.int32(Int32(version))])
            try connection.execute("COMMIT")
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// The installed version; 0 for a database without Spool's tables.
    private static func installedVersion(_ connection: PostgresConnection) throws(ClusterError) -> Int {
        let tables = try connection.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename IN ('spool_schema', 'spool_jobs', 'spool_nodes', 'spool_tubes')")
        let count = tables.int64(0, 0)
        guard count > 0 else { return 0 }
        let marker = try connection.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'spool_schema' AND column_name = 'version'")
        guard marker.int64(0, 0) == 1 else {
            throw .foreignSchema("it has tables named spool_* without Spool's spool_schema table")
        }
        let rows = try connection.execute("SELECT version FROM spool_schema")
        guard rows.count == 1 else { throw .foreignSchema("spool_schema holds \(rows.count) rows, not one") }
        return Int(rows.int32(0, 0))
    }
}
