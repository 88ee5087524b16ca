/// A grammar lowered to bytes: rules whose alternatives are flat runs of elements in one
/// array, each run ending in `.end`. A position is an index into `elements`. Character
/// classes and literals are byte sets here (multi-byte classes became small rules), so the
/// matcher never decodes UTF-8.
struct GrammarProgram: Sendable {
    enum Element: Equatable, Sendable {
        /// The next byte must be in `byteSets[i]`.
        case bytes(Int32)
        /// Enter rule i.
        case ref(Int32)
        /// End of an alternative: return to the caller.
        case end
    }

    var elements: [Element] = []
    var byteSets: [ByteSet] = []
    /// Start positions of each rule's alternatives.
    var ruleAlternatives: [[Int32]] = []
    /// Rule names; generated rules are `parent-N` (as llama.cpp names them).
    var ruleNames: [String] = []
    /// The user-written rule a generated rule came from, for error messages.
    var ruleOrigins: [Int32] = []
    var root: Int32 = 0
}
