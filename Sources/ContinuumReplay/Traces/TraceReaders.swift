import Foundation

/// Readers of the traces in ../shared/data/traces and ../shared/data/lengths.
public enum TraceReaders {
    /// Mooncake JSONL (kvcache-ai/Mooncake FAST25 traces): `timestamp` (ms), `input_length`,
    /// `output_length`, `hash_ids` (one per 512-token block, the last one partial).
    public static func mooncake(path: String, blockSize: Int = 512) throws(TraceError) -> [TraceRequest] {
        struct Line: Decodable {
            var timestamp: Double
            var input_length: Int
            var output_length: Int
            var hash_ids: [UInt64]
        }
        let text = try read(path)
        var out: [TraceRequest] = []
        let decoder = JSONDecoder()
        for (n, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            guard let l = try? decoder.decode(Line.self, from: Data(line.utf8)) else {
                throw TraceError("\(path):\(n + 1): not a Mooncake record (timestamp, input_length, output_length, hash_ids)")
            }
            guard l.input_length > 0, l.output_length >= 0, l.timestamp >= 0 else {
                throw TraceError("\(path):\(n + 1): lengths and timestamp must not be negative")
            }
            out.append(TraceRequest(arrival: l.timestamp / 1000, promptTokens: l.input_length, outputTokens: max(1, l.output_length),
                                    blockHashes: BlockChain.hashes(l.hash_ids), blockSize: blockSize))
        }
        guard !out.isEmpty else { throw TraceError("\(path): no records") }
        return out.sorted { $0.arrival < $1.arrival }
    }

    /// Azure LLM inference trace 2023 CSV: `TIMESTAMP,ContextTokens,GeneratedTokens`. No
    /// prefix information: every request's blocks are its own.
    public static func azure(path: String, blockSize: Int = 512) throws(TraceError) -> [TraceRequest] {
        let lines = try read(path).split(whereSeparator: \.isNewline)
        guard let header = lines.first, header.hasPrefix("TIMESTAMP,ContextTokens,GeneratedTokens") else {
            throw TraceError("\(path): expected the header TIMESTAMP,ContextTokens,GeneratedTokens")
        }
        var out: [TraceRequest] = []
        var t0: Double?
        for (n, line) in lines.dropFirst().enumerated() {
            let f = line.split(separator: ",")
            guard f.count == 3, let t = seconds(f[0]), let p = Int(f[1].trimmingCharacters(in: .whitespaces)),
                  let o = Int(f[2].trimmingCharacters(in: .whitespaces)), p > 0 else {
                throw TraceError("\(path):\(n + 2): expected TIMESTAMP,ContextTokens,GeneratedTokens")
            }
            let start = t0 ?? t
            t0 = start
            out.append(TraceRequest(arrival: t - start, promptTokens: p, outputTokens: max(1, o),
                                    blockHashes: BlockChain.unique(request: n, blocks: (p + blockSize - 1) / blockSize),
                                    blockSize: blockSize))
        }
        guard !out.isEmpty else { throw TraceError("\(path): no records") }
        return out.sorted { $0.arrival < $1.arrival }
    }

    /// A length file (vidur/sarathi-serve processed traces: `num_prefill_tokens,
    /// num_decode_tokens, ...`) with Poisson arrivals at `requestsPerSecond`, seeded.
    public static func lengths(path: String, requestsPerSecond: Double, count: Int? = nil, seed: UInt64 = 0,
                               blockSize: Int = 512) throws(TraceError) -> [TraceRequest] {
        let lines = try read(path).split(whereSeparator: \.isNewline)
        guard let header = lines.first?.split(separator: ","), let pi = header.firstIndex(of: "num_prefill_tokens"),
              let di = header.firstIndex(of: "num_decode_tokens") else {
            throw TraceError("\(path): expected columns num_prefill_tokens and num_decode_tokens")
        }
        guard requestsPerSecond > 0 else { throw TraceError("the arrival rate must be positive") }
        var rng = Mix(seed: seed)
        var t = 0.0
        var out: [TraceRequest] = []
        for (n, line) in lines.dropFirst().enumerated() {
            if let count, out.count >= count { break }
            let f = line.split(separator: ",")
            guard f.count > max(pi, di), let pv = Double(f[pi]), let dv = Double(f[di]), pv >= 1, dv >= 0, pv < 1e9, dv < 1e9 else {
                throw TraceError("\(path):\(n + 2): bad lengths")
            }
            let (p, d) = (Int(pv), Int(dv))
            t += -log(1 - rng.unit()) / requestsPerSecond
            out.append(TraceRequest(arrival: t, promptTokens: p, outputTokens: max(1, d),
                                    blockHashes: BlockChain.unique(request: n, blocks: (p + blockSize - 1) / blockSize),
                                    blockSize: blockSize))
        }
        return out
    }

    private static func read(_ path: String) throws(TraceError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TraceError("cannot read \(path): \(error.localizedDescription)")
        }
    }

    /// "2023-11-16 18:17:03.9799600" → seconds since the epoch (UTC).
    static func seconds(_ s: Substring) -> Double? {
        let parts = s.split(separator: " ")
        guard parts.count == 2 else { return nil }
        let d = parts[0].split(separator: "-").compactMap { Int($0) }
        let t = parts[1].split(separator: ":")
        guard d.count == 3, t.count == 3, let h = Int(t[0]), let m = Int(t[1]), let sec = Double(t[2]) else { return nil }
        var c = DateComponents()
        c.year = d[0]; c.month = d[1]; c.day = d[2]
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        guard let day = cal.date(from: c) else { return nil }
        return day.timeIntervalSince1970 + Double(h * 3600 + m * 60) + sec
    }

    struct Mix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func unit() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            return Double(BlockChain.mix(state) >> 11) / Double(1 << 53)
        }
    }
}
