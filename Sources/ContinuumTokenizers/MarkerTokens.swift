/// Tokens llama.cpp recognises by their text, whatever `token_type` says
/// (`src/llama-vocab.cpp`, `llama_vocab::impl::load`): end-of-generation and fill-in-the-middle
/// markers are made control tokens, so they are matched whole in the input, left out of decoded
/// text, and (the end markers) stop generation. Qwen2.5's vocabulary, for one, has "</s>" as a
/// normal token that llama.cpp turns into a control, end-of-generation token.
enum MarkerTokens {
    /// Texts of tokens that end generation.
    static let endOfGeneration: Set<String> = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
        "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
        "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
        "<｜end▁of▁sentence｜>", "[e~[",
    ]

    /// FIM prefix, suffix, middle, pad, repository and file-separator markers; the first token
    /// found in each group becomes a control token, and for the last three an end of generation.
    static let fillInTheMiddle: [[String]] = [
        ["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>"],
        ["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>"],
        ["<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>"],
        ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"],
        ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"],
        ["<|file_sep|>"],
    ]

    /// Marks control tokens in `types` and returns the end-of-generation tokens found by text
    /// (EOS and ids from metadata keys are added by the caller, before `finish`).
    static func apply(texts: [String], types: inout [TokenType]) -> Set<Int32> {
        var eog: Set<Int32> = []
        var fimFound = [Bool](repeating: false, count: fillInTheMiddle.count)
        for (i, t) in texts.enumerated() where t.utf8.count <= 32 && (t.hasPrefix("<") || t.hasPrefix("[") || t.hasPrefix("_") || t.hasPrefix("▁")) {
            if endOfGeneration.contains(t) {
                eog.insert(Int32(i))
                types[i] = .control
            }
            for (g, group) in fillInTheMiddle.enumerated() where !fimFound[g] && group.contains(t) {
                fimFound[g] = true
                types[i] = .control
                if g >= 3 { eog.insert(Int32(i)) }
            }
        }
        return eog
    }

    /// llama.cpp's exceptions, applied to the whole end-of-generation set: "</s>" is a normal
    /// token when "<|tool_response>" or "<|plamo:eos|>" also ends generation, and "<|end|>"
    /// is not an end when "<|return|>"/"<|call|>" (or "<|calls|>"/"<|flush|>") are.
    static func finish(_ eog: inout Set<Int32>, texts: [String], types: inout [TokenType]) {
        func find(_ text: String) -> Int32? { eog.first { texts[Int($0)] == text } }
        let call = find("<|call|>") ?? find("<|calls|>")
        if let end = find("<|end|>"), call != nil, find("<|return|>") != nil || find("<|flush|>") != nil {
            eog.remove(end)
            types[Int(end)] = .userDefined
        }
        if let s = find("</s>"), find("<|tool_response>") != nil || find("<|plamo:eos|>") != nil {
            eog.remove(s)
            types[Int(s)] = .normal
        }
    }
}
