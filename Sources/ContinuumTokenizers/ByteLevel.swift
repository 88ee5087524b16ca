/// GPT-2's byte-level alphabet: every byte maps to one printable Unicode scalar, so a BPE
/// vocabulary of strings can cover arbitrary bytes. Printable Latin-1 bytes (0x21-0x7E,
/// 0xA1-0xAC, 0xAE-0xFF) map to themselves; the other 68 bytes map, in order, to U+0100...
/// (HF tokenizers `ByteLevel`, llama.cpp `unicode_byte_to_utf8_map`).
enum ByteLevel {
    /// Scalar value for each byte.
    static let scalarForByte: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b) {
                table[b] = UInt32(b)
            } else {
                table[b] = next
                next += 1
            }
        }
        return table
    }()

    /// Byte for each scalar below 0x144, or -1 when the scalar is not in the alphabet.
    static let byteForScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: 0x144)
        for (b, s) in scalarForByte.enumerated() { table[Int(s)] = Int16(b) }
        return table
    }()

    /// The bytes a vocabulary string stands for, or nil if it has a scalar outside the
    /// alphabet (such a string can never match byte-encoded text).
    static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for s in text.unicodeScalars {
            let v = Int(s.value)
            guard v < byteForScalar.count, byteForScalar[v] >= 0 else { return nil }
            out.append(UInt8(byteForScalar[v]))
        }
        return out
    }
}
