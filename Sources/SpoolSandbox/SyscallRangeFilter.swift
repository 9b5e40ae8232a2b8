/// A seccomp program that decides by system call number (and for a few
/// calls by bits of an argument), compiled to classic BPF as a
/// binary search over the ranges of numbers that share a verdict.
///
/// The kernel converts and JIT-compiles a filter at every handler's start,
/// and works out which calls it always allows: its cost grows with the
/// program's length. libseccomp's program for `@system-service` without
/// `@privileged` compares each of its 287 calls (373 instructions); on
/// x86_64 the same calls form 33 ranges of consecutive numbers (135
/// instructions; 167 with `RestrictNamespaces=`' checks of `clone` and
/// `unshare`), which halves the cost of installing the filter.
enum SyscallRangeFilter {
    private static let loadWord: UInt16 = 0x20  // BPF_LD | BPF_W | BPF_ABS
    private static let jumpIfEqual: UInt16 = 0x15  // BPF_JMP | BPF_JEQ | BPF_K
    private static let jumpIfAtLeast: UInt16 = 0x35  // BPF_JMP | BPF_JGE | BPF_K
    private static let jumpIfAnyBit: UInt16 = 0x45  // BPF_JMP | BPF_JSET | BPF_K
    private static let returnConstant: UInt16 = 0x06  // BPF_RET | BPF_K
    /// Where `struct seccomp_data` holds the call's number and its architecture.
    private static let numberOffset: UInt32 = 0
    private static let architectureOffset: UInt32 = 4
    /// Where the low 32 bits of an argument are: `args[0]` is at 16, each
    /// 8 bytes, its low half first on a little-endian architecture
    /// (`AUDIT_ARCH_*` has this bit), last on a big-endian one.
    private static let argumentsOffset: UInt32 = 16
    private static let littleEndianBit: UInt32 = 0x4000_0000
    /// x86_64's x32 calls: the same architecture, numbers from this bit up.
    private static let x32Bit: UInt32 = 0x4000_0000
    private static let architectureX86_64: UInt32 = 0xC000_003E

    /// What the program answers for a call.
    enum Verdict: Hashable {
        /// This action (a seccomp return value).
        case action(UInt32)
        /// `denied` when the call's argument `index` has any bit of `mask`
        /// (in its low 32 bits), `allowed` otherwise.
        case argumentBits(index: UInt32, mask: UInt32, denied: UInt32, allowed: UInt32)
    }

    /// One classic BPF instruction.
    private struct Instruction {
        var code: UInt16
        var jumpIfTrue: UInt8 = 0
        var jumpIfFalse: UInt8 = 0
        var constant: UInt32
    }

    /// The program for calls of `architecture` (an `AUDIT_ARCH_*` value):
    /// the call numbers in `verdicts` get theirs, every other number the
    /// action `otherwise`; a call of another architecture (or an x32 call on
    /// x86_64) gets `foreign`. Actions are seccomp's return values. Nil when
    /// the architecture is unknown (0) or the search does not fit classic
    /// BPF's 8-bit jumps; then libseccomp's program serves.
    static func program(
        architecture: UInt32, verdicts: [Int32: Verdict], otherwise: UInt32, foreign: UInt32
    ) -> [UInt8]? {
        guard architecture != 0 else { return nil }
        var program = [
            Instruction(code: loadWord, constant: architectureOffset),
            Instruction(code: jumpIfEqual, jumpIfTrue: 1, constant: architecture),
            Instruction(code: returnConstant, constant: foreign),
            Instruction(code: loadWord, constant: numberOffset),
        ]
        if architecture == architectureX86_64 {
            program += [
                Instruction(code: jumpIfAtLeast, jumpIfFalse: 1, constant: x32Bit),
                Instruction(code: returnConstant, constant: foreign),
            ]
        }
        let lowHalf: UInt32 = architecture & littleEndianBit != 0 ? 0 : 4
        guard let search = search(ranges(verdicts, otherwise: .action(otherwise))[...], lowHalf: lowHalf) else { return nil }
        return (program + search).flatMap { instruction in
            withUnsafeBytes(of: instruction.code.littleEndian) { Array($0) } + [instruction.jumpIfTrue, instruction.jumpIfFalse]
                + withUnsafeBytes(of: instruction.constant.littleEndian) { Array($0) }
        }
    }

    /// The numbers as ranges `(first, action)`, each up to the next one's
    /// first: from 0, and past the highest number back to `otherwise`.
    private static func ranges(_ actions: [Int32: Verdict], otherwise: Verdict) -> [(first: UInt32, action: Verdict)] {
        var ranges = [(first: UInt32(0), action: otherwise)]
        var next = UInt32(0)
        for (number, action) in actions.filter({ $0.key >= 0 }).sorted(by: { $0.key < $1.key }) {
            let number = UInt32(number)
            if number != next, ranges.last?.action != otherwise { ranges.append((next, otherwise)) }
            if ranges.last?.action != action {
                if ranges.last?.first == number { ranges.removeLast() }
                ranges.append((number, action))
            }
            next = number + 1
        }
        if ranges.last?.action != otherwise { ranges.append((next, otherwise)) }
        return ranges
    }

    /// A binary search over `ranges` (the number in the accumulator) that
    /// returns the verdict of the range holding it (an argument's low half
    /// `lowHalf` bytes into it); nil when a jump is too far.
    private static func search(_ ranges: ArraySlice<(first: UInt32, action: Verdict)>, lowHalf: UInt32) -> [Instruction]? {
        guard ranges.count > 1 else {
            switch ranges.first!.action {
            case .action(let action):
                return [Instruction(code: returnConstant, constant: action)]
            case .argumentBits(let index, let mask, let denied, let allowed):
                return [
                    Instruction(code: loadWord, constant: argumentsOffset + 8 * index + lowHalf),
                    Instruction(code: jumpIfAnyBit, jumpIfTrue: 0, jumpIfFalse: 1, constant: mask),
                    Instruction(code: returnConstant, constant: denied),
                    Instruction(code: returnConstant, constant: allowed),
                ]
            }
        }
        let middle = ranges.startIndex + ranges.count / 2
        guard let below = search(ranges[..<middle], lowHalf: lowHalf), let above = search(ranges[middle...], lowHalf: lowHalf),
            below.count <= Int(UInt8.max)
        else { return nil }
        return [Instruction(code: jumpIfAtLeast, jumpIfTrue: UInt8(below.count), constant: ranges[middle].first)] + below + above
    }
}
