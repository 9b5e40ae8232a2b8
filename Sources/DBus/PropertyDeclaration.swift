/// A property as a contract states it, without an implementation: its name,
/// its type and how its changes are announced. A server implements it with
/// ``Property/init(_:get:set:)``; a client reads it by the same declaration.
public struct PropertyDeclaration: Sendable, Equatable {
    /// The property's name.
    public let name: MemberName
    /// Its complete type.
    public let signature: Signature
    /// How its changes are announced.
    public let emitsChange: Property.ChangeEmission

    /// Declares a property.
    public init(_ name: MemberName, _ signature: Signature, emitsChange: Property.ChangeEmission = .true) {
        self.name = name
        self.signature = signature
        self.emitsChange = emitsChange
    }
}
