package import ContinuumTokenizers

/// Turns one sequence's sampled tokens into text and decides when the sequence ends: the
/// one output path of `Engine` and `BatchEngine`.
///
/// - Text streams as it completes: bytes of a UTF-8 character split across tokens are held
///   back until the character is whole (`StreamingDetokenizer`), and text that may begin a
///   stop string is held back until it is known not to (`StopStringMatcher`).
/// - An end-of-turn token ends the sequence (`.stop`) and adds no text of its own; a stop
///   string ends it (`.stop`) and is not emitted; reaching `limit` tokens ends it (`.length`).
/// - Every token yields exactly one piece of text, and the piece of a token that ends the
///   sequence carries whatever was held back, so `text` is always the concatenation of the
///   pieces: a client streaming the pieces sees the same text as the final result.
package struct SequenceOutput: Sendable {
    private var detokenizer: StreamingDetokenizer
    private var stops: StopStringMatcher
    private let endOfTurn: Set<Int32>
    /// Most tokens the sequence may generate.
    package let limit: Int
    /// The tokens appended so far.
    package private(set) var tokens: [Int32] = []
    /// The text of every piece returned so far.
    package private(set) var text = ""
    /// Why the sequence ended, once a token ended it; nil while it goes on.
    package private(set) var finishReason: FinishReason?

    package init(tokenizer: Tokenizer, stop: [String], limit: Int) {
        detokenizer = StreamingDetokenizer(tokenizer: tokenizer)
        stops = StopStringMatcher(stop)
        endOfTurn = tokenizer.eotIDs
        self.limit = max(1, limit)
        tokens.reserveCapacity(min(self.limit, 4096))
    }

    /// The most tokens a sequence may generate: `maxTokens` when set, and no more than the
    /// context holds. Every token but the last sampled one is fed back through the model, so
    /// a context of n positions allows n + 1 - `promptCount` generated tokens.
    package static func limit(promptCount: Int, maxTokens: Int?, contextLength: Int) -> Int {
        max(1, min(maxTokens ?? .max, contextLength + 1 - promptCount))
    }

    /// Adds a sampled token; returns the text it releases (possibly ""). Afterwards
    /// `finishReason` says whether the sequence has ended.
    package mutating func append(_ token: Int32) -> String {
        precondition(finishReason == nil, "a token appended after the sequence ended")
        tokens.append(token)
        var piece: String
        if endOfTurn.contains(token) {
            piece = flush()
            finishReason = .stop
        } else {
            let (emit, stopped) = stops.append(detokenizer.append(token))
            piece = emit
            if stopped {
                finishReason = .stop
            } else if tokens.count >= limit {
                piece += flush()
                finishReason = .length
            }
        }
        text += piece
        return piece
    }

    /// Ends the sequence for a reason outside its tokens (its grammar is complete); returns
    /// the text held back until now, which becomes part of `text`.
    package mutating func finish(_ reason: FinishReason) -> String {
        guard finishReason == nil else { return "" }
        finishReason = reason
        let piece = flush()
        text += piece
        return piece
    }

    /// The summary once the sequence is over: ended by its tokens (`finishReason`), otherwise
    /// by the caller (`reason`: cancelled, or no room in the cache). Held-back text is not
    /// part of it then: it was never streamed.
    package func result(otherwise reason: FinishReason, promptTokens: Int, cachedPromptTokens: Int,
                        prefillSeconds: Double, decodeSeconds: Double) -> GenerationResult {
        GenerationResult(text: text, tokens: tokens, finishReason: finishReason ?? reason, promptTokens: promptTokens,
                         cachedPromptTokens: cachedPromptTokens, prefillSeconds: prefillSeconds, decodeSeconds: decodeSeconds,
                         stopSequence: finishReason == .stop ? stops.matchedStop : nil)
    }

    /// Everything held back, run through the stop strings one last time.
    private mutating func flush() -> String {
        let (tail, _) = stops.append(detokenizer.flush())
        return tail + stops.flush()
    }
}
