import Foundation
import NovyseCore

/// Reads the `sub` claim of an access token without verifying it (the server verifies; the client only
/// needs to know whose mirror this is before the first answer arrives).
enum JWTSubject {
    static func user(of token: String) -> UUID? {
        let parts = token.split(separator: ".")
        guard parts.count >= 2 else { return nil }
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64) else { return nil }
        return JSONValue.parse(data)?.objectValue?["sub"]?.uuidValue
    }
}
