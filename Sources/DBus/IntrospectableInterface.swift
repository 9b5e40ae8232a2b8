/// `org.freedesktop.DBus.Introspectable`: `Introspect` describes the object
/// at a path — its own interfaces, the standard ones, and its child nodes —
/// in the D-Bus introspection XML format.
public enum IntrospectableInterface {
    /// `org.freedesktop.DBus.Introspectable`.
    public static let name: InterfaceName = "org.freedesktop.DBus.Introspectable"
    /// `Introspect() → s xml_data`.
    public static let introspect: MemberName = "Introspect"

    static func answer(_ member: MemberName, message: Message, path: ObjectPath, server: ObjectServer) throws -> [DBusValue] {
        guard member == introspect else { throw DBusError.unknownMethod("\(name) has no method \(member)") }
        try StandardInterfaces.check(message, "")
        return [.string(xml(path: path, server: server))]
    }

    /// The introspection document for `path`.
    static func xml(path: ObjectPath, server: ObjectServer) -> String {
        var xml = """
            <!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
            <node>

            """
        xml += standard
        if server.isManager(path) { xml += objectManager }
        for interface in (server.interfaces(at: path) ?? [:]).values.sorted(by: { $0.name < $1.name }) {
            xml += describe(interface)
        }
        for child in server.children(of: path) {
            xml += " <node name=\"\(escape(child))\"/>\n"
        }
        return xml + "</node>\n"
    }

    private static func describe(_ interface: Interface) -> String {
        var xml = " <interface name=\"\(interface.name)\">\n"
        for method in interface.methods {
            xml += "  <method name=\"\(method.name)\">\n"
            xml += method.inputs.map { "   <arg name=\"\(escape($0.name))\" type=\"\(escape($0.signature.rawValue))\" direction=\"in\"/>\n" }.joined()
            xml += method.outputs.map { "   <arg name=\"\(escape($0.name))\" type=\"\(escape($0.signature.rawValue))\" direction=\"out\"/>\n" }.joined()
            xml += "  </method>\n"
        }
        for signal in interface.signals {
            xml += "  <signal name=\"\(signal.name)\">\n"
            xml += signal.arguments.map { "   <arg name=\"\(escape($0.name))\" type=\"\(escape($0.signature.rawValue))\"/>\n" }.joined()
            xml += "  </signal>\n"
        }
        for property in interface.properties {
            xml += "  <property name=\"\(property.name)\" type=\"\(escape(property.signature.rawValue))\" access=\"\(property.set == nil ? "read" : "readwrite")\">\n"
            xml += "   <annotation name=\"org.freedesktop.DBus.Property.EmitsChangedSignal\" value=\"\(property.emitsChange.rawValue)\"/>\n"
            xml += "  </property>\n"
        }
        return xml + " </interface>\n"
    }

    /// XML's five special characters, escaped.
    private static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    private static let standard = """
         <interface name="org.freedesktop.DBus.Introspectable">
          <method name="Introspect">
           <arg name="xml_data" type="s" direction="out"/>
          </method>
         </interface>
         <interface name="org.freedesktop.DBus.Peer">
          <method name="Ping"/>
          <method name="GetMachineId">
           <arg name="machine_uuid" type="s" direction="out"/>
          </method>
         </interface>
         <interface name="org.freedesktop.DBus.Properties">
          <method name="Get">
           <arg name="interface_name" type="s" direction="in"/>
           <arg name="property_name" type="s" direction="in"/>
           <arg name="value" type="v" direction="out"/>
          </method>
          <method name="GetAll">
           <arg name="interface_name" type="s" direction="in"/>
           <arg name="props" type="a{sv}" direction="out"/>
          </method>
          <method name="Set">
           <arg name="interface_name" type="s" direction="in"/>
           <arg name="property_name" type="s" direction="in"/>
           <arg name="value" type="v" direction="in"/>
          </method>
          <signal name="PropertiesChanged">
           <arg name="interface_name" type="s"/>
           <arg name="changed_properties" type="a{sv}"/>
           <arg name="invalidated_properties" type="as"/>
          </signal>
         </interface>

        """

    private static let objectManager = """
         <interface name="org.freedesktop.DBus.ObjectManager">
          <method name="GetManagedObjects">
           <arg name="object_paths_interfaces_and_properties" type="a{oa{sa{sv}}}" direction="out"/>
          </method>
          <signal name="InterfacesAdded">
           <arg name="object_path" type="o"/>
           <arg name="interfaces_and_properties" type="a{sa{sv}}"/>
          </signal>
          <signal name="InterfacesRemoved">
           <arg name="object_path" type="o"/>
           <arg name="interfaces" type="as"/>
          </signal>
         </interface>

        """
}
