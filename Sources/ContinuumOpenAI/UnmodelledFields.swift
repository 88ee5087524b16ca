extension OpenAIRequest {
    /// The top-level keys of the body that are not in `modelled` and not null, sorted: what
    /// a server that only knows the modelled fields would silently ignore.
    static func unmodelledFields(_ decoder: any Decoder, modelled: Set<String>) throws -> [String] {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        return c.allKeys.filter { !modelled.contains($0.stringValue) && (try? c.decodeNil(forKey: $0)) != true }
            .map(\.stringValue).sorted()
    }
}
