import ContinuumEngine
import ContinuumGrammar
import ContinuumTokenizers
import Foundation
import Testing

/// Grammar-constrained generation in the batch engine, on the real default model.
@Suite(.serialized) struct ConstrainedDecodingTests {
    static func collect(_ stream: AsyncThrowingStream<GenerationUpdate, any Error>) async throws -> (GenerationResult?, String) {
        var result: GenerationResult?
        var text = ""
        for try await u in stream {
            switch u {
            case .token(let t): text += t.text
            case .finished(let r): result = r
            }
        }
        return (result, text)
    }

    static let colour = #"root ::= "{\"colour\": \"" ("red" | "green" | "blue") "\", \"count\": " [1-9] [0-9]? "}""#

    @Test func outputFollowsTheGrammarAndEndsWhenItIsComplete() async throws {
        guard let e = try BatchEngineTests.engine() else { return }
        let prompt = try e.chatPrompt([ChatMessage(role: "user", content: "Pick a colour and a number, as JSON.")])
        var p = SamplingParameters(temperature: 1, topK: 0, topP: 1, minP: 0, seed: 7)
        p.maxTokens = 64
        for force in [false, true] {
            for seed in UInt64(1)...4 {
                p.seed = seed
                let c = OutputConstraint(grammar: try e.grammars.grammar(gbnf: Self.colour), forceTokens: force)
                let (r, streamed) = try await Self.collect(try e.submit(prompt: prompt, parameters: p, constraint: c))
                let text = try #require(r).text
                #expect(text == streamed)
                #expect(r?.finishReason == .stop)
                #expect(text.range(of: #"^\{"colour": "(red|green|blue)", "count": [1-9][0-9]?\}$"#, options: .regularExpression) != nil, "\(text)")
            }
        }
    }

    /// Forced text is tokenized greedily by longest token, which may not be how the model would
    /// have spelled it, so what follows it may differ; both follow the grammar.
    @Test func forcedTokensTakeFewerSteps() async throws {
        guard let e = try BatchEngineTests.engine() else { return }
        let prompt = try e.chatPrompt([ChatMessage(role: "user", content: "Say something.")])
        let g = #"root ::= "The quick brown fox jumps over the lazy dog. " [a-z]+ ".""#
        var p = SamplingParameters.greedy
        p.maxTokens = 40
        var texts: [String] = []
        var steps: [Int] = []
        for force in [false, true] {
            let before = e.stats.steps
            let (r, _) = try await Self.collect(try e.submit(prompt: prompt, parameters: p,
                                                            constraint: OutputConstraint(grammar: try e.grammars.grammar(gbnf: g), forceTokens: force,
                                                                                         closesWithinBudget: false)))
            texts.append(r?.text ?? "")
            steps.append(e.stats.steps - before)
        }
        for t in texts {
            #expect(t.range(of: #"^The quick brown fox jumps over the lazy dog\. [a-z]+\.$"#, options: .regularExpression) != nil, "\(t)")
        }
        #expect(steps[1] < steps[0], "steps without and with forcing: \(steps)")
    }

    @Test func aGrammarThatCannotFinishEndsWithLength() async throws {
        guard let e = try BatchEngineTests.engine() else { return }
        let prompt = try e.chatPrompt([ChatMessage(role: "user", content: "Count.")])
        var p = SamplingParameters.greedy
        p.maxTokens = 8
        // At least 40 items: more tokens than the budget holds, so no completion fits.
        let g = #"root ::= "[" ("1, "){40} "]""#
        let (r, _) = try await Self.collect(try e.submit(prompt: prompt, parameters: p,
                                                        constraint: OutputConstraint(grammar: try e.grammars.grammar(gbnf: g), forceTokens: false)))
        #expect(r?.finishReason == .length)
        #expect(r?.completionTokens == 8)
    }

    /// A recursive grammar the small model never leaves on its own: near the budget the
    /// shortest completion is spelled out, so the answer is complete instead of cut off.
    @Test func aRecursiveAnswerIsClosedBeforeTheBudgetRunsOut() async throws {
        guard let e = try BatchEngineTests.engine() else { return }
        let prompt = try e.chatPrompt([ChatMessage(role: "user", content: "Nest brackets deeply.")])
        let g = """
            root ::= node
            node ::= "{\\"children\\": [" (node (", " node)*)? "]}"
            """
        for (closes, budget) in [(true, 40), (true, 64), (false, 40)] {
            var p = SamplingParameters.greedy
            p.maxTokens = budget
            let c = OutputConstraint(grammar: try e.grammars.grammar(gbnf: g), closesWithinBudget: closes)
            let (r, streamed) = try await Self.collect(try e.submit(prompt: prompt, parameters: p, constraint: c))
            let text = try #require(r).text
            #expect(text == streamed)
            #expect(r!.completionTokens <= budget)
            if closes {
                #expect(r?.finishReason == .stop, "\(text)")
                let opened = text.filter { $0 == "[" }.count, closed = text.filter { $0 == "]" }.count
                #expect(opened == closed && text.hasSuffix("]}"), "\(text)")
            } else {
                #expect(r?.finishReason == .length)
            }
        }
    }

    @Test func constrainedAndFreeRequestsShareStepsAndTheFreeOneIsUnchanged() async throws {
        guard let e = try BatchEngineTests.engine() else { return }
        let free = try e.chatPrompt([ChatMessage(role: "user", content: "What is the capital of France?")])
        var p = SamplingParameters.greedy
        p.maxTokens = 24
        let (alone, _) = try await Self.collect(try e.submit(prompt: free, parameters: p))
        let grammar = try e.grammars.grammar(gbnf: Self.colour)
        let (together, json) = try await withThrowingTaskGroup(of: (Int, GenerationResult?).self) { group in
            let a = try e.submit(prompt: free, parameters: p)
            let b = try e.submit(prompt: try e.chatPrompt([ChatMessage(role: "user", content: "JSON please")]), parameters: p,
                                 constraint: OutputConstraint(grammar: grammar))
            group.addTask { (0, try await Self.collect(a).0) }
            group.addTask { (1, try await Self.collect(b).0) }
            var out: [Int: GenerationResult?] = [:]
            for try await (i, r) in group { out[i] = r }
            return (out[0] ?? nil, out[1] ?? nil)
        }
        #expect(together?.tokens == alone?.tokens)
        #expect(json?.text.hasPrefix("{\"colour\": ") == true)
    }

    @Test func aBadGrammarIsATypedErrorNamingTheRule() throws {
        guard let e = try BatchEngineTests.engine() else { return }
        #expect(throws: GrammarError.self) { try e.grammars.grammar(gbnf: "root ::= missing") }
        do {
            _ = try e.grammars.grammar(gbnf: "root ::= missing")
        } catch {
            #expect(error.message.contains("missing"))
        }
    }
}
