import Foundation
import HTTPTypes
import NovyseCore
import NovyseService
import Testing

/// One list of error codes: docs/api.md's table, the statuses the HTTP layer sends and the errors the
/// services throw all come from `ErrorCode`.
@Suite struct ErrorCodeTests {
    static let apiDoc = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/api.md")

    /// The `| `CODE` | status | meaning |` rows of docs/api.md's error-code table.
    static func documentedCodes() throws -> [(code: String, status: Int)] {
        let text = try String(contentsOf: apiDoc, encoding: .utf8)
        let section = try #require(text.components(separatedBy: "### Error codes").dropFirst().first)
        return section.split(separator: "\n").prefix { !$0.hasPrefix("#") }.compactMap { line in
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 3, cells[0].hasPrefix("`"), let status = Int(cells[1]) else { return nil }
            return (cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`")), status)
        }
    }

    @Test("docs/api.md lists every code once, with its status, and no other")
    func theDocumentedTableIsTheEnum() throws {
        let documented = try Self.documentedCodes()
        #expect(documented.map(\.code) == ErrorCode.allCases.map(\.rawValue), "the table's codes, in the enum's order")
        for (code, status) in documented {
            #expect(ErrorCode(rawValue: code)?.status == status, "\(code): documented \(status)")
        }
    }

    @Test("every code has a meaning and a client-error or server-error status; the HTTP error carries it")
    func statusesAndMeanings() {
        for code in ErrorCode.allCases {
            #expect((400...599).contains(code.status), "\(code)")
            #expect(!code.meaning.isEmpty, "\(code)")
            #expect(code.rawValue.allSatisfy { $0.isUppercase || $0 == "_" }, "\(code)")
            let error = APIError(code, message: "m")
            #expect(Int(error.status.code) == code.status)
        }
        #expect(APIError(CommandError.notAMember).status == .forbidden)
        #expect(APIError(CommandError.invalid("x", "bad")).status == .badRequest)
        #expect(APIError.unauthorized(.tokenExpired).status == .unauthorized)
        #expect(APIError(.methodNotAllowed, message: "m", allow: ["GET", "POST"]).headers[.allow] == "GET, POST")
    }
}
