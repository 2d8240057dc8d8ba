import NovyseStorage
import Testing

@Suite("SQLSTATE classification")
struct PostgresErrorClassTests {
    @Test(
        "the codes the stores and services act on have their names",
        arguments: [
            ("23505", PostgresErrorClass.uniqueViolation),
            ("23503", .foreignKeyViolation),
            ("23502", .notNullViolation),
            ("23514", .checkViolation),
            ("40001", .serializationFailure),
            ("40P01", .deadlockDetected),
            ("57P01", .adminShutdown),
            ("57P02", .crashShutdown),
            ("57P03", .cannotConnectNow),
            ("53300", .tooManyConnections),
        ])
    func namedCodes(sqlState: String, expected: PostgresErrorClass) {
        #expect(PostgresErrorClass(sqlState: sqlState) == expected)
    }

    @Test("other codes fall into their class, keeping the code")
    func classes() {
        #expect(PostgresErrorClass(sqlState: "23P01") == .integrityViolation("23P01"))
        #expect(PostgresErrorClass(sqlState: "22P02") == .dataException("22P02"))
        #expect(PostgresErrorClass(sqlState: "P0001") == .raisedByFunction("P0001"))
        #expect(PostgresErrorClass(sqlState: "42P01") == .other("42P01"))
        #expect(PostgresErrorClass(sqlState: "08006") == .other("08006"))
    }

    @Test("only a server going away or full is a dependency failure")
    func unavailable() {
        let unavailable = ["57P01", "57P02", "57P03", "53300"]
        for state in unavailable { #expect(PostgresErrorClass(sqlState: state).isUnavailable, "\(state)") }
        for state in ["23505", "40001", "40P01", "57014", "53200", "42P01", "P0001"] {
            #expect(!PostgresErrorClass(sqlState: state).isUnavailable, "\(state)")
        }
    }

    @Test("data, integrity and raised errors repeat; races, resources and operators may pass")
    func deterministic() {
        for state in ["22003", "22P02", "23505", "23503", "23502", "23514", "23P01", "P0001", "P0002"] {
            #expect(PostgresErrorClass(sqlState: state).isDeterministic, "\(state)")
        }
        for state in ["40001", "40P01", "53300", "53100", "57P01", "57014", "08006", "42P01", "XX000"] {
            #expect(!PostgresErrorClass(sqlState: state).isDeterministic, "\(state)")
        }
    }
}
