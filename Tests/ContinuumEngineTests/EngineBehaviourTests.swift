import ContinuumEngine
import ContinuumTokenizers
import Foundation
import Testing

/// The generation loop's contract on the real default model: limits, stops, cancellation,
/// seeds, prefix reuse and bad input.
@Suite(.serialized) struct EngineBehaviourTests {
    static let engine: Engine? = TestResources.model(TestResources.smolLM2).flatMap {
        try? Engine(.init(modelPath: $0, threads: 2, contextLength: 256))
    }

    func engineOrRecord() -> Engine? {
        if Self.engine == nil { Issue.record(Comment(rawValue: TestResources.missingModel(TestResources.smolLM2))) }
        return Self.engine
    }

    @Test func maxTokensEndsWithLength() throws {
        guard let e = engineOrRecord() else { return }
        var p = SamplingParameters.greedy
        p.maxTokens = 5
        let r = try e.generate(prompt: e.tokenizer.encode("Once upon a time"), parameters: p)
        #expect(r.completionTokens == 5 && r.finishReason == .length)
    }

    @Test func stopStringEndsAndIsNotEmitted() throws {
        guard let e = engineOrRecord() else { return }
        var p = SamplingParameters.greedy
        p.maxTokens = 24
        p.stop = ["United"]
        var streamed = ""
        let r = try e.generate(prompt: e.tokenizer.encode("The capital of France is"), parameters: p) { streamed += $0.text; return true }
        #expect(r.finishReason == .stop)
        #expect(r.text == " Paris.\n\nThe " && streamed == r.text, "text \(r.text.debugDescription)")
    }

    @Test func endOfTurnStopsAChat() throws {
        guard let e = engineOrRecord() else { return }
        var p = SamplingParameters.greedy
        p.maxTokens = 64
        let prompt = try e.chatPrompt([ChatMessage(role: "user", content: "Translate 'good morning' into Spanish.")])
        let r = try e.generate(prompt: prompt, parameters: p)
        #expect(r.finishReason == .stop && e.tokenizer.eotIDs.contains(r.tokens.last!))
        #expect(!r.text.contains("<|im_end|>"))
    }

    @Test func cancellingStopsAtOnce() throws {
        guard let e = engineOrRecord() else { return }
        var p = SamplingParameters.greedy
        p.maxTokens = 50
        var seen = 0
        let r = try e.generate(prompt: e.tokenizer.encode("Once upon a time"), parameters: p) { _ in seen += 1; return seen < 3 }
        #expect(r.finishReason == .cancelled && r.completionTokens == 3)
    }

    /// Same seed → same tokens, whether the prompt is computed afresh or served from the
    /// prefix cache (the kernels are batch-invariant; see BatchInvarianceTests).
    @Test func sameSeedSameText() throws {
        guard let e = engineOrRecord() else { return }
        var p = SamplingParameters(temperature: 1.0, seed: 1234)
        p.maxTokens = 20
        let prompt = e.tokenizer.encode("Write a sentence about the sea:")
        e.resetCache()
        let a = try e.generate(prompt: prompt, parameters: p)
        e.resetCache()
        let b = try e.generate(prompt: prompt, parameters: p)
        #expect(a.tokens == b.tokens)
        let cached = try e.generate(prompt: prompt, parameters: p)  // prefix from the cache
        #expect(cached.cachedPromptTokens > 0 && cached.tokens == a.tokens)
        p.seed = 99
        e.resetCache()
        let c = try e.generate(prompt: prompt, parameters: p)
        #expect(c.tokens != a.tokens)
    }

    @Test func sharedPrefixIsNotRecomputed() throws {
        guard let e = engineOrRecord() else { return }
        var p = SamplingParameters.greedy
        p.maxTokens = 8
        let first = e.tokenizer.encode("The capital of France is Paris. The capital of Italy is")
        e.resetCache()
        let a = try e.generate(prompt: first, parameters: p)
        #expect(a.cachedPromptTokens == 0)
        let again = try e.generate(prompt: first, parameters: p)
        #expect(again.cachedPromptTokens == first.count - 1)
        #expect(again.tokens == a.tokens)
        let longer = first + a.tokens.prefix(3) + e.tokenizer.encode(" And Spain?")
        let b = try e.generate(prompt: longer, parameters: p)
        #expect(b.cachedPromptTokens >= first.count)
    }

    @Test func badInputIsATypedError() throws {
        guard let e = engineOrRecord() else { return }
        #expect(throws: EngineError.self) { try e.generate(prompt: [], parameters: .greedy) }
        #expect(throws: EngineError.self) { try e.generate(prompt: [1, 999_999], parameters: .greedy) }
        #expect(throws: EngineError.self) { try e.generate(prompt: [Int32](repeating: 42, count: 300), parameters: .greedy) }
        #expect(throws: SamplingParametersError.self) { try e.generate(prompt: [1], parameters: SamplingParameters(temperature: -1)) }
        // The engine is still usable afterwards.
        var p = SamplingParameters.greedy
        p.maxTokens = 2
        #expect(try e.generate(prompt: e.tokenizer.encode("Hello"), parameters: p).completionTokens == 2)
    }

    @Test func contextFullEndsWithLength() throws {
        guard let e = engineOrRecord() else { return }
        let prompt = [Int32](repeating: 504, count: 250)
        let r = try e.generate(prompt: prompt, parameters: .greedy)
        #expect(r.finishReason == .length && prompt.count + r.completionTokens <= e.contextLength + 1)
    }
}

@Suite(.serialized) struct EngineStreamTests {
    @Test func streamYieldsTheSameTokensAndStopsWhenAbandoned() async throws {
        guard let e = EngineBehaviourTests.engine else {
            Issue.record(Comment(rawValue: TestResources.missingModel(TestResources.smolLM2)))
            return
        }
        var p = SamplingParameters.greedy
        p.maxTokens = 12
        let prompt = e.tokenizer.encode("The capital of France is")
        e.resetCache()
        let sync = try e.generate(prompt: prompt, parameters: p)
        e.resetCache()
        var tokens: [Int32] = []
        var finished: GenerationResult?
        for try await update in e.stream(prompt: prompt, parameters: p) {
            switch update {
            case .token(let t): tokens.append(t.token.id)
            case .finished(let r): finished = r
            }
        }
        #expect(tokens == sync.tokens && finished?.tokens == sync.tokens)

        // Leave after 2 tokens: the generation is cancelled, and the engine is free again.
        p.maxTokens = 200
        var seen = 0
        for try await update in e.stream(prompt: prompt, parameters: p) {
            if case .token = update { seen += 1 }
            if seen == 2 { break }
        }
        p.maxTokens = 3
        let after = try e.generate(prompt: prompt, parameters: p)
        #expect(after.completionTokens == 3)

        // Errors end the stream.
        await #expect(throws: EngineError.self) {
            for try await _ in e.stream(prompt: [], parameters: p) {}
        }
    }
}
