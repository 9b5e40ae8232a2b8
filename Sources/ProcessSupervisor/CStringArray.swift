/// Copies of strings as C wants them for `execve`: NUL-terminated, in an
/// array that ends with a null pointer. The copies live as long as the array.
final class CStringArray {
    /// The copies, then `nil`.
    let pointers: [UnsafeMutablePointer<CChar>?]

    init(_ strings: [String]) {
        pointers =
            strings.map { string in
                string.utf8CString.withUnsafeBufferPointer { characters in
                    let copy = UnsafeMutablePointer<CChar>.allocate(capacity: characters.count)
                    copy.initialize(from: characters.baseAddress!, count: characters.count)
                    return copy
                }
            } + [nil]
    }

    deinit {
        for pointer in pointers {
            pointer?.deallocate()
        }
    }
}
