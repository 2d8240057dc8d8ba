import Foundation
import NovyseCore

/// Checks a JSON value against a schema of an OpenAPI 3.1 description, so a test can hold a real answer to
/// the description a service serves: what ties the SQL-rendered JSON of the read side to its wire types.
///
/// It knows the keywords those descriptions use (`$ref` into `components/schemas`, `type` and type arrays,
/// `properties`, `required`, `additionalProperties`, `items`, `enum`, `const`, `oneOf`, `anyOf`, `allOf`,
/// numeric and length limits, `pattern`, and the `uuid` and `date-time` formats) and fails on any other, so a
/// schema it cannot judge is never passed silently. Lengths count Unicode code points, as JSON Schema does.
public struct SchemaChecker: Sendable {
    let schemas: [String: JSONValue]

    /// `document` is a whole OpenAPI description; `$ref`s resolve in its `components/schemas`.
    public init(document: JSONValue) {
        schemas = document["components"]?["schemas"]?.objectValue ?? [:]
    }

    /// Every way `value` breaks the component schema `name`, each with the path where it does; empty if none.
    public func violations(of value: JSONValue, against name: String) -> [String] {
        guard let schema = schemas[name] else { return ["no component schema \(name)"] }
        var found: [String] = []
        check(value, schema, at: name, into: &found)
        return found
    }

    private static let known: Set<String> = [
        "$ref", "type", "properties", "required", "additionalProperties", "items", "enum", "const", "oneOf", "anyOf",
        "allOf", "minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems", "pattern", "format",
        "description", "example", "examples", "title", "default",
    ]

    private func check(_ value: JSONValue, _ schema: JSONValue, at path: String, into found: inout [String]) {
        guard case .object(let rules) = schema else {
            if schema != .bool(true) { found.append("\(path): schema is not an object") }
            return
        }
        for key in rules.keys where !Self.known.contains(key) { found.append("\(path): unknown keyword \(key)") }
        if case .string(let reference)? = rules["$ref"] {
            let name = reference.replacingOccurrences(of: "#/components/schemas/", with: "")
            guard let target = schemas[name] else { return found.append("\(path): dangling $ref \(reference)") }
            check(value, target, at: path, into: &found)
        }
        checkType(value, rules, at: path, into: &found)
        if let options = rules["enum"]?.arrayValue, !options.contains(where: { Self.equal($0, value) }) {
            found.append("\(path): \(value.jsonText) is not one of \(JSONValue.array(options).jsonText)")
        }
        if let constant = rules["const"], !Self.equal(constant, value) {
            found.append("\(path): \(value.jsonText) is not \(constant.jsonText)")
        }
        checkCombinations(value, rules, at: path, into: &found)
        switch value {
        case .object(let fields): checkObject(fields, rules, at: path, into: &found)
        case .array(let items): checkArray(items, rules, at: path, into: &found)
        case .string(let text): checkString(text, rules, at: path, into: &found)
        case .integer, .double: checkNumber(value, rules, at: path, into: &found)
        default: break
        }
    }

    private func checkType(_ value: JSONValue, _ rules: [String: JSONValue], at path: String, into found: inout [String]) {
        let types: [String]
        switch rules["type"] {
        case .string(let type)?: types = [type]
        case .array(let list)?: types = list.compactMap { if case .string(let type) = $0 { type } else { nil } }
        default: return
        }
        if !types.contains(where: { Self.matches(value, $0) }) {
            found.append("\(path): \(value.jsonText.prefix(80)) is not of type \(types.joined(separator: "|"))")
        }
    }

    private func checkCombinations(_ value: JSONValue, _ rules: [String: JSONValue], at path: String, into found: inout [String]) {
        func failures(_ schema: JSONValue) -> [String] {
            var branch: [String] = []
            check(value, schema, at: path, into: &branch)
            return branch
        }
        if let options = rules["oneOf"]?.arrayValue {
            let passing = options.filter { failures($0).isEmpty }.count
            if passing != 1 { found.append("\(path): matches \(passing) of oneOf's \(options.count) schemas, not 1") }
        }
        if let options = rules["anyOf"]?.arrayValue, !options.contains(where: { failures($0).isEmpty }) {
            found.append("\(path): matches none of anyOf")
        }
        for schema in rules["allOf"]?.arrayValue ?? [] { found += failures(schema) }
    }

