import ContinuumLedger
import Testing

@Suite struct SharedStoreURLTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let text: String
        /// host, port, user, password, database; nil: refused.
        let expected: (String, Int, String, String?, String)?
        var testDescription: String { text }
    }

    static let cases: [Case] = [
        Case(text: "postgres://postgres@127.0.0.1:5433/continuum", expected: ("127.0.0.1", 5433, "postgres", nil, "continuum")),
        Case(text: "postgresql://app:s3cret@db.internal/ledger", expected: ("db.internal", 5432, "app", "s3cret", "ledger")),
        Case(text: "postgres://app:p%40ss%2Fword@db:6000/x?sslmode=disable", expected: ("db", 6000, "app", "p@ss/word", "x")),
        Case(text: "POSTGRES://u@h/d", expected: ("h", 5432, "u", nil, "d")),
        Case(text: "mysql://u@h/d", expected: nil),                     // another scheme
        Case(text: "/var/lib/continuum/ledger.sqlite", expected: nil),  // a path
        Case(text: "postgres://127.0.0.1:5432/continuum", expected: nil),  // no user
        Case(text: "postgres://u@127.0.0.1:5432/", expected: nil),     // no database
        Case(text: "postgres://u@:5432/d", expected: nil),              // no host
        Case(text: "postgres://u@h/d?sslmode=require", expected: nil),  // TLS not supported
        Case(text: "postgres://u@h/d?connect_timeout=5", expected: nil),  // unknown parameter
        Case(text: "", expected: nil),
    ]

    @Test(arguments: cases) func parses(_ c: Case) throws {
        guard let (host, port, user, password, database) = c.expected else {
            #expect(throws: LedgerError.self) { try SharedStoreURL(c.text) }
            return
        }
        let url = try SharedStoreURL(c.text)
        #expect(url.host == host)
        #expect(url.port == port)
        #expect(url.user == user)
        #expect(url.password == password)
        #expect(url.database == database)
        // The description, used in logs, never shows the password.
        #expect(url.description == "postgres://\(user)@\(host):\(port)/\(database)")
    }
}
