/// A failure that prevents spoold from starting, told in one line.
struct StartupError: Error {
    let message: String
}
