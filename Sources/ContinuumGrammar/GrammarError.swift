/// Why a grammar, a JSON Schema or a regular expression was refused. `message` names the
/// rule, keyword or limit at fault, so the gateway can pass it on in a 400.
public struct GrammarError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The GBNF text does not parse (message gives line and column).
        case syntax
        /// A rule is referenced but never defined, or the root is missing.
        case undefinedRule
        /// A JSON Schema keyword or value the compiler cannot enforce.
        case unsupportedKeyword
        /// The schema itself is invalid (wrong type for a keyword, dangling $ref, …).
        case invalidSchema
        /// A bound on size, depth or work was reached (the message names the limit).
        case limitExceeded
        /// A regular expression (`pattern`) outside the supported subset or malformed.
        case invalidPattern
        /// A grammar that can match nothing, or left recursion the matcher cannot run.
        case unusable
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
