import ContinuumEngine
import Foundation
import Testing

@Suite struct SamplingParametersTests {
    @Test func defaultsAndGreedyAreValid() throws {
        #expect(try SamplingParameters().validated() == SamplingParameters())
        #expect(try SamplingParameters.greedy.validated().temperature == 0)
    }

    @Test(arguments: [
        (SamplingParameters(temperature: -0.1), SamplingParametersError.Field.temperature),
        (SamplingParameters(temperature: .nan), .temperature),
        (SamplingParameters(temperature: .infinity), .temperature),
        (SamplingParameters(topK: -1), .topK),
        (SamplingParameters(topP: 0), .topP),
        (SamplingParameters(topP: 1.01), .topP),
        (SamplingParameters(topP: .nan), .topP),
        (SamplingParameters(minP: -0.01), .minP),
        (SamplingParameters(minP: 1.5), .minP),
        (SamplingParameters(repetitionPenalty: 0), .repetitionPenalty),
        (SamplingParameters(frequencyPenalty: .infinity), .frequencyPenalty),
        (SamplingParameters(presencePenalty: .nan), .presencePenalty),
        (SamplingParameters(penaltyLastN: -1), .penaltyLastN),
        (SamplingParameters(maxTokens: 0), .maxTokens),
        (SamplingParameters(stop: ["ok", ""]), .stop),
        (SamplingParameters(topLogprobs: 21), .topLogprobs),
        (SamplingParameters(topLogprobs: -1), .topLogprobs),
    ])
    func invalidFieldIsNamed(parameters: SamplingParameters, field: SamplingParametersError.Field) {
        do {
            _ = try parameters.validated()
            Issue.record("expected \(field) to be rejected")
        } catch {
            #expect(error.field == field)
            #expect(error.description.contains(field.rawValue))
        }
        #expect(throws: SamplingParametersError.self) { try Sampler(parameters: parameters, vocabularySize: 10) }
    }

    @Test func boundaryValuesAreAccepted() throws {
        let p = SamplingParameters(
            temperature: 0, topK: 0, topP: 1, minP: 1, repetitionPenalty: 0.5, frequencyPenalty: -2,
            presencePenalty: 2, penaltyLastN: 0, maxTokens: 1, stop: ["\n"], topLogprobs: 20)
        #expect(try p.validated() == p)
    }

    @Test func decodingFillsMissingKeysWithDefaults() throws {
        let json = #"{"temperature": 0, "stop": ["</s>"], "seed": 7}"#
        let p = try JSONDecoder().decode(SamplingParameters.self, from: Data(json.utf8))
        var expected = SamplingParameters.greedy
        expected.stop = ["</s>"]
        expected.seed = 7
        #expect(p == expected)
    }

    @Test func codableRoundTrip() throws {
        let p = SamplingParameters(
            temperature: 0.3, topK: 5, topP: 0.5, minP: 0.1, repetitionPenalty: 1.2, frequencyPenalty: 0.1,
            presencePenalty: 0.2, penaltyLastN: 32, seed: 123, maxTokens: 99, stop: ["a", "b"], topLogprobs: 3)
        let data = try JSONEncoder().encode(p)
        #expect(try JSONDecoder().decode(SamplingParameters.self, from: data) == p)
    }
}
