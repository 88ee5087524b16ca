extension Tokenizer {
    /// SentencePiece encoding of valid UTF-8 `text` (llama.cpp `tokenize`, case SPM): special
    /// tokens are split out first, then each text fragment is tokenized whole, with a leading
    /// space when the model adds one and the fragment starts the text or follows a special token.
    func encodeSentencePiece(_ spm: SentencePiece, _ text: UnsafeRawBufferPointer, parseSpecial: Bool,
                             into out: inout [Int32]) {
        var scratch = SentencePiece.Scratch()
        var previousIsSpecial = true
        for f in vocabulary.special.partition(text, parseSpecial: parseSpecial) {
            if f.token >= 0 {
                out.append(f.token)
                previousIsSpecial = true
                continue
            }
            spm.encode(UnsafeRawBufferPointer(rebasing: text[f.start..<f.end]),
                       prefixSpace: spm.addSpacePrefix && previousIsSpecial, &scratch, into: &out)
            previousIsSpecial = false
        }
    }
}
