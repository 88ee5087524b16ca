/// A sampling parameter is out of range. Names the field, so an API layer can point at it.
public struct SamplingParametersError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The offending field, spelled like the ``SamplingParameters`` property.
    public enum Field: String, Sendable, Equatable {
        case temperature, topK, topP, minP, repetitionPenalty, frequencyPenalty, presencePenalty
        case penaltyLastN, maxTokens, stop, topLogprobs, vocabularySize
    }

    public let field: Field
    /// What the value must be, e.g. "must be in (0, 1], got 1.5".
    public let message: String

    public init(_ field: Field, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "invalid sampling parameter '\(field.rawValue)': \(message)" }
}

extension SamplingParameters {
    /// Returns `self` if every field is in range, or throws ``SamplingParametersError``
    /// naming the first field that is not.
    public func validated() throws(SamplingParametersError) -> SamplingParameters {
        if !(temperature.isFinite && temperature >= 0) {
            throw .init(.temperature, "must be finite and >= 0, got \(temperature)")
        }
        if topK < 0 { throw .init(.topK, "must be >= 0 (0 disables), got \(topK)") }
        if !(topP > 0 && topP <= 1) { throw .init(.topP, "must be in (0, 1], got \(topP)") }
        if !(minP >= 0 && minP <= 1) { throw .init(.minP, "must be in [0, 1], got \(minP)") }
        if !(repetitionPenalty.isFinite && repetitionPenalty > 0) {
            throw .init(.repetitionPenalty, "must be finite and > 0, got \(repetitionPenalty)")
        }
        if !frequencyPenalty.isFinite { throw .init(.frequencyPenalty, "must be finite, got \(frequencyPenalty)") }
        if !presencePenalty.isFinite { throw .init(.presencePenalty, "must be finite, got \(presencePenalty)") }
        if penaltyLastN < 0 { throw .init(.penaltyLastN, "must be >= 0 (0 disables), got \(penaltyLastN)") }
        if let maxTokens, maxTokens < 1 { throw .init(.maxTokens, "must be >= 1, got \(maxTokens)") }
        if stop.contains(where: \.isEmpty) { throw .init(.stop, "stop strings must not be empty") }
        if !(0...Self.maxTopLogprobs).contains(topLogprobs) {
            throw .init(.topLogprobs, "must be in 0...\(Self.maxTopLogprobs), got \(topLogprobs)")
        }
        return self
    }

    /// True when the penalties can change a logit.
    var penaltiesActive: Bool {
        penaltyLastN > 0 && (repetitionPenalty != 1 || frequencyPenalty != 0 || presencePenalty != 0)
    }
}
