import Foundation
import HTTPTypes
import Hummingbird
import NovyseCore
import NovyseService
import NovyseStorage
import PostgresNIO

/// `POST /admin/users` and `POST /admin/tokens`: provisioning for development and tests. They sit behind
/// `AdminTokenMiddleware` (`CommandRouter`): they answer only to the configured admin token (header
/// `X-Admin-Token`), and not at all (404) when none is configured.
struct AdminRoutes: Sendable {
    let users: UserRepository
    let tokens: TokenAuthority
    let onCommit: @Sendable () -> Void

    static let header = AdminTokenMiddleware.header

    struct CreatedUser: Codable, Sendable {
        let uuid: String
        let handle: String
        let name: String
    }

    struct IssuedToken: Codable, Sendable {
        let token: String
    }

    func register(on router: some RouterMethods<NovyseRequestContext>) {
        router.post("/admin/users") { request, context in
            let body = try RequestBody.decode(CreateUserRequest.self, from: try await RequestBody.read(request, context: context))
            let profile = try validatedProfile(body)
            let id = try await users.create(profile)
            onCommit()
            return try MutationRoute.json(SuccessEnvelope(CreatedUser(uuid: id.uuidString.lowercased(), handle: profile.handle, name: profile.name)))
        }
        router.post("/admin/tokens") { request, context in
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
}
