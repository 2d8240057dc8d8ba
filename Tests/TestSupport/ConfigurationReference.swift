import Foundation

/// The environment variables docs/configuration.md documents: every backquoted upper-case name in the first
/// column of its tables. Tests build configurations with a recording `EnvironmentReader` and check that each
/// key the code asks for is among these, so an undocumented setting fails a test instead of surprising an
/// operator.
public enum ConfigurationReference {
    public static let path = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/configuration.md").path

    public static func documentedKeys() throws -> Set<String> {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var keys: Set<String> = []
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let cell = line.dropFirst(2).prefix { $0 != "|" }
            for (index, part) in cell.split(separator: "`", omittingEmptySubsequences: false).enumerated()
            where index % 2 == 1 && part.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) {
                keys.insert(String(part))
            }
        }
        return keys
    }

    /// The keys of `requested` that docs/configuration.md does not list, sorted (empty when all are).
    public static func undocumented(_ requested: Set<String>) throws -> [String] {
        requested.subtracting(try documentedKeys()).sorted()
    }
}
