/// Whether a ``JobStore`` can take more changes. The server consults it
/// before a command that would stage a record, and refuses the command with
/// beanstalkd's error instead of applying it.
public enum StoreCondition: Sendable, Equatable {
    /// Commits succeed and space is plentiful.
    case healthy
    /// Space is nearly exhausted: new jobs are refused (`OUT_OF_MEMORY`);
    /// deletes and every other change are still taken, and free space.
    case full
    /// Commits fail (disk full, read-only file system, I/O error): every
    /// change is refused (`OUT_OF_MEMORY` for puts, `INTERNAL_ERROR` for the
    /// rest) until a commit succeeds again. Reads and reserves keep working.
    case failing
}
