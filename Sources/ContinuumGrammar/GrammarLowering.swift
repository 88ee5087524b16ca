/// Lowers parsed GBNF rules into a `GrammarProgram`: literals and classes to byte sets,
/// groups and repetitions to generated rules (`x*` → `s ::= x s |`, `x{m,n}` → m copies then
/// a chain of n−m optionals, as llama.cpp does), counting rules and elements against limits.
struct GrammarLowering {
    private typealias Elem = GrammarProgram.Element
    private var bodies: [[[Elem]]] = []
    private var names: [String] = []
    private var origins: [Int32] = []
    private var byteSets: [ByteSet] = []
    private var byteSetIndex: [ByteSet: Int32] = [:]
    private var classRules: [[ClosedRange<UInt32>]: Int32] = [:]
    private var ruleIndex: [String: Int32] = [:]
    private var elementCount = 0
    private var generated = 0
    private let limits: GrammarLimits
    private let locate: (Int) -> String

    init(limits: GrammarLimits, locate: @escaping (Int) -> String) {
        self.limits = limits
        self.locate = locate
    }

    mutating func lower(_ rules: [GBNFRule], root: String) throws(GrammarError) -> GrammarProgram {
        for rule in rules { _ = try newRule(rule.name, origin: nil) }
        guard let rootIndex = ruleIndex[root] else {
            throw GrammarError(.undefinedRule, "grammar has no rule named '\(root)' (the root)")
        }
        for rule in rules {
            let id = ruleIndex[rule.name]!
            var alts: [[Elem]] = []
            for alt in rule.alternatives { alts.append(try lowerSequence(alt, in: id)) }
            bodies[Int(id)] = alts
        }
        var program = GrammarProgram()
        program.byteSets = byteSets
        program.ruleNames = names
        program.ruleOrigins = origins
        program.root = rootIndex
        program.elements.reserveCapacity(elementCount + bodies.count)
        for alts in bodies {
            var starts: [Int32] = []
            for alt in alts {
                starts.append(Int32(program.elements.count))
                program.elements.append(contentsOf: alt)
                program.elements.append(.end)
            }
            program.ruleAlternatives.append(starts)
        }
        return program
    }

    private mutating func newRule(_ name: String, origin: Int32?) throws(GrammarError) -> Int32 {
        guard bodies.count < limits.maxRules else {
            throw GrammarError(.limitExceeded, "grammar expands to more than maxRules=\(limits.maxRules) rules (at rule '\(origin.map { names[Int($0)] } ?? name)')")
        }
        let id = Int32(bodies.count)
        bodies.append([])
        names.append(name)
        origins.append(origin ?? id)
        ruleIndex[name] = id
        return id
    }

    private mutating func generatedRule(_ parent: Int32, _ alts: [[Elem]]) throws(GrammarError) -> Int32 {
        generated += 1
        let origin = origins[Int(parent)]
        let id = try newRule("\(names[Int(origin)])-\(generated)", origin: origin)
        bodies[Int(id)] = alts
        return id
    }

    private mutating func count(_ n: Int, _ rule: Int32) throws(GrammarError) {
        elementCount += n
        guard elementCount <= limits.maxElements else {
            throw GrammarError(.limitExceeded, "grammar expands to more than maxElements=\(limits.maxElements) elements (in rule '\(names[Int(origins[Int(rule)])])')")
        }
    }

    private mutating func byteSet(_ set: ByteSet) -> Elem {
        if let i = byteSetIndex[set] { return .bytes(i) }
        let i = Int32(byteSets.count)
        byteSets.append(set)
        byteSetIndex[set] = i
        return .bytes(i)
    }

    private mutating func lowerSequence(_ terms: [GBNFTerm], in rule: Int32) throws(GrammarError) -> [Elem] {
        var out: [Elem] = []
        for term in terms { try lowerTerm(term, in: rule, into: &out) }
        try count(out.count + 1, rule)
        return out
    }

    private mutating func lowerTerm(_ term: GBNFTerm, in rule: Int32, into out: inout [Elem]) throws(GrammarError) {
        switch term {
        case .literal(let cps):
            for cp in cps {
                for b in UTF8Sequences.encode(cp) { out.append(byteSet(ByteSet(b...b))) }
            }
        case .any:
            out.append(try charClass([0...0x10FFFF], in: rule))
        case .charClass(let ranges, let negated):
            out.append(try charClass(UTF8Sequences.normalize(ranges, negated: negated), in: rule))
        case .ref(let name, let offset):
            guard let id = ruleIndex[name] else {
                throw GrammarError(.undefinedRule, "rule '\(name)' is used in rule '\(names[Int(origins[Int(rule)])])' but never defined (\(locate(offset)))")
            }
            out.append(.ref(id))
        case .group(let alts):
            if alts.count == 1 {
                for t in alts[0] { try lowerTerm(t, in: rule, into: &out) }
            } else {
                var lowered: [[Elem]] = []
                for alt in alts { lowered.append(try lowerSequence(alt, in: rule)) }
                out.append(.ref(try generatedRule(rule, lowered)))
            }
        case .repeated(let inner, let lo, let hi):
            var body: [Elem] = []
            try lowerTerm(inner, in: rule, into: &body)
            let unit: Elem = body.count == 1 ? body[0] : .ref(try generatedRule(rule, [body]))
            try count(lo + 4 * ((hi ?? lo + 1) - lo), rule)
            out.append(contentsOf: repeatElement(unit, count: lo))
            if let hi {
                var tail: Elem? = nil
                for _ in 0..<(hi - lo) {
                    let alt: [Elem] = tail.map { [unit, $0] } ?? [unit]
                    tail = .ref(try generatedRule(rule, [alt, []]))
                }
                if let tail { out.append(tail) }
            } else {
                let star = try generatedRule(rule, [])
                bodies[Int(star)] = [[unit, .ref(star)], []]
                out.append(.ref(star))
            }
        }
    }

    /// A class of code points: one byte set when all are ASCII, else a rule with one
    /// alternative per UTF-8 byte-range sequence (single-byte ones merged).
    private mutating func charClass(_ ranges: [ClosedRange<UInt32>], in rule: Int32) throws(GrammarError) -> Elem {
        if let id = classRules[ranges] { return .ref(id) }
        var ascii = ByteSet()
        var multi: [[Elem]] = []
        for r in ranges {
            for seq in UTF8Sequences.sequences(r) {
                if seq.count == 1 {
                    for b in seq[0] { ascii.insert(b) }
                } else {
                    multi.append(seq.map { byteSet(ByteSet($0)) })
                }
            }
        }
        if multi.isEmpty && !ascii.isEmpty { return byteSet(ascii) }
        var alts = multi
        if !ascii.isEmpty { alts.insert([byteSet(ascii)], at: 0) }
        try count(alts.reduce(0) { $0 + $1.count + 1 }, rule)
        // An empty class (e.g. `[^\x00-\U0010FFFF]`) is a rule with no alternatives: it never matches.
        let id = try generatedRule(rule, alts)
        classRules[ranges] = id
        return .ref(id)
    }
}
