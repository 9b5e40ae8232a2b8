/// A method as a contract states it, without an implementation: its name and
/// its arguments' names and types. A server implements it with
/// ``Method/init(_:handler:)``; a client calls it by the same declaration.
public struct MethodDeclaration: Sendable, Equatable {
    /// The method's name.
    public let name: MemberName
    /// What it takes.
    public let inputs: [Argument]
    /// What it returns.
    public let outputs: [Argument]

    /// Declares a method.
    public init(_ name: MemberName, inputs: [Argument] = [], outputs: [Argument] = []) {
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
    }

    /// The signature of a call's arguments.
    public var inputSignature: Signature { inputs.signature }
    /// The signature of a reply's values.
    public var outputSignature: Signature { outputs.signature }
}
