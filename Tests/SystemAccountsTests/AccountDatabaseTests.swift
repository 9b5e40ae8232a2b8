import Glibc
import SystemAccounts
import XCTest

final class AccountDatabaseTests: XCTestCase {
    /// A lookup that needs more room than the first buffer gets a bigger one.
    func testTheBufferGrowsWhileTheLookupSaysERANGE() throws {
        var sizes: [Int] = []
        let gid = try AccountDatabase.lookUp({ (entry: UnsafeMutablePointer<group>, _, size, found) -> Int32 in
            sizes.append(size)
            guard size >= 16_384 else { return ERANGE }
            entry.pointee.gr_gid = 4242
            found.pointee = entry
            return 0
        }, \.gr_gid)
        XCTAssertEqual(gid, 4242)
        XCTAssertEqual(sizes, [1024, 4096, 16_384])
    }

    /// No entry is nil; a failed lookup throws its error number.
    func testNoEntryIsNilAndAFailureThrows() throws {
        let missing = try AccountDatabase.lookUp({ (_: UnsafeMutablePointer<group>, _, _, found) -> Int32 in
            found.pointee = nil
            return 0
        }, \.gr_gid)
        XCTAssertNil(missing)
        XCTAssertThrowsError(try AccountDatabase.lookUp({ (_: UnsafeMutablePointer<group>, _, _, _) -> Int32 in EIO }, \.gr_gid)) {
            XCTAssertEqual(($0 as? AccountLookupError)?.code, EIO)
        }
    }

    /// The real databases: root is uid 0 and group root is gid 0.
    func testRootIsFoundByNameAndByID() throws {
        XCTAssertEqual(try AccountDatabase.lookUp({ getgrnam_r("root", $0, $1, $2, $3) }, \.gr_gid), 0)
        let name = try AccountDatabase.lookUp({ getpwuid_r(0, $0, $1, $2, $3) }) { String(cString: $0.pw_name) }
        XCTAssertEqual(name, "root")
        XCTAssertNil(try AccountDatabase.lookUp({ getpwnam_r("spool-no-such-user", $0, $1, $2, $3) }, \.pw_uid))
    }
}
