#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams text to stdout (fd 1) without allocating per write (FileHandle.write(Data) would).
enum Stdout {
    static func write(_ s: String) {
        var s = s
        s.withUTF8 { b in
            var p = b.baseAddress, left = b.count
            while left > 0, let base = p {
                let n = Glibc.write(1, base, left)
                if n <= 0 { break }  // a closed pipe: drop output rather than crash
                p = base + n
                left -= n
            }
        }
    }
}
