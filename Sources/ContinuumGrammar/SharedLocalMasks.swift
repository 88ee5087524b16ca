import Foundation

/// Context-free masks shared by every grammar used with one vocabulary, keyed by a canonical
/// description of the grammar fragment a local walk depends on. Grammars compiled from
/// different JSON Schemas share their string, number and whitespace rules, so the one full
/// trie walk of a string body is paid once per model, not once per schema.
final class SharedLocalMasks: @unchecked Sendable {
    // Safe: `entries` and `bytes` are only touched with `lock` held.
    private let lock = NSLock()
    private var entries: [[UInt64]: LocalMask] = [:]
    private var bytes = 0
    /// Bytes of masks kept before the cache starts over.
    static let maxBytes = 64 << 20

    func get(_ key: [UInt64]) -> LocalMask? {
        lock.withLock { entries[key] }
    }

    func put(_ key: [UInt64], _ mask: LocalMask) {
        let size = mask.bits.count * 4 + mask.boundaries.count * 4 + key.count * 8
        lock.withLock {
            if bytes + size > Self.maxBytes {
                entries.removeAll()
                bytes = 0
            }
            if entries.updateValue(mask, forKey: key) == nil { bytes += size }
        }
    }
}
