import Foundation
import NovyseCore

/// The JSON text of Socket.IO payloads, so every client and the server read and write it the same way.
extension JSONValue {
    /// Parses the JSON part of a packet; nil when it is not one complete JSON value. Top-level scalars are
    /// accepted (an acknowledgement may carry one), as the protocol allows.
    public init?(packetText text: Substring) {
        guard let value = try? JSONValue(parsing: Array(text.utf8)) else { return nil }
        self = value
    }

    /// `value` as a JSON string literal, for packets assembled from text already encoded.
    static func quoted(_ value: String) -> String {
        JSONValue.string(value).jsonText
    }
}
