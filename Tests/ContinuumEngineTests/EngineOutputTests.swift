import ContinuumEngine
import ContinuumTokenizers
import Testing

/// `Engine` and `BatchEngine` share one load path and one output path: on the real default
/// model they give the same tokens, text and finish reason for the same greedy request, and
/// each streams exactly one event per token whose texts add up to the result's text.
@Suite(.serialized) struct EngineOutputTests {
    struct Request: CustomStringConvertible, Sendable {
        var name: String
        var chat: Bool
        var prompt: String
        var maxTokens: Int
        var stop: [String] = []
        var finish: FinishReason
        var description: String { name }
    }

    static let requests: [Request] = [
        Request(name: "max tokens", chat: false, prompt: "Once upon a time", maxTokens: 9, finish: .length),
        Request(name: "stop string", chat: false, prompt: "The capital of France is", maxTokens: 24, stop: ["United"], finish: .stop),
        Request(name: "end of turn", chat: true, prompt: "Translate 'good morning' into Spanish.", maxTokens: 64, finish: .stop),
    ]

    static let engines: (Engine, BatchEngine)? = TestResources.model(TestResources.smolLM2).flatMap { path in
        guard let single = try? Engine(.init(modelPath: path, threads: 2, contextLength: 512)),
              let batch = try? BatchEngine(.init(modelPath: path, threads: 2, contextLength: 512, blockSize: 16))
        else { return nil }
        return (single, batch)
    }

    @Test(arguments: requests)
    func bothEnginesGiveTheSameOutput(_ r: Request) async throws {
        guard let (single, batch) = Self.engines else {
            Issue.record(Comment(rawValue: TestResources.missingModel(TestResources.smolLM2)))
            return
        }
        let prompt = r.chat ? try single.chatPrompt([ChatMessage(role: "user", content: r.prompt)]) : single.tokenizer.encode(r.prompt)
        #expect(try batch.chatPrompt([ChatMessage(role: "user", content: r.prompt)]) == single.chatPrompt([ChatMessage(role: "user", content: r.prompt)]))
        var p = SamplingParameters.greedy
        p.maxTokens = r.maxTokens
        p.stop = r.stop

        var singleEvents: [GenerationEvent] = []
        let a = try single.generate(prompt: prompt, parameters: p) { singleEvents.append($0); return true }
        var batchEvents: [GenerationEvent] = []
        var b: GenerationResult?
        for try await u in try batch.submit(prompt: prompt, parameters: p) {
            switch u {
            case .token(let e): batchEvents.append(e)
            case .finished(let result): b = result
            }
        }
        #expect(a.finishReason == r.finish)
        #expect(b?.finishReason == a.finishReason && b?.tokens == a.tokens && b?.text == a.text, "\(a.text.debugDescription) vs \(String(describing: b?.text.debugDescription))")
        for (events, result) in [(singleEvents, a), (batchEvents, b ?? a)] {
            #expect(events.map(\.token.id) == result.tokens)
            #expect(events.map(\.text).joined() == result.text)
        }
    }
}
