import Foundation

extension SchemaDerivation {
    /// The decoder `shape(of:)` runs a type's `init(from:)` against. Only keyed objects are derivable: a type
    /// that decodes itself from a single value or an array must be a leaf, a `SchemaEnumeration` or an array.
    struct RecordingDecoder: Decoder {
        let recorder: Recorder
        let codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            KeyedDecodingContainer(RecordingContainer<Key>(recorder: recorder, codingPath: codingPath))
        }

        func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
            throw Failure(description: "\(path): decodes from an array; only keyed objects are derivable")
        }

        func singleValueContainer() throws -> any SingleValueDecodingContainer {
            throw Failure(
                description: "\(path): decodes from a single value; make it a leaf type or a SchemaEnumeration"
            )
        }

        var path: String { codingPath.map(\.stringValue).joined(separator: ".").ifEmpty("the top level") }
    }

    struct RecordingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let recorder: Recorder
        let codingPath: [any CodingKey]
        var allKeys: [Key] { [] }

        func contains(_ key: Key) -> Bool { true }

        func decodeNil(forKey key: Key) throws -> Bool {
            throw Failure(description: "\(key.stringValue): decodeNil is not derivable; use decodeIfPresent")
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try present(type, key) }
        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? { try optional(type, key) }

        // The primitive overloads: without them, the defaults of `decodeIfPresent` would ask `decodeNil`.
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try present(type, key) }
        func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try optional(type, key) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try present(type, key) }
        func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try optional(type, key) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try present(type, key) }
        func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try optional(type, key) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try present(type, key) }
        func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { try optional(type, key) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try present(type, key) }
        func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try optional(type, key) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try present(type, key) }
        func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try optional(type, key) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try present(type, key) }
        func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try optional(type, key) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try present(type, key) }
        func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try optional(type, key) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try present(type, key) }
        func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try optional(type, key) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try present(type, key) }
        func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try optional(type, key) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try present(type, key) }
        func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try optional(type, key) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try present(type, key) }
        func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try optional(type, key) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try present(type, key) }
        func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try optional(type, key) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try present(type, key) }
        func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try optional(type, key) }

        private func present<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T {
            let (value, schema) = try SchemaDerivation.sample(of: type)
            record(key, schema, required: true)
            return value
        }

        private func optional<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T? {
            let (_, schema) = try SchemaDerivation.sample(of: type)
            record(key, SchemaDerivation.nullable(schema), required: false)
            return nil
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            throw Failure(description: "\(key.stringValue): nested containers are not derivable; decode a nested type")
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            throw Failure(description: "\(key.stringValue): nested containers are not derivable; decode an array type")
        }

        func superDecoder() throws -> any Decoder { throw Failure(description: "superDecoder is not derivable") }
        func superDecoder(forKey key: Key) throws -> any Decoder { throw Failure(description: "superDecoder is not derivable") }

        private func record(_ key: Key, _ schema: JSONValue, required: Bool) {
            recorder.properties[key.stringValue] = schema
            if required, !recorder.required.contains(key.stringValue) { recorder.required.append(key.stringValue) }
        }
    }
}

extension String {
    fileprivate func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
