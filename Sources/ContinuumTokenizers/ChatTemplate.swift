public import ContinuumGGUF
import Foundation

/// A tool call an assistant message made: `arguments` is the JSON object text as OpenAI
/// sends it; templates see it parsed into an order-preserving dict (as vLLM passes it).
public struct ChatToolCall: Sendable, Codable, Equatable {
    public var id: String
    public var name: String
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// One message of a conversation.
public struct ChatMessage: Sendable, Codable, Equatable {
    /// "system", "user", "assistant" or "tool".
    public var role: String
    /// nil: no content (an assistant message that only calls tools); templates see `none`.
    public var content: String?
    public var toolCalls: [ChatToolCall]
    /// The call a "tool" message answers.
    public var toolCallID: String?
    /// The tool's (or participant's) name.
    public var name: String?

    public init(role: String, content: String?, toolCalls: [ChatToolCall] = [], toolCallID: String? = nil, name: String? = nil) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
        self.name = name
    }

    private enum CodingKeys: String, CodingKey { case role, content, toolCalls, toolCallID, name }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        role = try c.decode(String.self, forKey: .role)
        content = try c.decodeIfPresent(String.self, forKey: .content)
        toolCalls = try c.decodeIfPresent([ChatToolCall].self, forKey: .toolCalls) ?? []
        toolCallID = try c.decodeIfPresent(String.self, forKey: .toolCallID)
        name = try c.decodeIfPresent(String.self, forKey: .name)
    }
}

/// Renders a conversation into the prompt text a model was trained on, with the model's own
/// Jinja chat template (`tokenizer.chat_template`) or a shipped/user one, byte for byte as
/// transformers' `apply_chat_template` does (`JinjaTemplate`).
///
/// The template is parsed, and tried on a small conversation, when built: a template using
/// something the interpreter lacks fails at model load, not on every request.
public struct ChatTemplate: Sendable {
    /// Which template to use instead of the model's.
    public enum Kind: Sendable, Equatable {
        /// Plain ChatML with no default system message.
        case chatml
        /// A shipped template by short name (`ChatTemplate.shippedNames`).
        case named(String)
        /// A `.jinja` file.
        case file(String)
        /// Template text.
        case source(String)

        /// `NAME` (a shipped template) or a path to a `.jinja` file, as `--template` takes it.
        public static func parse(_ text: String) -> Kind {
            ShippedTemplates.sources[text] != nil ? .named(text) : .file(text)
        }
    }

    /// Short names of the shipped templates (`--template NAME`).
    public static var shippedNames: [String] { ShippedTemplates.sources.keys.sorted() }

    /// The template text.
    public var source: String { template.source }
    /// Where the template came from ("the model's tokenizer.chat_template", a name or a path).
    public let origin: String
    /// Texts templates get as `bos_token` and `eos_token`.
    public let bosToken: String
    public let eosToken: String
    /// Whether the template renders `tools` itself; when not, a caller wanting tools must
    /// describe them in a message of its own.
    public let supportsTools: Bool
    /// `strftime_now(fmt)`: local time by default; tests fix it.
    public var strftime: @Sendable (String) -> String = JinjaTemplate.strftimeNow
    let template: JinjaTemplate

    /// The private-use character marking special-token text inside message contents, so it is
    /// encoded as plain text (see `prompt(_:tools:addGenerationPrompt:tokenizer:)`).
    static let sentinel: Unicode.Scalar = Unicode.Scalar(UInt32(0xFDD0)) ?? "\u{E000}"  // a valid scalar; literals reject noncharacters

    /// The template of a GGUF model (`tokenizer.chat_template`), or `override` when given;
    /// `bos_token`/`eos_token` are the texts of the model's BOS and EOS tokens.
    public init(gguf: GGUFFile, override: Kind? = nil) throws(TokenizerError) {
        let m = gguf.metadata
        func tokenText(_ key: String) -> String {
            guard let id = m[key]?.intValue, case .array(.string, let tokens)? = m["tokenizer.ggml.tokens"],
                  id >= 0, id < tokens.count else { return "" }
            return tokens[id].stringValue ?? ""
        }
        try self.init(template: m["tokenizer.chat_template"]?.stringValue, override: override,
                      bosToken: tokenText("tokenizer.ggml.bos_token_id"), eosToken: tokenText("tokenizer.ggml.eos_token_id"))
    }

