import ContinuumTokenizers
import Foundation
import Testing

/// One Jinja feature per snippet (scripts/template-features.py), against Python jinja2's
/// output in Tests/data/templates/jinja-features.json.
@Suite struct JinjaFeatureTests {
    struct Case: Decodable { var name: String; var template: String; var text: String?; var error: String? }
    struct File: Decodable { var cases: [Case] }

    static let url = Fixtures.packageRoot.appendingPathComponent("Tests/data/templates/jinja-features.json")

    /// The shared context, read with key order kept (the test's JSONDecoder would lose it).
    static func context() throws -> [String: JinjaValue] {
        let text = try String(contentsOf: url, encoding: .utf8)
        let all = try JinjaValue.parseJSON(text)
        guard case .dict(let d) = all, case .dict(let ctx)? = d[.string("context")] else { throw Fixtures.Missing(description: "no context") }
        var out: [String: JinjaValue] = [:]
        for (k, v) in ctx.pairs { if case .string(let key) = k { out[key] = v } }
        return out
    }

    @Test func everySnippetMatchesJinja2() throws {
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: Self.url))
        let context = try Self.context()
        var matched = 0
        #expect(file.cases.count >= 60)
        for c in file.cases {
            do {
                let t = try JinjaTemplate(c.template)
                let got = try t.render(context, strftime: JinjaTemplate.strftimeUTC(ChatTemplateGoldenTests.now))
                #expect(c.text == got, "\(c.name)")
                if c.text == got { matched += 1 }
            } catch {
                #expect(c.error != nil, "\(c.name): threw \(error); jinja2 rendered \(c.text ?? "")")
                if c.error != nil { matched += 1 }
            }
        }
        print("jinja features: \(matched) of \(file.cases.count) as jinja2")
    }
}
