import NIOCore
import LibFuzzerDriver
import SpoolProtocol

/// Feeds arbitrary bytes to the beanstalkd command parser, whole and then in
/// two pieces split where the first input byte says, with a maximum job size
/// the second byte chooses. The parser must not crash, must give the same
/// frames either way, and must never hold more than one command line's worth
/// of unparsed bytes outside a body.
runLibFuzzer { data, count in
    guard count >= 2 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 2, count: count - 2))
    let maxJobSize = Int(data[1]) * 4
    let split = bytes.isEmpty ? 0 : Int(data[0]) % (bytes.count + 1)
    let whole = frames(of: [bytes[...]], maxJobSize: maxJobSize)
    let pieces = frames(of: [bytes[..<split], bytes[split...]], maxJobSize: maxJobSize)
    guard whole == pieces else { fatalError("split at \(split) changed the frames: \(whole) vs \(pieces)") }
    return 0
}

private func frames(of pieces: [ArraySlice<UInt8>], maxJobSize: Int) -> [ParsedFrame] {
    var parser = CommandParser(maxJobSize: maxJobSize)
    var buffer = ByteBuffer()
    var frames: [ParsedFrame] = []
    for piece in pieces {
        buffer.writeBytes(piece)
        while let frame = parser.next(&buffer) { frames.append(frame) }
        if !parser.isMidFrame, buffer.readableBytes >= ProtocolLimits.maxLineLength {
            fatalError("\(buffer.readableBytes) bytes left unparsed outside a frame")
        }
    }
    return frames
}