    /// The template `override` chooses, else `template` (a model's template text). Throws
    /// `TokenizerError.unknownChatTemplate` when neither gives one, or it does not parse or
    /// fails its trial render.
    public init(template: String?, override: Kind? = nil, bosToken: String = "", eosToken: String = "") throws(TokenizerError) {
        let source: String
        let origin: String
        switch override {
        case .chatml?:
            (source, origin) = (ShippedTemplates.sources["chatml"] ?? "", "chatml")
        case .named(let n)?:
            guard let s = ShippedTemplates.sources[n] else {
                throw .unknownChatTemplate("no shipped chat template '\(n)'; known: \(Self.shippedNames.joined(separator: ", "))")
            }
            (source, origin) = (s, n)
        case .file(let path)?:
            guard let data = FileManager.default.contents(atPath: path), let s = String(data: data, encoding: .utf8) else {
                throw .unknownChatTemplate("cannot read chat template file '\(path)' (shipped names: \(Self.shippedNames.joined(separator: ", ")))")
            }
            (source, origin) = (s, path)
        case .source(let s)?:
            (source, origin) = (s, "the given template")
        case nil:
            guard let template else { throw .unknownChatTemplate("the model has no tokenizer.chat_template") }
            (source, origin) = (template, "the model's tokenizer.chat_template")
        }
        do {
            try self.init(source: source, origin: origin, bosToken: bosToken, eosToken: eosToken)
        } catch {
            throw .unknownChatTemplate("\(origin): \(error)")
        }
    }

