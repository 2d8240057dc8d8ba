import Foundation
import NovyseCore
import TestSupport
import Testing

/// A chat object lists a bounded number of members (the caller, the owner and admins first), so a large
/// channel does not make every answer huge; `GET /chat/members` pages through all of them.
@Suite("Chat members, capped and paged")
struct MembersTests {
    @Test("chat objects list at most NOVYSE_QUERY_CHAT_MEMBERS members, the caller and admins first; the endpoint pages through all")
    func cappedAndPaged() async throws {
        try await QueryFixture.with(environment: ["NOVYSE_QUERY_CHAT_MEMBERS": "5"]) { fixture in
            let c = fixture.command
            let owner = try await c.user("owner")
            var others: [TestUser] = []
            for index in 0..<11 { others.append(try await c.user("member\(index)")) }
            let outsider = try await c.user("outsider")
            let group = try await c.chat(.group, by: owner, with: others, name: "big")
            let small = try await c.chat(.group, by: owner, with: [others[0]], name: "small")
            let sorted = others.map(\.id).sorted { $0.uuidString.lowercased() < $1.uuidString.lowercased() }
            // The admin and the caller sort last, so only the ordering puts them in the first five.
            let admin = sorted[10]
            let caller = try #require(others.first { $0.id == sorted[9] })
            let promote = #"{"chatUUID":"\#(group.uuidString)","userUUID":"\#(admin.uuidString)","role":"ADMIN"}"#
            #expect(try await fixture.mutate("PUT", "/chat/members/role", as: owner, promote).status == 200)
            try await fixture.project()

            let initialize = try await fixture.initialize(caller)
            let chats = initialize["chats"]?.objects ?? []
            let big = try #require(chats.first { $0["uuid"]?.uuid == group })
            let listed = Set((big["members"]?.objects ?? []).compactMap { $0["userUUID"]?.uuid })
            #expect(listed.count == 5)
            #expect(listed.isSuperset(of: [caller.id, owner.id, admin]), "the caller, the owner and the admin come first: \(listed)")
            #expect(big["hasMoreMembers"] == .bool(true))
            let ownerChats = try await fixture.initialize(owner)["chats"]?.objects ?? []
            let smallChat = try #require(ownerChats.first { $0["uuid"]?.uuid == small })
            #expect(smallChat["hasMoreMembers"] == .bool(false) && smallChat["members"]?.array?.count == 2)

            var paged: [UUID: String] = [:]
            var after: UUID?
            var pages = 0
            while true {
                var path = "/chat/members?chatUUID=\(group.uuidString)&limit=4"
                if let after { path += "&afterUserUUID=\(after.uuidString)" }
                let page = try await fixture.get(path, as: caller)
                #expect(page.status == 200, "\(page.body)")
                let members = page.data["members"]?.objects ?? []
                pages += 1
                for member in members {
                    let id = try #require(member["userUUID"]?.uuid)
                    #expect(paged[id] == nil, "\(id) listed twice")
                    paged[id] = member["role"]?.string
                }
                after = members.last?["userUUID"]?.uuid
                guard page.data["hasMore"] == .bool(true) else { break }
                #expect(members.count == 4)
                #expect(pages < 10, "paging does not end")
                if pages >= 10 { break }
            }
            #expect(pages == 3)
            #expect(Set(paged.keys) == Set(others.map(\.id) + [owner.id]))
            #expect(paged[owner.id] == "OWNER" && paged[admin] == "ADMIN" && paged[caller.id] == "MEMBER")

            let base = "/chat/members?chatUUID=\(group.uuidString)"
            #expect(try await fixture.get(base, as: outsider).errorCode == "NOT_A_MEMBER")
            #expect(try await fixture.get("/chat/members?chatUUID=\(UUID().uuidString)", as: caller).errorCode == "UNKNOWN_CHAT")
            #expect(try await fixture.get("/chat/members", as: caller).errorCode == "INVALID_FIELD")
            #expect(try await fixture.get(base + "&afterUserUUID=nope", as: caller).errorCode == "INVALID_FIELD")
            #expect(try await fixture.get(base + "&limit=0", as: caller).errorCode == "INVALID_FIELD")
            #expect(try await fixture.get(base, as: nil).status == 401)
        }
    }

    @Test("each route bounds its limit by its own maximum, whatever the sync maximum is")
    func limitsAreBoundedPerRoute() async throws {
        let environment = ["NOVYSE_QUERY_MAX_LIMIT": "2", "NOVYSE_QUERY_MEMBERS_MAX_LIMIT": "5", "NOVYSE_QUERY_HISTORY_MAX_LIMIT": "4"]
        try await QueryFixture.with(environment: environment) { fixture in
            let c = fixture.command
            let owner = try await c.user("owner")
            var others: [TestUser] = []
            for index in 0..<7 { others.append(try await c.user("member\(index)")) }
            let group = try await c.chat(.group, by: owner, with: others, name: "big")
            for index in 0..<6 { _ = try await c.send("m\(index)", in: group, as: owner) }
            try await fixture.project()
            for limit in ["100", "99999999999999999999999"] {
                let members = try await fixture.get("/chat/members?chatUUID=\(group.uuidString)&limit=\(limit)", as: owner)
                #expect(members.status == 200 && members.data["members"]?.array?.count == 5, "\(members.body)")
                let history = try await fixture.get("/chat/history?chatUUID=\(group.uuidString)&limit=\(limit)", as: owner)
                #expect(history.status == 200 && history.data["messages"]?.array?.count == 4, "\(history.body)")
            }
        }
    }
}
