#if canImport(Glibc)
import Glibc
#endif

/// What a harness checks for one input: libFuzzer's LLVMFuzzerTestOneInput.
public typealias FuzzTarget = @convention(c) (UnsafePointer<UInt8>, Int) -> CInt

@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ target: FuzzTarget
) -> CInt

/// Runs libFuzzer on `target` with this process's command line and exits
/// with its status. SwiftPM gives an executable its own `main`, so a harness
/// starts libFuzzer's driver from there instead of linking libFuzzer's main.
public func runLibFuzzer(_ target: FuzzTarget) -> Never {
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(runDriver(&argc, &argv, target))
}
