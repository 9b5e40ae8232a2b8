@testable import SpoolSandbox
import CSeccomp
import ProcessSupervisor
import SpoolQueueFiles
import XCTest

/// The range-compiled seccomp programs, run by an interpreter of the four
/// classic BPF instructions they use, as the kernel runs them.
final class SyscallRangeFilterTests: XCTestCase {
    private let x86_64: UInt32 = 0xC000_003E
    private let aarch64: UInt32 = 0xC000_00B7

    private struct RanOffTheEnd: Error {
        let instruction: Int
    }

    /// What `program` returns for a call `number` of `architecture` whose
    /// arguments are `arguments` (little-endian, the rest 0).
    private func run(_ program: [UInt8], number: UInt32, architecture: UInt32, arguments: [UInt64] = []) throws -> UInt32 {
        // struct seccomp_data: nr, arch, instruction_pointer, args[6].
        let words = [number, architecture, 0, 0] + (0..<6).flatMap { index -> [UInt32] in
            let value = index < arguments.count ? arguments[index] : 0
            return [UInt32(truncatingIfNeeded: value), UInt32(truncatingIfNeeded: value >> 32)]
        }
        var pc = 0
        var accumulator: UInt32 = 0
        for _ in 0..<program.count {
            let at = pc * 8
            guard at + 8 <= program.count else { throw RanOffTheEnd(instruction: pc) }
            let code = UInt16(program[at]) | UInt16(program[at + 1]) << 8
            let (jumpIfTrue, jumpIfFalse) = (Int(program[at + 2]), Int(program[at + 3]))
            let constant = program[at + 4..<at + 8].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            switch code {
            case 0x20:
                guard constant % 4 == 0, Int(constant / 4) < words.count else { throw RanOffTheEnd(instruction: pc) }
                accumulator = words[Int(constant / 4)]
            case 0x15: pc += accumulator == constant ? jumpIfTrue : jumpIfFalse
            case 0x45: pc += accumulator & constant != 0 ? jumpIfTrue : jumpIfFalse
            case 0x35: pc += accumulator >= constant ? jumpIfTrue : jumpIfFalse
            case 0x06: return constant
            default: XCTFail("unexpected instruction \(code)")
            }
            pc += 1
        }
        XCTFail("no return")
        return 0
    }

    func testEveryNumberGetsItsRangesAction() throws {
        let actions: [Int32: UInt32] = [0: 1, 1: 1, 2: 2, 5: 1, 10: 3, 11: 3, 63: 4]
        let verdicts = actions.mapValues { SyscallRangeFilter.Verdict.action($0) }
        let program = try XCTUnwrap(SyscallRangeFilter.program(architecture: x86_64, verdicts: verdicts, otherwise: 9, foreign: 7))
        for number in UInt32(0)..<200 {
            XCTAssertEqual(try run(program, number: number, architecture: x86_64), actions[Int32(number)] ?? 9, "call \(number)")
        }
        XCTAssertEqual(try run(program, number: 0x3fff_ffff, architecture: x86_64), 9)
        XCTAssertEqual(try run(program, number: 0x4000_0001, architecture: x86_64), 7, "an x32 call")
        XCTAssertEqual(try run(program, number: 1, architecture: 0x4000_0003), 7, "an i386 call")
        let arm = try XCTUnwrap(SyscallRangeFilter.program(architecture: aarch64, verdicts: verdicts, otherwise: 9, foreign: 7))
        XCTAssertEqual(try run(arm, number: 0x4000_0001, architecture: aarch64), 9, "no x32 on aarch64")
        XCTAssertNil(SyscallRangeFilter.program(architecture: 0, verdicts: verdicts, otherwise: 9, foreign: 7))
    }

