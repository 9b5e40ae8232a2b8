/// What a test needs from the machine and did not get; the test fails with it.
struct TestRequirement: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
