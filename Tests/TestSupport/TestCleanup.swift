import Foundation

/// Stops servers the tests started when the test process exits normally; `Shell.killWhenParentDies`
/// covers the abnormal exits.
public enum TestCleanup {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var actions: [@Sendable () -> Void] = []
    private static let installed: Bool = {
        atexit { TestCleanup.runAll() }
        return true
    }()

    public static func register(_ action: @escaping @Sendable () -> Void) {
        lock.lock()
        defer { lock.unlock() }
        _ = installed
        actions.append(action)
    }

    static func runAll() {
        lock.lock()
        let pending = actions
        actions = []
        lock.unlock()
        pending.reversed().forEach { $0() }
    }
}
