import CHiredis

// Marshalling between Swift values and hiredis' C structures.
extension RedisConnection {
    /// Passes the arguments to hiredis as pointer + length pairs, so values containing NUL bytes or
    /// any binary content go through unchanged.
    static func withArgv<Result>(
        _ arguments: [String],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int>?) -> Result
    ) -> Result {
        let total = arguments.reduce(0) { $0 + $1.utf8.count }
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(total, 1), alignment: 1)
        defer { storage.deallocate() }
        var pointers: [UnsafePointer<CChar>?] = []
        var lengths: [Int] = []
        pointers.reserveCapacity(arguments.count)
        lengths.reserveCapacity(arguments.count)
        var offset = 0
        for argument in arguments {
            var copy = argument
            let count = copy.withUTF8 { bytes in
                UnsafeMutableRawBufferPointer(rebasing: storage[offset..<offset + bytes.count]).copyMemory(from: UnsafeRawBufferPointer(bytes))
                return bytes.count
            }
            pointers.append(storage.baseAddress.map { UnsafePointer(($0 + offset).assumingMemoryBound(to: CChar.self)) })
            lengths.append(count)
            offset += count
        }
        return pointers.withUnsafeMutableBufferPointer { argv in
            lengths.withUnsafeBufferPointer { argvLengths in
                body(Int32(clamping: arguments.count), argv.baseAddress, argvLengths.baseAddress)
            }
        }
    }

    /// Converts a reply tree into `RedisValue`; an error reply anywhere in it is thrown.
    static func value(from reply: UnsafePointer<redisReply>) throws -> RedisValue {
        let node = reply.pointee
        switch node.type {
        case REDIS_REPLY_STRING:
            return .string(text(node))
        case REDIS_REPLY_STATUS:
            return .status(text(node))
        case REDIS_REPLY_INTEGER:
            return .integer(Int(clamping: node.integer))
        case REDIS_REPLY_NIL:
            return .null
        case REDIS_REPLY_ERROR:
            throw RedisError(serverReply: text(node))
        case REDIS_REPLY_ARRAY:
            guard node.elements > 0, let elements = node.element else { return .array([]) }
            var values: [RedisValue] = []
            values.reserveCapacity(node.elements)
            for index in 0..<node.elements {
                guard let child = elements[index] else {
                    values.append(.null)
                    continue
                }
                values.append(try value(from: child))
            }
            return .array(values)
        default:
            throw RedisError.unexpectedReply("unknown hiredis reply type \(node.type)")
        }
    }

    private static func text(_ node: redisReply) -> String {
        guard let start = node.str, node.len > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: start, count: node.len), as: UTF8.self)
    }
}
