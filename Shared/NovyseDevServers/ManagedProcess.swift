import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A long-running child (a service started by `novysectl dev` or by a test) whose output is prefixed line by
/// line or captured, and which is killed if this process dies first.
public final class ManagedProcess: @unchecked Sendable {
    public enum Output: Sendable {
        /// Copy each line to standard output behind `[name] `.
        case prefixed(String)
        /// Keep the output in memory (see `capturedOutput`).
        case captured
    }

    private let process = Process()
    private let lock = NSLock()
    private var captured = Data()
    private var partialLine = Data()
    /// Set at end of file on the output pipe: everything the child wrote has been consumed.
    private var outputClosed = false
    private let output: Output
    public let name: String

    public init(name: String, executable: String, arguments: [String] = [], environment: [String: String], output: Output) {
        self.name = name
        self.output = output
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
    }

    public func start() throws {
        guard FileManager.default.isExecutableFile(atPath: process.executableURL?.path ?? "") else {
            throw DevServerError.binaryNotFound(process.executableURL?.path ?? name)
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                self?.flushPartialLine()
                self?.markOutputClosed()
            } else {
                self?.consume(data)
            }
        }
        try Shell.withDefaultSignalMask { try process.run() }
        Shell.killWhenParentDies(pid: process.processIdentifier)
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    public var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }

    public var capturedOutput: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: captured + partialLine, as: UTF8.self)
    }

    public func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits for exit up to `timeout`; returns the exit status, or nil if still running.
    ///
    /// The exit is seen before the pipe's reader has consumed the child's last lines, so after the exit it
    /// also waits for the end of the output (up to `outputGrace` more: a grandchild that inherited the pipe
    /// can hold it open), and `capturedOutput` then holds everything the child wrote.
    public func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            await Task.yieldingSleep(.milliseconds(20))
        }
        guard !process.isRunning else { return nil }
        let outputDeadline = ContinuousClock.now + Self.outputGrace
        while !isOutputClosed && ContinuousClock.now < outputDeadline {
            await Task.yieldingSleep(.milliseconds(10))
        }
        return process.terminationStatus
    }

    static let outputGrace: Duration = .seconds(30)

    private var isOutputClosed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return outputClosed
    }

    private func markOutputClosed() {
        lock.lock()
        defer { lock.unlock() }
        outputClosed = true
    }

    /// SIGTERM, then SIGKILL if it has not exited within `grace`.
    @discardableResult
    public func stop(grace: Duration = .seconds(15)) async -> Int32? {
        signal(SIGTERM)
        if let status = await waitForExit(timeout: grace) { return status }
        signal(SIGKILL)
        return await waitForExit(timeout: .seconds(5))
    }

    private func consume(_ data: Data) {
        lock.lock()
        defer { lock.unlock() }
        switch output {
        case .captured:
            captured.append(data)
        case .prefixed(let prefix):
            partialLine.append(data)
            while let newline = partialLine.firstIndex(of: UInt8(ascii: "\n")) {
                let line = partialLine[partialLine.startIndex..<newline]
                FileHandle.standardOutput.write(Data("[\(prefix)] ".utf8) + line + Data([0x0A]))
                partialLine = Data(partialLine[partialLine.index(after: newline)...])
            }
        }
    }

    private func flushPartialLine() {
        lock.lock()
        defer { lock.unlock() }
        if case .prefixed(let prefix) = output, !partialLine.isEmpty {
            FileHandle.standardOutput.write(Data("[\(prefix)] ".utf8) + partialLine + Data([0x0A]))
            partialLine = Data()
        }
    }
}
