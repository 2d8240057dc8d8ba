/// `{"success": true, "data": …}`: the success envelope of every JSON answer.
public struct SuccessEnvelope<Payload: Encodable & Sendable>: Encodable, Sendable {
    public let success = true
    public let data: Payload

    public init(_ data: Payload) {
        self.data = data
    }
}

/// `{"success": false, "error": {code, message}}`: what a client gets instead of a stack trace.
public struct ErrorEnvelope: Codable, Sendable, Equatable {
    public struct Body: Codable, Sendable, Equatable {
        public let code: String
        public let message: String
    }

    public var success = false
    public let error: Body

    public init(code: String, message: String) {
        self.error = Body(code: code, message: message)
    }
}
