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

    /// What `program` returns for a call `number` of `architecture`.
    private func run(_ program: [UInt8], number: UInt32, architecture: UInt32) throws -> UInt32 {
        var pc = 0
        var accumulator: UInt32 = 0
        for _ in 0..<program.count {
            let at = pc * 8
            guard at + 8 <= program.count else { throw RanOffTheEnd(instruction: pc) }
            let code = UInt16(program[at]) | UInt16(program[at + 1]) << 8
            let (jumpIfTrue, jumpIfFalse) = (Int(program[at + 2]), Int(program[at + 3]))
            let constant = program[at + 4..<at + 8].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            switch code {
            case 0x20: accumulator = constant == 0 ? number : constant == 4 ? architecture : 0xdead
            case 0x15: pc += accumulator == constant ? jumpIfTrue : jumpIfFalse
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
        let program = try XCTUnwrap(SyscallRangeFilter.program(architecture: x86_64, actions: actions, otherwise: 9, foreign: 7))
        for number in UInt32(0)..<200 {
            XCTAssertEqual(try run(program, number: number, architecture: x86_64), actions[Int32(number)] ?? 9, "call \(number)")
        }
        XCTAssertEqual(try run(program, number: 0x3fff_ffff, architecture: x86_64), 9)
        XCTAssertEqual(try run(program, number: 0x4000_0001, architecture: x86_64), 7, "an x32 call")
        XCTAssertEqual(try run(program, number: 1, architecture: 0x4000_0003), 7, "an i386 call")
        let arm = try XCTUnwrap(SyscallRangeFilter.program(architecture: aarch64, actions: actions, otherwise: 9, foreign: 7))
        XCTAssertEqual(try run(arm, number: 0x4000_0001, architecture: aarch64), 9, "no x32 on aarch64")
        XCTAssertNil(SyscallRangeFilter.program(architecture: 0, actions: actions, otherwise: 9, foreign: 7))
    }

    func testTheStrictFilterAllowsExactlyItsCalls() throws {
        let architecture = cseccomp_native_architecture()
        let program = try XCTUnwrap(SandboxCompiler.filters(for: .strict).first).instructions
        guard architecture != 0 else {
            // libseccomp's program serves this architecture: one comparison per call.
            XCTAssertGreaterThan(program.count / 8, 160)
            return
        }
        XCTAssertLessThan(program.count / 8, 160, "ranges, not one comparison per call")
        let (_, calls) = try SandboxCompiler.systemCalls(SandboxSettings.defaultSystemCallFilter, groups: .systemd)
        let allowed = Set(calls.map { cseccomp_syscall_resolve_name($0) }.filter { $0 >= 0 }.map { UInt32($0) })
        let socket = UInt32(cseccomp_syscall_resolve_name("socket"))
        for number in UInt32(0)..<1024 {
            let expected = number == socket ? cseccomp_act_errno(UInt16(EAFNOSUPPORT))
                : allowed.contains(number) ? cseccomp_act_allow() : cseccomp_act_kill_process()
            XCTAssertEqual(try run(program, number: number, architecture: architecture), expected, "call \(number)")
        }
    }
}
