import ContinuumGrammar
import Testing

@Test func errorDescriptionIsItsMessage() {
    #expect(GrammarError(.syntax, "line 1: expected ::=").description == "line 1: expected ::=")
}
