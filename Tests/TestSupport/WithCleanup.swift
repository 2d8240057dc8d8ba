/// Runs `body` with `resource`, then always awaits `cleanup`, also when `body` throws.
///
/// `defer { Task { await stop() } }` looks the same but only schedules the cleanup: the test ends (and the
/// next one starts) while its servers still run, on a machine with two cores to share.
public func withCleanup<Resource, Result>(
    _ resource: Resource,
    _ cleanup: (Resource) async -> Void,
    _ body: (Resource) async throws -> Result
) async throws -> Result {
    let result: Result
    do {
        result = try await body(resource)
    } catch {
        await cleanup(resource)
        throw error
    }
    await cleanup(resource)
    return result
}
