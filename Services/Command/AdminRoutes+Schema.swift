import Foundation
import NovyseCore

// The admin answers, described for OpenAPI: what their types cannot say (`SchemaDescribed`).

extension AdminRoutes.CreatedUser: SchemaDescribed {
    static var propertyRules: [String: JSONValue] { ["uuid": SchemaPatterns.ref("UUID")] }
    static var example: Self? { Self(uuid: "3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f", handle: "alice", name: "Alice") }
}

extension AdminRoutes.IssuedToken: SchemaDescribed {
    static var propertyRules: [String: JSONValue] { ["token": ["description": "An HS256 access token valid for 24 hours."]] }
    static var example: Self? { Self(token: "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl") }
}
