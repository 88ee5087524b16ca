/// Bounds on the work and output of `JSONSchemaGrammar` and `RegexGrammar`, so a hostile
/// schema (thousands of properties, huge enums, `{"minLength": 1000000}`,
/// `(a{1,1000}){1,1000}`) is refused with `.limitExceeded` naming the bound, in bounded time
/// and memory, instead of producing a grammar the matcher would have to expand.
public struct JSONSchemaLimits: Sendable, Equatable {
    /// Size of the schema's JSON text.
    public var maxSchemaBytes: Int
    /// JSON nesting of the schema text and nesting of subschemas visited.
    public var maxNestingDepth: Int
    /// Properties declared by one object schema.
    public var maxProperties: Int
    /// Entries of one `enum`.
    public var maxEnumEntries: Int
    /// Distinct `$ref` targets compiled (each becomes one rule, recursion included).
    public var maxRefExpansions: Int
    /// Rules in the emitted grammar.
    public var maxRules: Int
    /// Bytes of the emitted grammar text.
    public var maxGrammarBytes: Int
    /// Bytes of one `pattern`.
    public var maxPatternBytes: Int
    /// Largest repetition count a grammar may carry: `minLength`/`maxLength`, `minItems`/
    /// `maxItems`, and a pattern's `{m,n}` multiplied through nested groups (the matcher
    /// expands `x{m,n}` into copies of `x`). 2000 is llama.cpp's own bound.
    public var maxRepetition: Int

    public init(
        maxSchemaBytes: Int = 1 << 20, maxNestingDepth: Int = 128, maxProperties: Int = 2_000,
        maxEnumEntries: Int = 5_000, maxRefExpansions: Int = 2_000, maxRules: Int = 50_000,
        maxGrammarBytes: Int = 4 << 20, maxPatternBytes: Int = 8_192, maxRepetition: Int = 2_000
    ) {
        self.maxSchemaBytes = maxSchemaBytes
        self.maxNestingDepth = maxNestingDepth
        self.maxProperties = maxProperties
        self.maxEnumEntries = maxEnumEntries
        self.maxRefExpansions = maxRefExpansions
        self.maxRules = maxRules
        self.maxGrammarBytes = maxGrammarBytes
        self.maxPatternBytes = maxPatternBytes
        self.maxRepetition = maxRepetition
    }

    public static let `default` = JSONSchemaLimits()
}
