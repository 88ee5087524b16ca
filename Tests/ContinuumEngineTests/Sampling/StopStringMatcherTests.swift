import ContinuumEngine
import Testing

@Suite struct StopStringMatcherTests {
    @Test func stopSplitAcrossChunks() {
        var m = StopStringMatcher(["llo"])
        #expect(m.append("Hel") == ("He", false))
        #expect(m.append("lo") == ("", true))
        #expect(m.matchedStop == "llo")
        #expect(m.append("more") == ("", true))
        #expect(m.flush() == "")
    }

    @Test func heldPrefixIsReleasedWhenItDoesNotMatch() {
        var m = StopStringMatcher(["llo"])
        #expect(m.append("Hel") == ("He", false))
        #expect(m.append("p!") == ("lp!", false))
        #expect(!m.stopped)
        #expect(m.flush() == "")
    }

    @Test func heldTextComesOutOnFlush() {
        var m = StopStringMatcher(["<|end|>"])
        #expect(m.append("answer <|e") == ("answer ", false))
        #expect(m.flush() == "<|e")
    }

    /// (stops, chunks) → concatenated emitted text and whether it stopped.
    @Test(arguments: [
        (["llo"], ["Hello"], "He", true),
        (["world", "lo"], ["Hello world"], "Hel", true),  // earliest match wins
        (["<|end|>"], ["a", "<", "|", "end", "|>", "b"], "a", true),
        (["aab"], ["a", "a", "a", "b"], "a", true),  // overlapping prefixes
        (["aab"], ["a", "a", "a", "c"], "aaac", false),
        (["é"], ["caf", "é au lait"], "caf", true),
        (["ïv"], ["naï", "ve"], "na", true),
        (["\n\n"], ["line\n", "next\n", "\n"], "line\nnext", true),
        (["STOP"], ["no stop here"], "no stop here", false),
        ([], ["anything", " goes"], "anything goes", false),
        ([""], ["empty stops are ignored"], "empty stops are ignored", false),
    ])
    func cases(stops: [String], chunks: [String], expected: String, stops shouldStop: Bool) {
        var m = StopStringMatcher(stops)
        var out = ""
        var stopped = false
        for chunk in chunks {
            let r = m.append(chunk)
            out += r.emit
            stopped = r.stopped
            if stopped { break }
        }
        if !stopped { out += m.flush() }
        #expect(out == expected)
        #expect(stopped == shouldStop)
    }
}
