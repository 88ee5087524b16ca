import ContinuumLedger
import Foundation
import Testing

@Suite struct KeyTests {
    @Test func createdKeyAuthenticatesAndCarriesItsLimits() async throws {
        let ledger = try Ledger.inMemory()
        #expect(try await ledger.hasAnyKeys() == false)
        let (id, secret) = try await ledger.createKey(
            name: "alice", allowedModels: ["qwen"], allowedTiers: ["edge", "device"],
            requestsPerMinute: 60, tokensPerMinute: 10_000, tokenBudget: 1_000_000)
        #expect(secret.hasPrefix("ck-"))
        #expect(secret.count == 46)
        #expect(try await ledger.hasAnyKeys())

        let key = try #require(try await ledger.authenticate(secret))
        #expect(key.id == id)
        #expect(key.name == "alice")
        #expect(key.prefix == String(secret.prefix(11)))
        #expect(key.allowedModels == ["qwen"])
        #expect(key.allowedTiers == ["edge", "device"])
        #expect(key.allows(model: "qwen") && !key.allows(model: "llama"))
        #expect(key.allows(tier: "edge") && !key.allows(tier: "cloud"))
        #expect(key.requestsPerMinute == 60)
        #expect(key.tokensPerMinute == 10_000)
        #expect(key.tokenBudget == 1_000_000)
        #expect(key.tokensUsed == 0)
        #expect(key.remainingBudget == 1_000_000)
    }

    @Test func wrongMalformedAndRevokedSecretsFail() async throws {
        let ledger = try Ledger.inMemory()
        let (id, secret) = try await ledger.createKey(name: "bob")
        let (otherID, other) = try await ledger.createKey(name: "carol")
        // Same length and prefix, one character changed.
        var wrong = Array(secret)
        wrong[20] = wrong[20] == "a" ? "b" : "a"
        #expect(try await ledger.authenticate(String(wrong)) == nil)
        #expect(try await ledger.authenticate("") == nil)
        #expect(try await ledger.authenticate("ck-short") == nil)
        #expect(try await ledger.authenticate(String(secret.dropLast())) == nil)
        #expect(try await ledger.authenticate(secret + "x") == nil)

        let revoked = try await ledger.revokeKey(String(id))
        #expect(revoked.isRevoked)
        #expect(try await ledger.authenticate(secret) == nil)
        #expect(try await ledger.authenticate(other)?.id == otherID)
        #expect(try await ledger.hasAnyKeys())

        // By prefix; revoking twice is a no-op.
        let prefix = String(other.prefix(11))
        #expect(try await ledger.revokeKey(prefix).id == otherID)
        #expect(try await ledger.revokeKey(prefix).isRevoked)
        #expect(try await ledger.authenticate(other) == nil)
        #expect(try await ledger.hasAnyKeys() == false)
    }

    @Test func revokingAnUnknownKeyIsKeyNotFound() async throws {
        let ledger = try Ledger.inMemory()
        await #expect(throws: LedgerError.keyNotFound) { try await ledger.revokeKey("42") }
        await #expect(throws: LedgerError.keyNotFound) { try await ledger.revokeKey("ck-nope") }
        await #expect(throws: LedgerError.keyNotFound) { try await ledger.tokensUsed(keyID: 42) }
        await #expect(throws: LedgerError.keyNotFound) { try await ledger.key(id: 42) }
    }

    @Test func invalidArgumentsAreRejected() async throws {
        let ledger = try Ledger.inMemory()
        await #expect(throws: LedgerError.invalidArgument) { try await ledger.createKey(name: "") }
        await #expect(throws: LedgerError.invalidArgument) { try await ledger.createKey(name: "x", tokenBudget: -1) }
    }

