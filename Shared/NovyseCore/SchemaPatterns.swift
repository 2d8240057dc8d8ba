import Foundation

/// Patterns and bounds the schemas of both HTTP services share, so a rule is written once for every field
/// that follows it.
public enum SchemaPatterns {
    /// Largest ID the shared message/event sequence hands out (2^53 − 1), so IDs stay exact as JSON numbers.
    public static let maxID: Int64 = 9_007_199_254_740_991

    /// Text the services refuse NUL in (Postgres stores none).
    public static let noNUL = "^[^\\u0000]*$"
    /// Required names and content: no NUL, and not all whitespace.
    public static let visibleText = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"

    /// Every valid date from 1900-01-01 to the end of last year: the server also takes this year's days up
    /// to today, which a pattern cannot follow.
    public static var birthday: String {
        let lastYear = Calendar(identifier: .gregorian).component(.year, from: Date()) - 1
        let years = (1900...lastYear).map(String.init).joined(separator: "|")
        let leapYears = (1900...lastYear).filter { ($0 % 4 == 0 && $0 % 100 != 0) || $0 % 400 == 0 }.map(String.init)
            .joined(separator: "|")
        let monthDay = "(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8])"
        return "^(?:(?:\(years))-(?:\(monthDay))|(?:\(leapYears))-02-29)$"
    }

    /// `#/components/schemas/<name>`.
    public static func ref(_ name: String, description: String? = nil) -> JSONValue {
        var members: [String: JSONValue] = ["$ref": .string("#/components/schemas/\(name)")]
        if let description { members["description"] = .string(description) }
        return .object(members)
    }

    /// A text rule: length in code points from `range` and a pattern.
    public static func text(_ range: ClosedRange<Int>, pattern: String, description: String? = nil) -> JSONValue {
        var members: [String: JSONValue] = [
            "minLength": .integer(Int64(range.lowerBound)), "maxLength": .integer(Int64(range.upperBound)),
            "pattern": .string(pattern),
        ]
        if range.lowerBound == 0 { members["minLength"] = nil }
        if let description { members["description"] = .string(description) }
        return .object(members)
    }

    /// An ID rule: 1…2^53 − 1.
    public static let id: JSONValue = ["minimum": 1, "maximum": .integer(maxID)]
}
