import Foundation
import NovyseCore
import Testing

@Suite("Stream identity and partitioning")
struct StreamIDTests {
    let chat = UUID(uuidString: "5f1d7c2e-8a4b-4c3d-9e2f-0a1b2c3d4e5f")!

    @Test("partition is a pure function of kind and key, identical across processes and releases")
    func partitionIsStable() {
        // Golden values: producer and consumer may run different builds; a change here would route one
        // stream's items to two partitions during a rolling deploy.
        #expect(StreamID(kind: .chatEvents, key: chat).partition(of: 16) == StreamID(kind: .chatEvents, key: chat).partition(of: 16))
        #expect(StreamID(kind: .chatEvents, key: chat).partition(of: 1) == 0)
        let golden = StreamID(kind: .chatMessages, key: chat).partition(of: 1024)
        #expect(golden == 5)  // FNV-1a computed independently (Python) over [kind lo, kind hi] + UUID bytes
    }

    @Test("partitions spread streams evenly")
    func partitionsSpread() {
        var counts = [Int](repeating: 0, count: 16)
        for _ in 0..<16_000 {
            counts[StreamID(kind: .chatEvents, key: UUID()).partition(of: 16)] += 1
        }
        #expect(counts.allSatisfy { $0 > 700 && $0 < 1300 }, "uneven spread: \(counts)")
    }

    @Test("stream kinds keep their stored raw values and names")
    func kindsAreStable() {
        #expect(StreamKind.allCases.map(\.rawValue) == [1, 2, 3, 4])
        for kind in StreamKind.allCases {
            #expect(StreamKind(name: kind.description) == kind)
        }
        #expect(StreamKind(name: "nope") == nil)
    }
}

@Suite("Wire formats")
struct WireFormatTests {
    @Test("timestamps are ISO-8601 UTC with milliseconds")
    func timestampFormat() throws {
        let date = Date(timeIntervalSince1970: 1_795_521_600.123)
        let text = Timestamp.format(date)
        #expect(text == "2026-11-24T12:00:00.123Z")
        let parsed = try #require(Timestamp.parse(text))
        #expect(abs(parsed.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.001)
    }

    @Test("error envelope has success false and a code")
    func errorEnvelope() throws {
        let data = try JSONEncoder().encode(ErrorEnvelope(code: "NOT_A_MEMBER", message: "no"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["success"] as? Bool == false)
        #expect((object["error"] as? [String: Any])?["code"] as? String == "NOT_A_MEMBER")
    }

    @Test("every profile event names its payload field")
    func profileFields() {
        #expect(Set(ProfileEventType.allCases.map(\.field)).count == ProfileEventType.allCases.count)
        #expect(ProfileEventType.pictureChanged.field == "profilePictureUUID")
    }
}

@Suite("Timestamp edge cases")
struct TimestampEdgeTests {
    @Test(
        "whole milliseconds, before 1970 and at second boundaries",
        arguments: [
            (0.0, "1970-01-01T00:00:00.000Z"),
            (-0.001, "1969-12-31T23:59:59.999Z"),
            (1_795_521_599.9996, "2026-11-24T12:00:00.000Z"),
        ])
    func edges(seconds: Double, expected: String) {
        #expect(Timestamp.format(Date(timeIntervalSince1970: seconds)) == expected)
    }
}
