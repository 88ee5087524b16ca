// API key secrets: "ck-" and 43 base62 characters drawn from the system CSPRNG
// (43 × log2(62) ≈ 256 bits). Only SHA-256(secret) and the first 11 characters (the
// non-secret display prefix, 47 of the 256 bits) are stored.
import Crypto
import Foundation

enum KeySecret {
    static let scheme = "ck-"
    static let randomLength = 43
    static let prefixLength = 11
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = Array(scheme.utf8)
        bytes.reserveCapacity(scheme.utf8.count + randomLength)
        for _ in 0..<randomLength {
            // `random(in:using:)` rejects out-of-range draws, so each character is uniform.
            bytes.append(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func hash(_ secret: String) -> Data {
        Data(SHA256.hash(data: Data(secret.utf8)))
    }

    static func displayPrefix(_ secret: String) -> String {
        String(secret.prefix(prefixLength))
    }

    /// Whether `secret` has the shape of a key: a generated one or an imported one. Looks
    /// only at the public structure (length, characters), so rejecting early says nothing
    /// about the secret part.
    static func isWellFormed(_ secret: String) -> Bool {
        (secret.utf8.count == scheme.utf8.count + randomLength && secret.utf8.starts(with: scheme.utf8)) || isImportable(secret)
    }

    /// An imported secret (made elsewhere): 32 to 256 printable ASCII characters, no spaces.
    static func isImportable(_ secret: String) -> Bool {
        (32...256).contains(secret.utf8.count) && secret.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }
}
