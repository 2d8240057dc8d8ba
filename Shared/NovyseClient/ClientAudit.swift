/// The client's running account of what it applied, so a test (or a debug screen) can assert *while the
/// app runs* that no stream item was applied twice, out of order, or off its chain.
public struct ClientAudit: Sendable, Equatable {
    /// Every broken ordering rule seen, in order. Empty in a correct system.
    public var violations: [String] = []
    /// Stream items applied (messages and events of every kind, entities included).
    public var appliedItems = 0
    /// Update and initialize answers applied.
    public var answersApplied = 0
    /// Update cycles run (initialize included), and how many of them failed.
    public var cycles = 0
    public var failedCycles = 0
    /// Pushed items applied directly, dropped as already held, and those that revealed a gap.
    public var pushesApplied = 0
    public var pushesDuplicate = 0
    public var pushGaps = 0
    /// Answers rolled back because applying them failed (an injected fault, a strict-mode violation).
    public var rolledBack = 0

    public init() {}
}
