import Foundation
import Hummingbird
import NovyseCore
import NovyseService
import NovyseStorage

/// The mutation endpoints of `api.md`, each a line binding method, path, body type, validation and the
/// storage operation. They are registered on a group behind `AuthenticationMiddleware` (`CommandRouter`).
struct CommandRoutes: Sendable {
    let route: MutationRoute

    func register(on router: some RouterMethods<NovyseRequestContext>) {
        registerChats(on: router)
        registerMessages(on: router)
        registerSettings(on: router)
    }

    private func registerChats(on router: some RouterMethods<NovyseRequestContext>) {
        router.post("/chat/create") { request, context in
            try await route.handle(request, context: context, body: CreateChatRequest.self, validate: Validate.createChat) {
                store, principal, body, connection in
                try await store.createChat(
                    by: principal.userID, type: body.type, members: body.memberUUIDs, name: body.name, on: connection
                )
            }
        }
        router.post("/chat/members") { request, context in
            try await route.handle(request, context: context, body: ChatMemberRequest.self) { store, principal, body, connection in
                try await store.addMember(body.userUUID, to: body.chatUUID, by: principal.userID, on: connection)
            }
        }
        router.delete("/chat/members") { request, context in
            try await route.handle(request, context: context, body: ChatMemberRequest.self) { store, principal, body, connection in
                try await store.removeMember(body.userUUID, from: body.chatUUID, by: principal.userID, on: connection)
            }
        }
        router.put("/chat/members/role") { request, context in
            try await route.handle(request, context: context, body: ChatRoleRequest.self) { store, principal, body, connection in
                try await store.setRole(body.role, of: body.userUUID, in: body.chatUUID, by: principal.userID, on: connection)
            }
        }
        router.post("/chat/leave") { request, context in
            try await route.handle(request, context: context, body: ChatRequest.self) { store, principal, body, connection in
                try await store.removeMember(principal.userID, from: body.chatUUID, by: principal.userID, on: connection)
            }
        }
    }

    private func registerMessages(on router: some RouterMethods<NovyseRequestContext>) {
        router.post("/message") { request, context in
            try await route.handle(
                request, context: context, body: SendMessageRequest.self, singleStatement: true,
                validate: { try Validate.content($0.content) }
            ) {
                store, principal, body, connection in
                try await store.sendMessage(
                    chat: body.chatUUID, sender: principal.userID, content: body.content,
                    clientMessageID: body.clientMessageID, on: connection
                )
            }
        }
        router.patch("/message") { request, context in
            try await route.handle(
                request, context: context, body: EditMessageRequest.self,
                validate: {
                    try Validate.messageID($0.messageID)
                    try Validate.content($0.content)
                }
            ) { store, principal, body, connection in
                try await store.editMessage(body.messageID, in: body.chatUUID, content: body.content, by: principal.userID, on: connection)
            }
        }
        router.delete("/message") { request, context in
            try await route.handle(request, context: context, body: MessageRequest.self, validate: { try Validate.messageID($0.messageID) }) {
                store, principal, body, connection in
                try await store.deleteMessage(body.messageID, in: body.chatUUID, by: principal.userID, on: connection)
            }
        }
        for (method, present) in [(HTTPRequest.Method.put, true), (.delete, false)] {
            router.on("/message/reaction", method: method) { request, context in
                try await route.handle(
                    request, context: context, body: ReactionRequest.self,
                    validate: {
                        try Validate.messageID($0.messageID)
                        try Validate.reaction($0.reaction)
                    }
                ) { store, principal, body, connection in
                    try await store.setReaction(
                        body.reaction, on: body.messageID, in: body.chatUUID, by: principal.userID, present: present,
                        on: connection
                    )
                }
            }
            router.on("/message/pin", method: method) { request, context in
                try await route.handle(request, context: context, body: MessageRequest.self, validate: { try Validate.messageID($0.messageID) }) {
                    store, principal, body, connection in
                    try await store.setPinned(present, messageID: body.messageID, in: body.chatUUID, by: principal.userID, on: connection)
                }
            }
        }
    }

    private func registerSettings(on router: some RouterMethods<NovyseRequestContext>) {
        router.patch("/user/profile") { request, context in
            let principal = try context.requirePrincipal()
            let buffer = try await RequestBody.read(request, context: context)
            let object = try RequestBody.decodeObject(from: buffer)
            let update = try ProfileUpdate(body: object)
            return try await route.commit(request, canonicalBody: JSONValue.object(object).jsonText, principal: principal) {
                store, connection in
                try await store.updateProfile(of: principal.userID, update, on: connection)
            }
        }
        router.put("/chat/pin") { request, context in
            try await route.handle(request, context: context, body: PinChatRequest.self, validate: { try Validate.position($0.position) }) {
                store, principal, body, connection in
                try await store.pinChat(body.chatUUID, position: body.position, user: principal.userID, device: principal.deviceID, on: connection)
            }
        }
        router.delete("/chat/pin") { request, context in
            try await route.handle(request, context: context, body: ChatRequest.self) { store, principal, body, connection in
                try await store.unpinChat(body.chatUUID, user: principal.userID, device: principal.deviceID, on: connection)
            }
        }
        router.put("/chat/mute") { request, context in
            try await route.handle(
                request, context: context, body: MuteChatRequest.self, validate: { _ = try Validate.until($0.until, future: false) }
            ) {
                store, principal, body, connection in
                try await store.muteChat(
                    body.chatUUID, until: try Validate.until(body.until), user: principal.userID, device: principal.deviceID,
                    on: connection
                )
            }
        }
        router.delete("/chat/mute") { request, context in
            try await route.handle(request, context: context, body: ChatRequest.self) { store, principal, body, connection in
                try await store.unmuteChat(body.chatUUID, user: principal.userID, device: principal.deviceID, on: connection)
            }
        }
        router.put("/user/theme") { request, context in
            try await route.handle(request, context: context, body: ThemeRequest.self, validate: { try Validate.theme($0.theme) }) {
                store, principal, body, connection in
                try await store.setTheme(body.theme, user: principal.userID, device: principal.deviceID, on: connection)
            }
        }
        router.put("/folder") { request, context in
            try await route.handle(request, context: context, body: FolderRequest.self, validate: Validate.folder) {
                store, principal, body, connection in
                try await store.putFolder(
                    id: body.folderID, name: body.name, chats: body.chatUUIDs, user: principal.userID,
                    device: principal.deviceID, on: connection
                )
            }
        }
        router.delete("/folder") { request, context in
            try await route.handle(request, context: context, body: DeleteFolderRequest.self, validate: { try Validate.folderID($0.folderID) }) {
                store, principal, body, connection in
                try await store.deleteFolder(id: body.folderID, user: principal.userID, device: principal.deviceID, on: connection)
            }
        }
        router.patch("/notification/push-token") { request, context in
            try await route.handle(request, context: context, body: PushTokenRequest.self, validate: { try Validate.pushToken($0.pushToken) }) {
                store, principal, body, connection in
                try await store.setPushToken(body.pushToken, user: principal.userID, device: principal.deviceID, on: connection)
            }
        }
        router.delete("/notification/push-token") { request, context in
            try await route.handle(request, context: context, body: EmptyRequest.self) { store, principal, _, connection in
                try await store.setPushToken(nil, user: principal.userID, device: principal.deviceID, on: connection)
            }
        }
    }
}
