#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only view of a whole GGUF file: either a memory map of a file on disk or a private
/// copy of bytes held in memory (tests, fuzzing, files that arrived over the network).
/// Weights are read in place, so a mapped model costs no more resident memory than the
/// pages actually touched.
///
/// `@unchecked Sendable`: the bytes are written once in `init` (a copy, or a PROT_READ
/// map), never written again, and released only in `deinit`, when no other reference exists.
public final class MappedFile: @unchecked Sendable {
    /// The file's path, or a label such as `<memory>` for an in-memory buffer.
    public let path: String
    public let bytes: UnsafeRawBufferPointer
    private let isMapped: Bool

    public init(path: String) throws(GGUFError) {
        self.path = path
        self.isMapped = true
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw GGUFError(.cannotOpen, path, offset: 0, String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw GGUFError(.cannotOpen, path, offset: 0, String(cString: strerror(errno)))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw GGUFError(.cannotOpen, path, offset: 0, "not a regular file")
        }
        guard let size = Int(exactly: st.st_size), size >= 0 else {
            throw GGUFError(.cannotOpen, path, offset: 0, "file size \(st.st_size) is not addressable")
        }
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw GGUFError(.cannotOpen, path, offset: 0, "mmap failed: \(String(cString: strerror(errno)))")
        }
        bytes = UnsafeRawBufferPointer(start: p, count: size)
    }

    /// A private copy of `contents`, e.g. `[UInt8]` or Foundation's `Data`. The copy is
    /// exactly `contents.count` bytes long, so an address sanitizer catches any read past it.
    public init(bytes contents: some Collection<UInt8>, path: String = "<memory>") {
        self.path = path
        self.isMapped = false
        let count = contents.count
        guard count > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let p = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 64)
        p.copyBytes(from: contents)
        bytes = UnsafeRawBufferPointer(p)
    }

    deinit {
        guard let base = bytes.baseAddress else { return }
        if isMapped {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        } else {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }
}
