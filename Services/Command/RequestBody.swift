import Foundation
import Hummingbird
import NIOCore
import NovyseCore
import NovyseService

/// Reads a JSON body strictly: within the size limit (413 beyond it), a JSON object, no keys the request
/// type does not know (so a misspelt field is an error, not silently ignored), then the typed decode whose
/// failures name the offending field.
enum RequestBody {
    static func read(_ request: Request, context: NovyseRequestContext) async throws -> ByteBuffer {
        try await request.collectJSONBody(upTo: context.maxUploadSize)
    }

    static func decode<Body: CommandRequest>(_ type: Body.Type, from buffer: ByteBuffer) throws -> Body {
        let data = Data(buffer.readableBytesView)
        if Body.keys.isEmpty && data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            return try JSONDecoder().decode(Body.self, from: Data("{}".utf8))
        }
        let dictionary = try object(in: data)
        if let unknown = dictionary.keys.sorted().first(where: { !Body.keys.contains($0) }) {
            throw APIError.badRequest(.unknownField, "unknown field \(unknown)")
        }
        do {
            return try JSONDecoder().decode(Body.self, from: data)
        } catch let error as DecodingError {
            throw nameNumberField(in: dictionary, error: error)
        }
    }

    /// A body of any JSON object, for `PATCH /user/profile` whose keys are validated by `ProfileUpdate`.
    static func decodeObject(from buffer: ByteBuffer) throws -> [String: JSONValue] {
        let data = Data(buffer.readableBytesView)
        _ = try object(in: data)
        return try JSONDecoder().decode([String: JSONValue].self, from: data)
    }

    /// The body as a JSON object: `INVALID_BODY` when empty or not an object, `INVALID_JSON` when not JSON.
    static func object(in data: Data) throws -> [String: Any] {
        guard !data.isEmpty else { throw APIError.badRequest(.invalidBody, "a JSON object body is required") }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw APIError.badRequest(.invalidJSON, "the body is not valid JSON")
        }
        guard let dictionary = object as? [String: Any] else {
            throw APIError.badRequest(.invalidBody, "the body must be a JSON object")
        }
        return dictionary
    }

    /// Foundation reports a number that does not fit the field's type (`1.5` or `1e30` for an integer)
    /// without a coding path; name the first such key so the client learns which field is wrong.
    static func nameNumberField(in dictionary: [String: Any], error: DecodingError) -> any Error {
        guard case .dataCorrupted(let context) = error, context.codingPath.isEmpty else { return error }
        for key in dictionary.keys.sorted() {
            guard let number = dictionary[key] as? NSNumber, !(number is Bool) else { continue }
            let double = number.doubleValue
            if double.rounded() != double || abs(double) > 9_007_199_254_740_991 {
                return APIError.badRequest(.invalidBody, "invalid value at \(key): an integer is expected")
            }
        }
        return error
    }
}
