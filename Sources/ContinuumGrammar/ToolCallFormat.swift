/// The tool-call format Continuum asks models for: Qwen2.5's, which its chat template
/// defines, and the generic format for templates that define none (the same tags, explained
/// in a system message). ``ToolCallParser`` reads it back.
public enum ToolCallFormat {
    /// One function the model may call.
    public struct Function: Sendable, Equatable {
        public var name: String
        public var description: String?
        /// Its parameters' JSON Schema as text; nil: it takes none (arguments `{}`).
        public var parameters: String?

        public init(name: String, description: String? = nil, parameters: String? = nil) {
            self.name = name
            self.description = description
            self.parameters = parameters
        }

        /// The OpenAI tool object (`{"type": "function", "function": {...}}`) as JSON text.
        public var toolJSON: String {
            var f = "{\"name\": \(Self.quote(name))"
            if let description { f += ", \"description\": \(Self.quote(description))" }
            if let parameters { f += ", \"parameters\": \(parameters)" }
            return "{\"type\": \"function\", \"function\": \(f)}}"
        }

        static func quote(_ s: String) -> String { JSONSchemaValue.quoted(s) }
    }

    /// The system message of the generic format (Qwen2.5's wording, which small models
    /// trained on similar data follow best).
    public static func systemPrompt(_ functions: [Function]) -> String {
        "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
            + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
            + functions.map(\.toolJSON).joined(separator: "\n")
            + "\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
            + "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call>"
    }

    /// An assistant's earlier call as the model would have written it.
    public static func render(name: String, arguments: String) -> String {
        "<tool_call>\n{\"name\": \(Function.quote(name)), \"arguments\": \(arguments)}\n</tool_call>"
    }

    /// A grammar whose every sentence is one call (or, with `parallel`, one or more calls
    /// separated by newlines) of one of `functions`, its arguments valid against the
    /// function's schema. Throws what compiling a schema throws, naming the function.
    public static func gbnf(_ functions: [Function], parallel: Bool, limits: JSONSchemaLimits = .default) throws(GrammarError) -> String {
        guard !functions.isEmpty else { throw GrammarError(.unusable, "no function to call") }
        var rules: [String] = []
        var alternatives: [String] = []
        for (i, f) in functions.enumerated() {
            let prefix = "tool\(i)-"
            if let parameters = f.parameters {
                do {
                    rules.append(try JSONSchemaGrammar.gbnf(schema: parameters, rulePrefix: prefix, limits: limits))
                } catch {
                    throw GrammarError(error.kind, "tools[\(i)].function.parameters (\(f.name)): \(error.message)")
                }
            } else {
                rules.append("\(prefix)root ::= \"{}\"")
            }
            // Names are letters, digits, '_' and '-' (validated with the request), safe in a literal.
            alternatives.append("\"\(f.name)\\\", \\\"arguments\\\": \" \(prefix)root")
        }
        let call = "tool-call ::= \"<tool_call>\\n{\\\"name\\\": \\\"\" ( " + alternatives.joined(separator: " | ") + " ) \"}\\n</tool_call>\""
        let root = parallel ? "root ::= tool-call (\"\\n\" tool-call)*" : "root ::= tool-call"
        return ([root, call] + rules).joined(separator: "\n")
    }
}
