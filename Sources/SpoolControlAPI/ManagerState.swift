/// The values of ``ManagerAPI/state``.
public enum ManagerState: String, Sendable, CaseIterable {
    /// Jobs are handed out.
    case running
    /// `Stop` was called: reserves wait and every pool holds.
    case stopped
    /// SIGUSR1: puts are refused.
    case draining
}
