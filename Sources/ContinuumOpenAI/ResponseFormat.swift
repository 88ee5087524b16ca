public import Foundation

/// `response_format`: free text, any JSON object, or JSON valid against a schema.
public enum ResponseFormat: Codable, Sendable, Equatable {
    case text
    case jsonObject
    case jsonSchema(JSONSchemaFormat)

    /// `{"type": "json_schema", "json_schema": {...}}`'s inner object.
    public struct JSONSchemaFormat: Sendable, Equatable {
        public var name: String
        public var description: String?
        public var strict: Bool?
        /// The schema's JSON text as the client wrote it (key order matters: properties are
        /// generated in schema order). Nil when the request had no `schema` (OpenAI then
        /// accepts any JSON).
        public var schema: String?

        public init(name: String, description: String? = nil, strict: Bool? = nil, schema: String?) {
            self.name = name
            self.description = description
            self.strict = strict
            self.schema = schema
        }
    }

    private enum Kind: String, CaseIterable { case text, json_object, json_schema }
    private enum CodingKeys: String, CodingKey { case type, jsonSchema = "json_schema" }
    private enum SchemaKeys: String, CodingKey { case name, description, strict, schema }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let kind = try c.decodeEnumIfPresent(Kind.self, forKey: .type) else {
            throw DecodingError.keyNotFound(CodingKeys.type, .init(codingPath: c.codingPath, debugDescription: "type"))
        }
        switch kind {
        case .text: self = .text
        case .json_object: self = .jsonObject
        case .json_schema:
            guard c.contains(.jsonSchema), try !c.decodeNil(forKey: .jsonSchema) else {
                throw DecodingError.keyNotFound(CodingKeys.jsonSchema, .init(codingPath: c.codingPath, debugDescription: "json_schema"))
            }
            let s = try c.nestedContainer(keyedBy: SchemaKeys.self, forKey: .jsonSchema)
            let name = try s.decode(String.self, forKey: .name)
            var schema: String?
            if s.contains(.schema), try !s.decodeNil(forKey: .schema) {
                // Text for now, without key order; `attachRaw` replaces it with the client's bytes.
                schema = try JSONText.canonical(s.decode(JSONText.self, forKey: .schema), at: s.codingPath + [SchemaKeys.schema])
            }
            self = .jsonSchema(JSONSchemaFormat(name: name, description: try s.decodeIfPresent(String.self, forKey: .description),
                                                strict: try s.decodeIfPresent(Bool.self, forKey: .strict), schema: schema))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .text: try c.encode("text", forKey: .type)
        case .jsonObject: try c.encode("json_object", forKey: .type)
        case .jsonSchema(let f):
            try c.encode("json_schema", forKey: .type)
            var s = c.nestedContainer(keyedBy: SchemaKeys.self, forKey: .jsonSchema)
            try s.encode(f.name, forKey: .name)
            try s.encodeIfPresent(f.description, forKey: .description)
            try s.encodeIfPresent(f.strict, forKey: .strict)
            if let schema = f.schema { try s.encode(JSONText(text: schema), forKey: .schema) }
        }
    }
}

/// Any JSON value, kept as text. Decoding goes through Foundation (key order is lost, so the
/// gateway re-reads the client's bytes with ``RawJSON``); encoding writes the text back as is.
struct JSONText: Codable, Equatable {
    var text: String

    init(text: String) { self.text = text }

    init(from decoder: any Decoder) throws {
        let value = try AnyJSON(from: decoder)
        text = String(decoding: try JSONSerialization.data(withJSONObject: value.object, options: [.fragmentsAllowed, .sortedKeys]), as: UTF8.self)
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(AnyJSON(object: try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])))
    }

    /// The text of a value that must be a JSON object (a schema).
    static func canonical(_ v: JSONText, at path: [any CodingKey]) throws -> String {
        guard v.text.hasPrefix("{") else { throw FieldError(path, .type(expected: "an object")) }
        return v.text
    }
}

/// A JSON value as Foundation objects, for `JSONText`.
struct AnyJSON: Codable {
    var object: Any

    init(object: Any) { self.object = object }

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { object = NSNull() }
        else if let b = try? c.decode(Bool.self) { object = b }
        else if let i = try? c.decode(Int.self) { object = i }
        else if let d = try? c.decode(Double.self) { object = d }
        else if let s = try? c.decode(String.self) { object = s }
        else if let a = try? c.decode([AnyJSON].self) { object = a.map(\.object) }
        else { object = try c.decode([String: AnyJSON].self).mapValues(\.object) }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch object {
        case is NSNull: try c.encodeNil()
        case let b as Bool: try c.encode(b)
        case let i as Int: try c.encode(i)
        case let d as Double: try c.encode(d)
        case let s as String: try c.encode(s)
        case let a as [Any]: try c.encode(a.map(AnyJSON.init(object:)))
        case let o as [String: Any]: try c.encode(o.mapValues(AnyJSON.init(object:)))
        default: try c.encodeNil()
        }
    }
}