    /// Parses `source` and tries it on a one-message conversation (with and without tools and
    /// a system message); errors the template raises on purpose (`raise_exception`) are
    /// accepted there, anything else is thrown.
    public init(source: String, origin: String = "template", bosToken: String = "", eosToken: String = "") throws(JinjaError) {
        template = try JinjaTemplate(source)
        self.origin = origin
        self.bosToken = bosToken
        self.eosToken = eosToken
        supportsTools = Self.referencesTools(source)
        let trials: [([ChatMessage], [String])] = [
            ([ChatMessage(role: "user", content: "Hi")], []),
            ([ChatMessage(role: "system", content: "S"), ChatMessage(role: "user", content: "Hi")], []),
            ([ChatMessage(role: "user", content: "Hi")],
             [#"{"type": "function", "function": {"name": "f", "description": "d", "parameters": {"type": "object", "properties": {}}}}"#]),
        ]
        for (messages, tools) in trials {
            do {
                _ = try render(messages, tools: supportsTools ? tools : [], addGenerationPrompt: true)
            } catch where error.isRaisedByTemplate {
                continue
            }
        }
    }

    /// Whether the template mentions the `tools` variable outside string literals.
    static func referencesTools(_ source: String) -> Bool {
        guard let tokens = try? JinjaLexer.tokenize(source) else { return false }
        return tokens.contains { $0.kind == .name && $0.text == "tools" }
    }

    /// The prompt text for `messages`; `tools` are JSON texts of OpenAI tool objects
    /// (`{"type": "function", "function": {...}}`); `extra` adds template variables
    /// (e.g. `enable_thinking`). Throws what the template raises (`JinjaError.raised` when it
    /// rejects the conversation, e.g. roles that do not alternate).
    public func render(_ messages: [ChatMessage], tools: [String] = [], addGenerationPrompt: Bool = true,
                       extra: [String: JinjaValue] = [:]) throws(JinjaError) -> String {
        try render(messages, tools: tools, addGenerationPrompt: addGenerationPrompt, extra: extra, protect: { $0 })
    }

    func render(_ messages: [ChatMessage], tools: [String], addGenerationPrompt: Bool, extra: [String: JinjaValue],
                protect: (String) -> String) throws(JinjaError) -> String {
        var context = extra
        var list: [JinjaValue] = []
        for m in messages { list.append(try Self.value(of: m, protect: protect)) }
        context["messages"] = .list(list)
        var toolValues: [JinjaValue] = []
        for (k, t) in tools.enumerated() { toolValues.append(try Self.protectStrings(JinjaJSON.parse(t, what: "tool \(k)"), protect)) }
        context["tools"] = tools.isEmpty ? JinjaValue.none : .list(toolValues)
        context["add_generation_prompt"] = .bool(addGenerationPrompt)
        context["bos_token"] = .string(bosToken)
        context["eos_token"] = .string(eosToken)
        return try template.render(context, strftime: strftime)
    }

    /// The dict a template sees for a message (keys as vLLM/transformers pass them).
    static func value(of m: ChatMessage, protect: (String) -> String) throws(JinjaError) -> JinjaValue {
        var d = JinjaDict()
        d[.string("role")] = .string(m.role)
        d[.string("content")] = m.content.map { .string(protect($0)) } ?? JinjaValue.none
        if !m.toolCalls.isEmpty {
            var calls: [JinjaValue] = []
            for c in m.toolCalls {
                let args = try protectStrings(JinjaJSON.parse(c.arguments, what: "the arguments of tool call '\(c.id)'"), protect)
                calls.append(.dict([("id", .string(c.id)), ("type", .string("function")),
                                    ("function", .dict([("name", .string(protect(c.name))), ("arguments", args)]))]))
            }
            d[.string("tool_calls")] = .list(calls)
        }
        if let id = m.toolCallID { d[.string("tool_call_id")] = .string(id) }
        if let n = m.name { d[.string("name")] = .string(protect(n)) }
        return .dict(d)
    }

    /// Applies `protect` to every string (keys and values) inside a JSON value.
    static func protectStrings(_ v: JinjaValue, _ protect: (String) -> String) -> JinjaValue {
        switch v {
        case .string(let s): return .string(protect(s))
        case .list(let l): return .list(l.map { protectStrings($0, protect) })
        case .dict(let d):
            var out = JinjaDict()
            for p in d.pairs { out[protectStrings(p.key, protect)] = protectStrings(p.value, protect) }
            return .dict(out)
        default: return v
        }
    }

    // MARK: Tokens

    /// The prompt's token ids. Message contents, names, tool-call arguments and tool texts are
    /// never parsed for control tokens (a user writing `<|im_start|>system` cannot forge a
    /// turn): before rendering, `sentinel` is put inside every special-token text they contain
    /// (after stripping any sentinel already there); the rendered prompt is then encoded with
    /// special tokens parsed, so only the template's own markup becomes control tokens, and the
    /// sentinels are removed from the plain text before BPE. BOS is added as the model says
    /// unless the template wrote it already.
    public func prompt(_ messages: [ChatMessage], tools: [String] = [], addGenerationPrompt: Bool = true,
                       extra: [String: JinjaValue] = [:], tokenizer: Tokenizer) throws(JinjaError) -> [Int32] {
        let specials = tokenizer.specialTokenTexts
        let text = try render(messages, tools: tools, addGenerationPrompt: addGenerationPrompt, extra: extra) { s in
            Self.protect(s, specials: specials)
        }
        let bosWritten = !bosToken.isEmpty && text.hasPrefix(bosToken)
        return tokenizer.encodeMarked(text, addBOS: bosWritten ? false : nil)
    }

    /// `s` without sentinels, with one inserted after the first character of every occurrence
    /// of a special token's text.
    static func protect(_ s: String, specials: [String]) -> String {
        var scalars = Array(s.unicodeScalars.filter { $0 != sentinel })
        guard !specials.isEmpty else { return String(String.UnicodeScalarView(scalars)) }
        // Token texts by first character: most characters start none.
        var byFirst: [Unicode.Scalar: [[Unicode.Scalar]]] = [:]
        for t in specials {
            let l = Array(t.unicodeScalars)
            if l.count > 1 { byFirst[l[0], default: []].append(l) }
        }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(scalars.count)
        for i in scalars.indices {
            let u = scalars[i]
            out.append(u)
            if let lists = byFirst[u], lists.contains(where: { l in
                i + l.count <= scalars.count && scalars[i..<i + l.count].elementsEqual(l)
            }) {
                out.append(sentinel)
            }
        }
        scalars = out
        return String(String.UnicodeScalarView(scalars))
    }
}
