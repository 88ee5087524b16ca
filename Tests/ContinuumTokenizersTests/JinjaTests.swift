import ContinuumTokenizers
import Testing

/// Errors and bounds of the Jinja interpreter: typed, naming the construct, never a crash or hang.
@Suite struct JinjaTests {
    func render(_ source: String, _ context: [String: JinjaValue] = [:], limits: JinjaTemplate.Limits = .init()) throws -> String {
        try JinjaTemplate(source).render(context, limits: limits)
    }

    @Test func errorsAreTypedAndNameTheirLine() throws {
        #expect(throws: JinjaError.syntax) { try render("a\n{% if %}") }
        do {
            _ = try render("a\n\n{{ x | nosuch }}")
            Issue.record("expected an error")
        } catch let e as JinjaError {
            #expect(e == .unsupported)
            #expect(e.message.contains("line 3") && e.message.contains("nosuch"))
        }
        #expect(throws: JinjaError.undefined) { try render("{{ missing.attr }}") }
        #expect(throws: JinjaError.type) { try render("{{ none + 'a' }}") }
        #expect(throws: JinjaError.unsupported) { try render("{% extends 'base' %}") }
        do {
            _ = try render("{{ raise_exception('roles must alternate') }}")
            Issue.record("expected an error")
        } catch let e as JinjaError {
            #expect(e == .raised && e.isRaisedByTemplate && e.message == "roles must alternate")
        }
    }

    @Test func loopsAreBounded() {
        var limits = JinjaTemplate.Limits()
        limits.loopIterations = 1000
        #expect(throws: JinjaError.limit) {
            try render("{% for i in range(100) %}{% for j in range(100) %}{% endfor %}{% endfor %}", limits: limits)
        }
        #expect(throws: JinjaError.limit) { try render("{{ range(100000000)|length }}", limits: limits) }
    }

    @Test func outputIsBounded() {
        var limits = JinjaTemplate.Limits()
        limits.outputBytes = 1000
        #expect(throws: JinjaError.limit) { try render("{% for i in range(200) %}xxxxxxxx{% endfor %}", limits: limits) }
        #expect(throws: JinjaError.limit) { try render("{{ 'x' * 100000 }}", limits: limits) }
    }

    @Test func recursionIsBounded() {
        #expect(throws: JinjaError.limit) { try render("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}") }
        let deep = "{{ " + String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000) + " }}"
        #expect(throws: JinjaError.limit) { try render(deep) }
        let nested = String(repeating: "{% if true %}", count: 5000) + String(repeating: "{% endif %}", count: 5000)
        #expect(throws: JinjaError.limit) { try render(nested) }
        let json = String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)
        #expect(throws: JinjaError.type) { try JinjaValue.parseJSON(json) }
    }

    @Test func hostileInputsThrowInsteadOfCrashing() {
        for source in ["{{", "{%", "{#", "{{ 'unclosed }}", "{{ 1 +", "{% for %}", "{% set %}", "{{ x[::0] }}", "{{ 1 // 0 }}",
                       "{{ 99999999999999999999999 }}", "{% macro %}", "{{ (1,2)[5:1:-1] }}", "{{ [][0] }}", "{% endif %}"] {
            do {
                _ = try render(source, ["x": .list([.int(1)])])
            } catch is JinjaError {
            } catch {
                Issue.record("\(source): untyped error \(error)")
            }
        }
    }

    @Test func valuesPrintAsPython() throws {
        #expect(try render("{{ x }}", ["x": .float(1)]) == "1.0")
        #expect(try render("{{ x }}", ["x": .float(1e16)]) == "1e+16")
        #expect(try render("{{ x }}", ["x": .float(1.5e-7)]) == "1.5e-07")
        #expect(try render("{{ x }}", ["x": .dict([("a", .none), ("b", .bool(true))])]) == "{'a': None, 'b': True}")
        #expect(try render("{{ x|tojson }}", ["x": .dict([("z", .float(2)), ("a", .string("é\u{1}"))])]) == #"{"z": 2.0, "a": "é\u0001"}"#)
    }
}

/// How long rendering and tokenizing a chat prompt takes (printed; bounded loosely so a
/// pathological slowdown fails).
@Suite struct ChatTemplateSpeedTests {
    @Test func renderAndPromptSpeed() throws {
        let tok = try Fixtures.qwen.get()
        let t = try ChatTemplate(gguf: try Fixtures.qwenGGUF.get())
        let tool = #"{"type": "function", "function": {"name": "get_weather", "description": "Weather.", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}"#
        var messages = [ChatMessage(role: "system", content: "You are terse.")]
        for i in 0..<10 {
            messages.append(ChatMessage(role: "user", content: "Question \(i): what is the weather like in city number \(i) today?"))
            messages.append(ChatMessage(role: "assistant", content: "It is sunny in city \(i), about \(20 + i) degrees."))
        }
        messages.append(ChatMessage(role: "user", content: "And tomorrow?"))
        let n = 200
        let clock = ContinuousClock()
        var chars = 0
        let render = clock.measure { for _ in 0..<n { chars += (try? t.render(messages, tools: [tool]))?.utf8.count ?? 0 } }
        var ids = 0
        let prompt = clock.measure { for _ in 0..<n { ids += (try? t.prompt(messages, tools: [tool], tokenizer: tok))?.count ?? 0 } }
        let perRender = render / n, perPrompt = prompt / n
        print("chat template (qwen2.5, 22 messages + 1 tool, \(chars / n) bytes, \(ids / n) tokens): render \(perRender), render+protect+tokenize \(perPrompt)")
        #expect(chars / n > 1000 && ids / n > 200)
        #expect(perPrompt < .milliseconds(200))
    }
}
