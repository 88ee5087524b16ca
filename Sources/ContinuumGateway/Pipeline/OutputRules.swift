import ContinuumEngine
import ContinuumGrammar
import ContinuumOpenAI
import ContinuumTokenizers

/// What a request asks of its output's shape, as a local engine carries it out: the grammar
/// text to compile (from `grammar`, `response_format` or a required tool call), whether tool
/// calls are read out of the answer, and the tools to present to the model.
struct OutputRules: Sendable {
    /// GBNF to enforce, and the request field it came from (named in errors).
    var gbnf: (text: String, field: String)?
    /// The functions the model is told about (empty: no tools in the prompt).
    var functions: [ToolCallFormat.Function] = []
    /// Read `<tool_call>` blocks out of the answer into `tool_calls`.
    var parsesToolCalls = false

    static let none = OutputRules()

    /// The rules of a chat request. Throws a 400 naming the field whose schema or grammar
    /// cannot be enforced.
    init(chat r: ChatCompletionRequest) throws(OpenAIError) {
        let choice = r.toolChoice ?? (r.tools.isEmpty ? .none : .auto)
        if choice != .none {
            functions = r.tools.map { ToolCallFormat.Function(name: $0.function.name, description: $0.function.description,
                                                              parameters: $0.function.parameters) }
            parsesToolCalls = true
        }
        switch choice {
        case .required:
            gbnf = (try Self.compile("tools") { () throws(GrammarError) in
                try ToolCallFormat.gbnf(functions, parallel: r.parallelToolCalls ?? true)
            }, "tools")
        case .function(let name):
            gbnf = (try Self.compile("tools") { () throws(GrammarError) in
                try ToolCallFormat.gbnf(functions.filter { $0.name == name }, parallel: false)
            }, "tools")
        case .auto, .none:
            // Validate every tool's schema now, so an invalid one is a 400 even when the
            // model is free not to call it.
            for (i, f) in functions.enumerated() {
                if let p = f.parameters {
                    _ = try Self.compile("tools[\(i)].function.parameters") { () throws(GrammarError) in
                        try JSONSchemaGrammar.gbnf(schema: p, rulePrefix: "")
                    }
                }
            }
            gbnf = try Self.grammar(r.grammar, format: r.responseFormat)
        }
    }

    /// The rules of a text completion (`grammar` or `response_format`).
    init(completion r: CompletionRequest) throws(OpenAIError) {
        gbnf = try Self.grammar(r.grammar, format: r.responseFormat)
    }

    private init() {}

    private static func grammar(_ grammar: String?, format: ResponseFormat?) throws(OpenAIError) -> (text: String, field: String)? {
        if let grammar { return (grammar, "grammar") }
        switch format {
        case nil, .text?: return nil
        case .jsonObject?: return (JSONSchemaGrammar.anyJSONObject(), "response_format")
        case .jsonSchema(let f)?:
            let field = "response_format.json_schema.schema"
            guard let schema = f.schema else { return (JSONSchemaGrammar.anyJSONObject(), field) }
            return (try compile(field) { () throws(GrammarError) in try JSONSchemaGrammar.gbnf(schema: schema) }, field)
        }
    }

    private static func compile(_ field: String, _ body: () throws(GrammarError) -> String) throws(OpenAIError) -> String {
        do {
            return try body()
        } catch {
            throw .invalidValue(param: field, error.message)
        }
    }

    /// The engine's constraint: the grammar compiled (or found in the engine's cache).
    func constraint(engine: BatchEngine, logprobs: Bool) throws(OpenAIError) -> OutputConstraint? {
        guard let gbnf else { return nil }
        do {
            return OutputConstraint(grammar: try engine.grammars.grammar(gbnf: gbnf.text), forceTokens: !logprobs)
        } catch {
            throw .invalidValue(param: gbnf.field, error.message)
        }
    }
}
