import Foundation
import NovyseCore
import NovyseStorage

extension UserRepository {
    /// Users with the given display names and unique random handles, for tests that write through the
    /// command store directly (no command service in between).
    public func create(named names: String...) async throws -> [UUID] {
        let tag = UInt32.random(in: 0...UInt32.max)
        var created: [UUID] = []
        for (index, name) in names.enumerated() {
            created.append(try await create(ProfileFields(handle: "u\(index)_\(tag)", name: name)))
        }
        return created
    }
}
