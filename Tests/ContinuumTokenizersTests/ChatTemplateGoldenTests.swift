import ContinuumTokenizers
import Foundation
import Testing

/// Every shipped template on every conversation of scripts/template-golden.py, against what
/// Python's jinja2 rendered (Tests/data/templates/expected.json): byte for byte, or an error
/// where jinja2 raised one.
@Suite struct ChatTemplateGoldenTests {
    struct Expected: Decodable {
        struct Message: Decodable {
            struct Call: Decodable { var id: String; var name: String; var arguments: String }
            var role: String
            var content: String?
            var tool_calls: [Call]?
            var tool_call_id: String?
            var name: String?
        }
        struct Case: Decodable {
            var name: String
            var messages: [Message]
            var tools: [String]
            var add_generation_prompt: Bool
        }
        struct Output: Decodable { var text: String?; var error: String? }
        struct Template: Decodable { var bos_token: String; var eos_token: String; var outputs: [String: Output] }
        var cases: [Case]
        var templates: [String: Template]
    }

    static let directory = Fixtures.packageRoot.appendingPathComponent("Tests/data/templates")
    /// 2026-07-26 13:05:09 UTC, the script's fixed clock.
    static let now = 1_785_071_109

    static func load() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: directory.appendingPathComponent("expected.json")))
    }

    @Test func everyTemplateMatchesJinja2() throws {
        let expected = try Self.load()
        var matched = 0, raised = 0
        #expect(expected.templates.count >= 7)
        for (name, t) in expected.templates.sorted(by: { $0.key < $1.key }) {
            let source = try String(contentsOf: Self.directory.appendingPathComponent(name + ".jinja"), encoding: .utf8)
            var template = try ChatTemplate(source: source, origin: name, bosToken: t.bos_token, eosToken: t.eos_token)
            template.strftime = JinjaTemplate.strftimeUTC(Self.now)
            for c in expected.cases {
                let messages = c.messages.map {
                    ChatMessage(role: $0.role, content: $0.content,
                                toolCalls: ($0.tool_calls ?? []).map { ChatToolCall(id: $0.id, name: $0.name, arguments: $0.arguments) },
                                toolCallID: $0.tool_call_id, name: $0.name)
                }
                let want = try #require(t.outputs[c.name], "\(name)/\(c.name) missing")
                do {
                    let got = try template.render(messages, tools: c.tools, addGenerationPrompt: c.add_generation_prompt)
                    #expect(want.text == got, "\(name)/\(c.name)")
                    if want.text == got { matched += 1 }
                } catch {
                    #expect(want.error != nil, "\(name)/\(c.name): threw \(error); jinja2 rendered it")
                    // raise_exception in jinja2 is TemplateError with the template's message.
                    if let e = want.error, e.hasPrefix("TemplateError: ") {
                        #expect(error.isRaisedByTemplate && "TemplateError: " + error.message == e, "\(name)/\(c.name): \(error)")
                    } else {
                        #expect(!error.isRaisedByTemplate, "\(name)/\(c.name): \(error)")
                    }
                    if want.error != nil { raised += 1 }
                }
            }
        }
        let total = expected.templates.count * expected.cases.count
        #expect(matched + raised == total)
        print("template golden: \(matched) rendered identically, \(raised) errors as jinja2, of \(total)")
    }
}