    private func checkObject(_ fields: [String: JSONValue], _ rules: [String: JSONValue], at path: String, into found: inout [String]) {
        let properties: [String: JSONValue]
        if case .object(let declared)? = rules["properties"] { properties = declared } else { properties = [:] }
        for key in rules["required"]?.arrayValue ?? [] {
            if case .string(let name) = key, fields[name] == nil { found.append("\(path): required key \(name) is missing") }
        }
        for (key, field) in fields.sorted(by: { $0.key < $1.key }) {
            if let schema = properties[key] {
                check(field, schema, at: "\(path).\(key)", into: &found)
            } else if rules["additionalProperties"] == .bool(false) {
                found.append("\(path): key \(key) is not in the schema")
            } else if let schema = rules["additionalProperties"], schema != .bool(true) {
                check(field, schema, at: "\(path).\(key)", into: &found)
            }
        }
    }

    private func checkArray(_ items: [JSONValue], _ rules: [String: JSONValue], at path: String, into found: inout [String]) {
        if let least = rules["minItems"]?.int64Value, Int64(items.count) < least { found.append("\(path): fewer than \(least) items") }
        if let most = rules["maxItems"]?.int64Value, Int64(items.count) > most { found.append("\(path): more than \(most) items") }
        guard let schema = rules["items"] else { return }
        for (index, item) in items.enumerated() { check(item, schema, at: "\(path)[\(index)]", into: &found) }
    }

    private func checkString(_ text: String, _ rules: [String: JSONValue], at path: String, into found: inout [String]) {
        if let least = rules["minLength"]?.int64Value, Int64(text.unicodeScalars.count) < least { found.append("\(path): shorter than \(least)") }
        if let most = rules["maxLength"]?.int64Value, Int64(text.unicodeScalars.count) > most { found.append("\(path): longer than \(most)") }
        if case .string(let pattern)? = rules["pattern"] {
            if let expression = try? NSRegularExpression(pattern: pattern) {
                let range = NSRange(text.startIndex..., in: text)
                if expression.firstMatch(in: text, range: range) == nil { found.append("\(path): \(text.prefix(40)) misses /\(pattern)/") }
            } else {
                found.append("\(path): pattern /\(pattern)/ does not compile")
            }
        }
        switch rules["format"] {
        case .string("uuid")?:
            if UUID(uuidString: text) == nil { found.append("\(path): \(text.prefix(40)) is not a UUID") }
        case .string("date-time")?:
            if Self.dateTime.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
                found.append("\(path): \(text.prefix(40)) is not an RFC 3339 date-time")
            }
        default: break
        }
    }

    private func checkNumber(_ value: JSONValue, _ rules: [String: JSONValue], at path: String, into found: inout [String]) {
        guard let number = value.doubleValue else { return }
        if let least = rules["minimum"]?.doubleValue, number < least { found.append("\(path): \(number) is below \(least)") }
        if let most = rules["maximum"]?.doubleValue, number > most { found.append("\(path): \(number) is above \(most)") }
    }

    // swift-format-ignore: NeverForceUnwrap
    private static let dateTime = try! NSRegularExpression(
        pattern: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"#)

    private static func matches(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null): true
        case ("integer", .integer), ("number", .integer), ("number", .double): true
        case ("integer", .double(let number)): number.rounded() == number
        default: false
        }
    }

    /// JSON equality, under which 1 and 1.0 are the same number.
    private static func equal(_ left: JSONValue, _ right: JSONValue) -> Bool {
        if let a = left.doubleValue, let b = right.doubleValue { return a == b }
        return left == right
    }
}
