/// Typed metadata accessors that throw a `GGUFError` naming the key and its byte offset.
extension GGUFFile {
    private func value(_ key: String) throws(GGUFError) -> GGUFValue {
        guard let v = metadata[key] else { throw GGUFError(.missingKey, key, offset: 0) }
        return v
    }

    private func wrongType(_ key: String, _ expected: String, _ v: GGUFValue) -> GGUFError {
        GGUFError(.wrongType, key, offset: offset(ofKey: key) ?? 0, "expected \(expected), found \(v.typeDescription)")
    }

    public func requireInt(_ key: String) throws(GGUFError) -> Int {
        let v = try value(key)
        guard let i = v.intValue else { throw wrongType(key, "an integer", v) }
        return i
    }

    public func requireDouble(_ key: String) throws(GGUFError) -> Double {
        let v = try value(key)
        guard let d = v.doubleValue else { throw wrongType(key, "a number", v) }
        return d
    }

    public func requireString(_ key: String) throws(GGUFError) -> String {
        let v = try value(key)
        guard let s = v.stringValue else { throw wrongType(key, "a string", v) }
        return s
    }

    public func requireStringArray(_ key: String) throws(GGUFError) -> [String] {
        let v = try value(key)
        guard case .array(_, let a) = v, let s = a.strings else { throw wrongType(key, "an array of strings", v) }
        return s
    }

    /// An optional integer array (e.g. token types) as Ints.
    public func intArray(_ key: String) throws(GGUFError) -> [Int]? {
        guard let v = metadata[key] else { return nil }
        guard case .array(_, let a) = v, let out = a.integers else { throw wrongType(key, "an array of integers", v) }
        return out
    }

    /// An optional numeric array (e.g. token scores) as Floats.
    public func floatArray(_ key: String) throws(GGUFError) -> [Float]? {
        guard let v = metadata[key] else { return nil }
        guard case .array(_, let a) = v, let out = a.floats else { throw wrongType(key, "an array of numbers", v) }
        return out
    }
}
