/// Anthropic's `cache_control` (`{"type": "ephemeral", "ttl": "5m" | "1h"}` or null): checked
/// so that a malformed one is a 400, then left alone (the engine's prefix cache reuses any
/// repeated prefix on its own).
enum CacheControl {
    private enum Kind: String, CaseIterable { case ephemeral }
    private enum TTL: String, CaseIterable { case fiveMinutes = "5m", oneHour = "1h" }
    private enum Keys: String, CodingKey, CaseIterable { case type, ttl }

    static func check<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K) throws {
        guard c.contains(key), try !c.decodeNil(forKey: key) else { return }
        let d = try c.superDecoder(forKey: key)
        try refuseUnknownKeys(d, allowed: Keys.allCases.map(\.rawValue))
        let o = try d.container(keyedBy: Keys.self)
        guard try o.decodeEnumIfPresent(Kind.self, forKey: .type) != nil else {
            throw DecodingError.keyNotFound(Keys.type, .init(codingPath: o.codingPath, debugDescription: "type"))
        }
        _ = try o.decodeEnumIfPresent(TTL.self, forKey: .ttl)
    }
}