    func testAnArgumentsBitsDecideWhereAsked() throws {
        let verdicts: [Int32: SyscallRangeFilter.Verdict] = [
            3: .action(1), 4: .argumentBits(index: 0, mask: 0x30, denied: 5, allowed: 1),
            5: .argumentBits(index: 1, mask: 0x1, denied: 6, allowed: 1), 6: .action(1),
        ]
        let program = try XCTUnwrap(SyscallRangeFilter.program(architecture: x86_64, verdicts: verdicts, otherwise: 9, foreign: 7))
        XCTAssertEqual(try run(program, number: 4, architecture: x86_64, arguments: [0x0f]), 1, "no bit of the mask")
        XCTAssertEqual(try run(program, number: 4, architecture: x86_64, arguments: [0x10]), 5)
        XCTAssertEqual(try run(program, number: 4, architecture: x86_64, arguments: [0x1_0000_0020]), 5)
        XCTAssertEqual(try run(program, number: 4, architecture: x86_64, arguments: [0x1_0000_0000]), 1, "only the low half counts")
        XCTAssertEqual(try run(program, number: 5, architecture: x86_64, arguments: [1, 0]), 1, "the second argument's")
        XCTAssertEqual(try run(program, number: 5, architecture: x86_64, arguments: [0, 3]), 6)
        XCTAssertEqual(try run(program, number: 3, architecture: x86_64, arguments: [0x30]), 1, "other calls look at no argument")
        XCTAssertEqual(try run(program, number: 7, architecture: x86_64), 9)
    }

    func testTheStrictFilterAllowsExactlyItsCalls() throws {
        let architecture = cseccomp_native_architecture()
        let program = try XCTUnwrap(SandboxCompiler.filters(for: .strict).first).instructions
        guard architecture != 0 else {
            // libseccomp's program serves this architecture: one comparison per call.
            XCTAssertGreaterThan(program.count / 8, 200)
            return
        }
        XCTAssertLessThan(program.count / 8, 200, "ranges, not one comparison per call")
        let (_, calls) = try SandboxCompiler.systemCalls(SandboxSettings.defaultSystemCallFilter, groups: .systemd)
        let allowed = Set(calls.map { cseccomp_syscall_resolve_name($0) }.filter { $0 >= 0 }.map { UInt32($0) })
        let socket = UInt32(cseccomp_syscall_resolve_name("socket"))
        let refusedAlways = Set(["setns", "clone3"].map { (name: String) in UInt32(cseccomp_syscall_resolve_name(name)) })
        let (clone, unshare) = (UInt32(cseccomp_syscall_resolve_name("clone")), UInt32(cseccomp_syscall_resolve_name("unshare")))
        for number in UInt32(0)..<1024 {
            let expected = number == socket ? cseccomp_act_errno(UInt16(EAFNOSUPPORT))
                : refusedAlways.contains(number) && allowed.contains(number)
                    ? cseccomp_act_errno(UInt16(number == cseccomp_syscall_resolve_name("clone3") ? ENOSYS : EPERM))
                : allowed.contains(number) ? cseccomp_act_allow() : cseccomp_act_kill_process()
            XCTAssertEqual(try run(program, number: number, architecture: architecture), expected, "call \(number)")
        }
        // RestrictNamespaces=yes: a thread or a process, but no namespace.
        let threadFlags: UInt64 = 0x003d_0f00  // CLONE_VM | CLONE_FS | ... | CLONE_SETTLS | CLONE_PARENT_SETTID
        XCTAssertEqual(try run(program, number: clone, architecture: architecture, arguments: [threadFlags]), cseccomp_act_allow())
        XCTAssertEqual(try run(program, number: clone, architecture: architecture, arguments: [17]), cseccomp_act_allow(), "fork: SIGCHLD")
        for flag: UInt64 in [0x0002_0000, 0x1000_0000, 0x4000_0000] {
            XCTAssertEqual(
                try run(program, number: clone, architecture: architecture, arguments: [17 | flag]), cseccomp_act_errno(UInt16(EPERM)))
            XCTAssertEqual(try run(program, number: unshare, architecture: architecture, arguments: [flag]), cseccomp_act_errno(UInt16(EPERM)))
        }
        XCTAssertEqual(try run(program, number: unshare, architecture: architecture, arguments: [0x80]), cseccomp_act_errno(UInt16(EPERM)), "time")
        XCTAssertEqual(try run(program, number: unshare, architecture: architecture, arguments: [0x200]), cseccomp_act_allow(), "CLONE_FS")
        var open = SandboxSettings.strict
        open.restrictNamespaces = false
        let unrestricted = try XCTUnwrap(SandboxCompiler.filters(for: open).first).instructions
        XCTAssertEqual(try run(unrestricted, number: unshare, architecture: architecture, arguments: [0x1000_0000]), cseccomp_act_allow())
    }
}
