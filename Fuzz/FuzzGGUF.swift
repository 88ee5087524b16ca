// libFuzzer entry for the GGUF reader, compiled together with Sources/ContinuumGGUF by
// build.sh (one module, so no package build needs sanitizer flags).
//
// For every input: parse it; if it parses, touch every result (each metadata value and
// array element through every accessor, every tensor's bytes), then write it back with
// GGUFWriter, parse that, and check nothing changed. Any crash, sanitizer report, leak or
// failed precondition is a finding.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGGUF(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    let file: GGUFFile
    do {
        file = try GGUFFile(bytes: input)
    } catch {
        check(error.offset >= 0 && error.offset <= size, "error offset \(error.offset) outside a \(size)-byte input: \(error)")
        check(!error.context.isEmpty, "error without context: \(error)")
        _ = error.description
        return 0
    }
    touch(file)
    roundTrip(file)
    return 0
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

/// Keeps reads from being optimized away; libFuzzer calls the entry on one thread.
nonisolated(unsafe) private var sink = 0

private func touch(_ f: GGUFFile) {
    check(f.keys.count == f.metadata.count, "keys and metadata disagree")
    for key in f.keys {
        guard let v = f[key] else { fatalError("key '\(key)' has no value") }
        check(f.offset(ofKey: key).map { $0 <= f.file.bytes.count } ?? false, "bad offset for '\(key)'")
        touch(v)
        sink &+= (try? f.requireInt(key)) ?? 0
        sink &+= (try? f.requireDouble(key)).map { Int($0.isFinite ? 1 : 0) } ?? 0
        sink &+= (try? f.requireString(key))?.utf8.count ?? 0
        sink &+= (try? f.requireStringArray(key))?.count ?? 0
        sink &+= ((try? f.intArray(key)) ?? nil)?.count ?? 0
        sink &+= ((try? f.floatArray(key)) ?? nil)?.count ?? 0
    }
    _ = f.architecture
    var end = f.dataOffset
    for t in f.tensors {
        check(f.tensor(named: t.name) == t, "tensor(named:) disagrees for '\(t.name)'")
        check(t.offset >= f.dataOffset && t.offset % f.alignment == f.dataOffset % f.alignment, "misaligned '\(t.name)'")
        check(t.byteCount == t.elementCount / t.type.blockSize * t.type.blockBytes, "byte count of '\(t.name)'")
        let d = f.data(of: t)
        check(d.count == t.byteCount && d.count > 0, "data size of '\(t.name)'")
        sink &+= Int(d[0]) &+ Int(d[d.count - 1])
        end = max(end, t.offset + t.byteCount)
    }
    check(end <= f.file.bytes.count || f.tensors.isEmpty, "tensor data past the end")
}

private func touch(_ v: GGUFValue) {
    _ = v.description
    _ = v.typeDescription
    sink &+= v.intValue ?? 0
    _ = v.doubleValue
    _ = v.boolValue
    sink &+= v.stringValue?.utf8.count ?? 0
    guard case .array(let type, let a) = v else { return }
    var n = 0
    for e in a {
        check(type == e.type, "array of \(type) holds a \(e.type)")
        touch(e)
        n += 1
    }
    check(n == a.count, "array count")
    sink &+= a.strings?.count ?? 0
    sink &+= a.integers?.count ?? 0
    sink &+= a.floats?.count ?? 0
    if !a.isEmpty { touch(a[a.count - 1]) }
}

/// Write the parsed file back and read it again: same metadata, same tensors and bytes.
private func roundTrip(_ f: GGUFFile) {
    var w = GGUFWriter(version: f.version)
    for key in f.keys { w.add(key, f[key]!) }
    for t in f.tensors { w.addTensor(t.name, type: t.type, dimensions: t.dimensions, data: Array(f.data(of: t))) }
    let bytes = w.encode().bytes
    let g: GGUFFile
    do {
        g = try GGUFFile(bytes: bytes)
    } catch {
        fatalError("a parsed file written back does not parse: \(error)")
    }
    check(g.version == f.version && g.keys == f.keys && g.alignment == f.alignment, "header differs after a round trip")
    for key in f.keys { check(same(f[key]!, g[key]!), "'\(key)' differs after a round trip") }
    check(g.tensors.count == f.tensors.count, "tensor count differs after a round trip")
    for (a, b) in zip(f.tensors, g.tensors) {
        check(a.name == b.name && a.dimensions == b.dimensions && a.type == b.type, "'\(a.name)' differs after a round trip")
        check(f.data(of: a).elementsEqual(g.data(of: b)), "data of '\(a.name)' differs after a round trip")
    }
}

/// Equality with floats compared by bit pattern (NaN == NaN).
private func same(_ a: GGUFValue, _ b: GGUFValue) -> Bool {
    switch (a, b) {
    case (.float32(let x), .float32(let y)): return x.bitPattern == y.bitPattern
    case (.float64(let x), .float64(let y)): return x.bitPattern == y.bitPattern
    case (.array(let s, let x), .array(let t, let y)): return s == t && x.count == y.count && zip(x, y).allSatisfy(same)
    default: return a == b
    }
}
