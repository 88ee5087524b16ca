import ContinuumReplay
import ContinuumRouting
import Foundation
import Testing

/// The readers on ../shared/data/routing-quality and on broken files.
@Suite struct QualityDataTests {
    static let data = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("../shared/data").standardized.path

    @Test func readsTheSharedBenchmarks() throws {
        let sets = try QualityData.all(dataDirectory: Self.data)
        #expect(sets.map(\.benchmark) == ["gsm8k", "mt-bench", "arc-challenge", "mbpp", "winogrande"])
        #expect(sets.map(\.examples.count) == [1307, 72, 1031, 299, 887])
        #expect(sets.map(\.excluded) == [12, 8, 0, 0, 0])
        #expect(sets[2].unscored == 8)
        let gsm = sets[0].examples
        // Weak and strong accuracy as RouteLLM reports them after decontamination.
        let weakAccuracy: Double = gsm.map(\.weak).reduce(0, +) / Double(gsm.count)
        #expect(abs(weakAccuracy - 0.6373) < 1e-4)
        #expect(!gsm.contains { $0.prompt.hasPrefix("Janet’s ducks lay 16 eggs") })  // contaminated
        // MT-Bench: question 81 (Hawaii blog) is contaminated; scores are judge means of two turns.
        #expect(!sets[1].examples.contains { $0.prompt.contains("Hawaii") })
        #expect(sets[1].examples.allSatisfy { (1...10).contains($0.weak) && (1...10).contains($0.strong) })
        // RouterBench: the shared few-shot exemplars are cut; the question stays.
        for e in sets[2].examples {
            #expect(!e.prompt.contains("George wants to warm his hands"))
            #expect(e.prompt.hasSuffix("Answer:"))
        }
        #expect(sets[3].examples.contains { $0.prompt == "Write a python function to count inversions in an array." })
    }

    func temp(_ name: String, _ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("quality-\(UUID().uuidString)-\(name)")
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test func malformedRowsNameFileAndLine() throws {
        let contam = try temp("c.jsonl", "{\"eval_prompt\": \"x\"}\n")
        let csv = try temp("g.csv", """
            prompt,mistralai/Mixtral-8x7B-Instruct-v0.1,gpt-4-1106-preview
            "two
            lines",True,False
            q,maybe,True

            """)
        do {
            _ = try QualityData.gsm8k(responses: csv, contaminated: contam)
            Issue.record("accepted 'maybe'")
        } catch {
            #expect(error.description.contains("\(csv):4:") && error.description.contains("not True or False"), "\(error)")
        }
        let jsonl = try temp("o.jsonl", "{\"prompt\": \"a\", \"weak\": 0, \"strong\": 1}\n{\"prompt\": \"b\", \"strong\": 1}\n")
        do {
            _ = try QualityData.jsonl(path: jsonl, benchmark: "live")
            Issue.record("accepted a row without weak")
        } catch {
            #expect(error.description.contains("\(jsonl):2: missing \"weak\""), "\(error)")
        }
        let open = try temp("u.csv", "prompt,a,b\n\"never closed,1,0\n")
        #expect(throws: QualityDataError.self) { try QualityData.routerBench(path: open, benchmark: "x", weak: "a", strong: "b") }
        let list = try temp("l.csv", "prompt,a,b\nnot a list,1,0\n")
        do {
            _ = try QualityData.routerBench(path: list, benchmark: "x", weak: "a", strong: "b")
            Issue.record("accepted a prompt that is no list")
        } catch {
            #expect(error.description.contains("\(list):2: prompt is not a Python list"), "\(error)")
        }
    }

    @Test func readsRouterBenchPromptLists() throws {
        let path = try temp("r.csv", #"""
            prompt,a,b
            "['Q1\n\nIt\'s \""x\""\\y \u00e9']",1.0,0.0
            "[""Q1\n\nsecond""]",0.0,1.0
            "['Q1\n\nthird']",,1.0

            """#)
        let s = try QualityData.routerBench(path: path, benchmark: "x", weak: "a", strong: "b")
        // The shared first block is cut; escapes are Python's.
        #expect(s.examples.map(\.prompt) == ["It's \"x\"\\y é", "second"])
        #expect(s.examples.map(\.escalates) == [false, true])
        #expect(s.unscored == 1)
    }
}
