import Foundation
import Logging
import NovyseCore

/// One JSON object per line on standard error, so log shippers parse fields instead of regex-ing text.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private static let lock = NSLock()

    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var line = "{\"ts\":\"\(Timestamp.format(Date()))\",\"level\":\"\(event.level)\""
        line += ",\"logger\":" + Self.quote(label) + ",\"msg\":" + Self.quote(event.message.description)
        for key in merged.keys.sorted() where !["ts", "level", "logger", "msg"].contains(key) {
            line += "," + Self.quote(key) + ":" + Self.render(merged[key]!)
        }
        if event.level >= .error { line += ",\"source\":" + Self.quote("\(event.file):\(event.line)") }
        line += "}\n"
        Self.lock.lock()
        defer { Self.lock.unlock() }
        FileHandle.standardError.write(Data(line.utf8))
    }

    private static func render(_ value: Logger.MetadataValue) -> String { json(value).jsonText }

    private static func json(_ value: Logger.MetadataValue) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let values): .array(values.map(json))
        case .dictionary(let entries): .object(entries.mapValues(json))
        }
    }

    static func quote(_ text: String) -> String { JSONValue.string(text).jsonText }
}
