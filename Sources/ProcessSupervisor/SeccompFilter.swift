/// A seccomp filter program a handler runs under: classic BPF instructions
/// (`struct sock_filter`, 8 bytes each), installed in the child just before
/// `execve` (after no_new_privs and the change of user).
public struct SeccompFilter: Sendable, Equatable, Hashable {
    /// The instructions' bytes.
    public let instructions: [UInt8]

    /// A filter from its instructions' bytes.
    /// - Precondition: a whole number of instructions, at most 4,096 (the kernel's limit).
    public init(instructions: [UInt8]) {
        precondition(instructions.count % 8 == 0 && instructions.count / 8 <= 4096, "not a seccomp program")
        self.instructions = instructions
    }
}
