import Foundation
import HTTPTypes
import Hummingbird
import NovyseCore
import NovyseService
import NovyseStorage
import PostgresNIO

/// `POST /admin/users` and `POST /admin/tokens`: provisioning for development and tests. They answer only
/// to the configured admin token (header `X-Admin-Token`), and not at all (404) when none is configured.
struct AdminRoutes: Sendable {
    let adminToken: String?
    let users: UserRepository
    let tokens: TokenAuthority
    let onCommit: @Sendable () -> Void
    /// Charges wrong admin tokens to the caller's address (guessing is slowed); nil when off.
    var rateLimits: WriteRateLimits? = nil

    static let header = HTTPField.Name("X-Admin-Token")!

    struct CreatedUser: Codable, Sendable {
        let uuid: String
        let handle: String
        let name: String
    }

    struct IssuedToken: Codable, Sendable {
        let token: String
    }

    func register(on router: Router<NovyseRequestContext>) {
        router.post("/admin/users") { request, context in
            try await authorize(request, context: context)
            let body = try RequestBody.decode(CreateUserRequest.self, from: try await RequestBody.read(request, context: context))
            let profile = try validatedProfile(body)
            let id = try await users.create(profile)
            onCommit()
            return try MutationRoute.json(SuccessEnvelope(CreatedUser(uuid: id.uuidString.lowercased(), handle: profile.handle, name: profile.name)))
        }
        router.post("/admin/tokens") { request, context in
            try await authorize(request, context: context)
            let body = try RequestBody.decode(IssueTokenRequest.self, from: try await RequestBody.read(request, context: context))
            guard !body.deviceID.isEmpty, body.deviceID.utf8.count <= 128 else {
                throw CommandError.invalid("deviceID", "1–128 characters")
            }
            guard tokens.canSign else {
                throw APIError(.notFound, message: "token issuing needs NOVYSE_JWT_SECRET")
            }
            guard try await users.exists(body.userUUID) else { throw CommandError.unknownUser }
            let token = try await tokens.issue(userID: body.userUUID, deviceID: body.deviceID)
            return try MutationRoute.json(SuccessEnvelope(IssuedToken(token: token)))
        }
    }

    private func authorize(_ request: Request, context: NovyseRequestContext) async throws {
        guard let adminToken else {
            throw APIError(.notFound, message: "no such endpoint")
        }
        guard let given = request.headers[Self.header], Self.constantTimeEqual(given, adminToken) else {
            try await rateLimits?.chargeUnauthenticated(request, context: context)
            throw APIError(.adminTokenRequired, message: "a valid X-Admin-Token is required")
        }
    }

    private func validatedProfile(_ body: CreateUserRequest) throws -> ProfileFields {
        var fields: [String: JSONValue] = ["handle": .string(body.handle), "name": .string(body.name)]
        if let surname = body.surname { fields["surname"] = .string(surname) }
        if let biography = body.biography { fields["biography"] = .string(biography) }
        if let birthday = body.birthday { fields["birthday"] = .string(birthday) }
        if let color = body.color { fields["color"] = .string(color) }
        _ = try ProfileUpdate(body: fields)  // the same field rules as PATCH /user/profile
        return ProfileFields(
            handle: body.handle, name: body.name, surname: body.surname ?? "", biography: body.biography ?? "",
            profilePictureUUID: body.profilePictureUUID, bannerPictureUUID: body.bannerPictureUUID,
            birthday: body.birthday, color: body.color?.uppercased()
        )
    }

    static func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8)
        let b = Array(rhs.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}
