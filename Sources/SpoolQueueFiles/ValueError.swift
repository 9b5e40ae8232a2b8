/// What is wrong with one setting's value; the parser places it at its file and line.
struct ValueError: Error {
    let message: String

    init(_ message: String) {
        self.message = message
    }
}
