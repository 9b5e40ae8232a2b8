import NIOCore
import XCTest

@testable import SpoolStore

/// When a commit of puts alone waits for a consumer's change to share its fsync.
final class CommitPairingTests: XCTestCase {
    func testPutsWaitOnlyWhileConsumersAreAtWork() {
        var pairing = CommitPairing()
        XCTAssertFalse(pairing.waits(onLoop: true), "a producer alone never waits")
        pairing.stagedChange()
        pairing.commitStarted()
        XCTAssertFalse(pairing.waits(onLoop: true), "the consumer's change is still being committed")
        pairing.commitFinished()
        XCTAssertTrue(pairing.waits(onLoop: true), "the latest commit carried a delete: the next one is coming")
        XCTAssertFalse(pairing.waits(onLoop: false), "commits on the writer thread are shared anyway")
        pairing.stagedChange()
        XCTAssertFalse(pairing.waits(onLoop: true), "a consumer's change is staged: commit now")
    }

    func testAPutSomeoneReservedDoesNotWait() {
        var pairing = CommitPairing()
        pairing.stagedChange()
        pairing.commitStarted()
        pairing.commitFinished()
        pairing.expedite()
        XCTAssertFalse(pairing.waits(onLoop: true), "a reserve waits for the put")
        pairing.commitStarted()
        pairing.commitFinished()
        XCTAssertFalse(pairing.waits(onLoop: true), "that commit carried puts alone: no consumer at work")
    }

    func testTheWaitLastsAsLongAsTheLatestCommitWithinBounds() {
        let pairing = CommitPairing(shortestWait: .microseconds(50), longestWait: .milliseconds(1))
        XCTAssertEqual(pairing.wait(afterCommitOf: 0.000_2), .microseconds(200))
        XCTAssertEqual(pairing.wait(afterCommitOf: 0.000_001), .microseconds(50))
        XCTAssertEqual(pairing.wait(afterCommitOf: 0.5), .milliseconds(1))
        XCTAssertEqual(pairing.wait(afterCommitOf: .infinity), .milliseconds(1))
    }
}
