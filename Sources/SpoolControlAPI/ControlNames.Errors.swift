import DBus

extension ControlNames {
    /// Spool's own errors, `org.spool.Spool1.Error.*`: their names, which
    /// clients match, and the errors the server answers with.
    public enum Errors {
        /// `org.spool.Spool1.Error.NoSuchQueue`: no tube of that name exists (any more).
        public static let noSuchQueueName: ErrorName = "org.spool.Spool1.Error.NoSuchQueue"
        /// `org.spool.Spool1.Error.StoreUnavailable`: the store takes no changes now.
        public static let storeUnavailableName: ErrorName = "org.spool.Spool1.Error.StoreUnavailable"
        /// `org.spool.Spool1.Error.NoWorkerPool`: the tube has no worker pool.
        public static let noWorkerPoolName: ErrorName = "org.spool.Spool1.Error.NoWorkerPool"

        /// No tube of that name exists (any more).
        public static func noSuchQueue(_ tube: String) -> DBusError {
            DBusError(noSuchQueueName, "no tube named '\(tube)'")
        }

        /// The store takes no changes now (its commits fail).
        public static func storeUnavailable(_ reason: String) -> DBusError {
            DBusError(storeUnavailableName, reason)
        }

        /// The tube has no worker pool (no queue file configures it).
        public static func noWorkerPool(_ reason: String) -> DBusError {
            DBusError(noWorkerPoolName, reason)
        }
    }
}
