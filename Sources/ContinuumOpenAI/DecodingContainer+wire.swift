/// Decoding helpers for fields whose JSON shape Foundation reports badly or that take more
/// than one shape. They throw ``FieldError`` with the field's path.
extension KeyedDecodingContainer {
    /// An integer, nil when absent or null. Foundation reports `1.5` for an `Int` as
    /// "not valid JSON" with no path; this names the field instead.
    func decodeIntegerIfPresent<T: FixedWidthInteger & Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        do {
            return try decode(T.self, forKey: key)
        } catch {
            throw FieldError(codingPath + [key], .type(expected: "an integer"))
        }
    }

    /// A string or an array of strings (OpenAI's `stop`), as an array; nil when absent or null.
    func decodeStringsIfPresent(forKey key: Key) throws -> [String]? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        if let one = try? decode(String.self, forKey: key) { return [one] }
        guard var list = try? nestedUnkeyedContainer(forKey: key) else {
            throw FieldError(codingPath + [key], .type(expected: "a string or an array of strings"))
        }
        var strings: [String] = []
        while !list.isAtEnd {
            let index = list.currentIndex
            guard let s = try? list.decode(String.self) else {
                throw FieldError(codingPath + [key, AnyCodingKey(intValue: index)], .type(expected: "a string"))
            }
            strings.append(s)
        }
        return strings
    }

    /// A string-valued enum; an unknown value is an invalid value listing the accepted ones.
    func decodeEnumIfPresent<T: RawRepresentable & CaseIterable>(_ type: T.Type, forKey key: Key) throws -> T?
    where T.RawValue == String {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        let raw = try decode(String.self, forKey: key)
        guard let value = T(rawValue: raw) else {
            let accepted = T.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            throw FieldError(codingPath + [key], .value("'\(raw)' is not one of \(accepted)"))
        }
        return value
    }
}

extension UnkeyedDecodingContainer {
    /// The next element as an integer (see ``KeyedDecodingContainer/decodeIntegerIfPresent(_:forKey:)``).
    mutating func decodeInteger() throws -> Int {
        let path = codingPath + [AnyCodingKey(intValue: currentIndex)]
        do { return try decode(Int.self) } catch { throw FieldError(path, .type(expected: "an integer")) }
    }
}