    @Test func secretsAreNeverStored() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("ledger.sqlite")
        let ledger = try Ledger(path: path)
        var secrets: [String] = []
        for i in 0..<20 {
            secrets.append(try await ledger.createKey(name: "key\(i)", tokenBudget: 100).secret)
        }
        // The listing shows the display prefix only.
        let keys = try await ledger.listKeys()
        #expect(keys.count == 20)
        for (key, secret) in zip(keys, secrets) {
            #expect(key.prefix == String(secret.prefix(11)))
            #expect(key.prefix.count < secret.count)
        }
        // No file of the database (main, -wal, -shm) contains any secret or its random part.
        let files = [path, path + "-wal", path + "-shm"].filter { FileManager.default.fileExists(atPath: $0) }
        #expect(files.count >= 2)
        for file in files {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            for secret in secrets {
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "secret found in \(file)")
                #expect(bytes.range(of: Data(secret.dropFirst(11).utf8)) == nil, "secret tail found in \(file)")
            }
        }
        try await ledger.close()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        for secret in secrets {
            #expect(bytes.range(of: Data(secret.utf8)) == nil)
            #expect(bytes.range(of: Data(secret.prefix(11).utf8)) != nil)  // the prefix is stored (sanity check of the scan)
        }
    }

    @Test func secretsAreDistinct() async throws {
        let ledger = try Ledger.inMemory()
        var seen = Set<String>()
        for i in 0..<50 {
            seen.insert(try await ledger.createKey(name: "k\(i)").secret)
        }
        #expect(seen.count == 50)
    }

    @Test func listingIsPaginatedAndFiltersRevoked() async throws {
        let ledger = try Ledger.inMemory()
        var ids: [Int64] = []
        for i in 0..<7 { ids.append(try await ledger.createKey(name: "k\(i)").id) }
        try await ledger.revokeKey(String(ids[1]))
        let first = try await ledger.listKeys(limit: 3)
        let second = try await ledger.listKeys(after: try #require(first.last).id, limit: 3)
        let third = try await ledger.listKeys(after: try #require(second.last).id, limit: 3)
        #expect((first + second + third).map(\.id) == ids)
        #expect(try await ledger.listKeys(includeRevoked: false).map(\.id) == ids.filter { $0 != ids[1] })
        #expect(try await ledger.listKeys(limit: 1_000_000).count == 7)
    }

    @Test func tokensUsedCountsFinishedRowsOnceIncludingQueuedOnes() async throws {
        let ledger = try Ledger.inMemory()
        let (id, _) = try await ledger.createKey(name: "budgeted", tokenBudget: 100)
        ledger.begin(finishedRecord("a", keyID: id, prompt: 40, completion: 0, status: .inProgress))
        await ledger.flush()
        #expect(try await ledger.tokensUsed(keyID: id) == 0)  // in_progress rows are not charged
        ledger.record(finishedRecord("a", keyID: id, prompt: 40, completion: 20))
        #expect(try await ledger.tokensUsed(keyID: id) == 60)  // queued or committed, counted once
        await ledger.flush()
        #expect(try await ledger.tokensUsed(keyID: id) == 60)
        // Recording the same request again replaces it rather than charging twice.
        ledger.record(finishedRecord("a", keyID: id, prompt: 40, completion: 30))
        await ledger.flush()
        #expect(try await ledger.tokensUsed(keyID: id) == 70)
        #expect(try await ledger.key(id: id).remainingBudget == 30)
        // Rows without a key charge nobody.
        ledger.record(finishedRecord("b", keyID: nil, prompt: 1000))
        await ledger.flush()
        #expect(try await ledger.tokensUsed(keyID: id) == 70)
    }

    /// Another process (here another `Ledger` on the same file) creates and revokes keys
    /// while this one serves: new keys work at once, revocations within the cache TTL.
    @Test func keysChangedByAnotherProcessAreSeen() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("ledger.sqlite")
        let serving = try Ledger(path: path, options: .init(keyCacheTTL: .seconds(3600)))
        let fresh = try Ledger(path: path, options: .init(keyCacheTTL: .zero))
        let cli = try Ledger(path: path)

        #expect(try await serving.hasAnyKeys() == false)
        let (id, secret) = try await cli.createKey(name: "from-cli")
        #expect(try await fresh.hasAnyKeys())
        #expect(try await serving.authenticate(secret)?.id == id)  // a miss goes to the database
        #expect(try await fresh.authenticate(secret)?.id == id)

        try await cli.revokeKey(String(id))
        #expect(try await serving.authenticate(secret)?.id == id)  // cached: still valid until reload
        #expect(try await fresh.authenticate(secret) == nil)  // TTL zero: reloads every time
        try await serving.reloadKeys()
        #expect(try await serving.authenticate(secret) == nil)
        #expect(try await serving.hasAnyKeys() == false)
        for ledger in [serving, fresh, cli] { try await ledger.close() }
    }
}
