import Foundation

/// The lazily built automaton of one grammar over one vocabulary, shared by all its matchers
/// (a lock around each operation; side effects are only cache fills).
///
/// A parse stack is hash-consed in an arena as (position, parent stack id), so stacks share
/// their tails; stack 0 is the empty stack (root complete). A matcher state is a sorted set
/// of stack ids, interned as a state id, with a lazily filled 256-entry transition row, so
/// walking the vocabulary trie costs one table load per trie node once the states are known.
/// Token masks are cached per state: the state of a JSON string body recurs every token.
final class GrammarAutomaton: @unchecked Sendable {
    // Safe: `core` is only touched with `lock` held.
    private let lock = NSLock()
    private var core: AutomatonCore
    let vocabulary: TokenVocabulary

    init(program: GrammarProgram, vocabulary: TokenVocabulary, limits: GrammarLimits) {
        self.core = AutomatonCore(program: program, vocabulary: vocabulary, limits: limits)
        self.vocabulary = vocabulary
    }

    /// The arena is full: new matchers should start on a fresh automaton.
    var isExhausted: Bool { lock.withLock { core.exhausted } }

    func withCore<R, E: Error>(_ body: (inout AutomatonCore) throws(E) -> R) throws(E) -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&core)
    }
}

/// The automaton's mutable state, a value type so the hot loops pay one exclusivity check.
struct AutomatonCore {
    static let dead: Int32 = -1
    static let unknown: Int32 = -2
    private static let kindBytes: UInt8 = 0, kindRef: UInt8 = 1, kindEnd: UInt8 = 2

    let limits: GrammarLimits
    let vocabulary: TokenVocabulary
    // The program, flattened for speed.
    private let kinds: [UInt8]
    private let args: [Int32]
    private let byteSets: [ByteSet]
    private let alternatives: [[Int32]]
    private let rootAlternatives: [Int32]

    // Stack arena; index 0 is the empty stack.
    private var stackPos: [Int32] = [-1]
    private var stackParent: [Int32] = [0]
    private var stackDepth: [Int32] = [0]
    private var stackIndex: [UInt64: Int32] = [:]
    private(set) var exhausted = false
    /// Set when a depth, live-stack or state bound cut a branch (the mask is then narrower).
    private(set) var limitHit: String? = nil

    // Interned states and their transition rows.
    private(set) var states: [[Int32]] = []
    private var stateIndex: [[Int32]: Int32] = [:]
    private var transitions: [Int32] = []
    private(set) var epoch = 0
    private var masks: [Int32: [UInt32]] = [:]
    private var maskBytes = 0
    private var walkDepth: [Int32] = []

    // Scratch.
    private var visited: Set<UInt64> = []
    private var work: [(Int32, Int32)] = []
    private var scratch: [Int32] = []

    init(program: GrammarProgram, vocabulary: TokenVocabulary, limits: GrammarLimits) {
        self.limits = limits
        self.vocabulary = vocabulary
        var kinds: [UInt8] = [], args: [Int32] = []
        kinds.reserveCapacity(program.elements.count)
        args.reserveCapacity(program.elements.count)
        for e in program.elements {
            switch e {
            case .bytes(let s): kinds.append(Self.kindBytes); args.append(s)
            case .ref(let r): kinds.append(Self.kindRef); args.append(r)
            case .end: kinds.append(Self.kindEnd); args.append(0)
            }
        }
        self.kinds = kinds
        self.args = args
        self.byteSets = program.byteSets
        self.alternatives = program.ruleAlternatives
        self.rootAlternatives = program.ruleAlternatives[Int(program.root)]
        self.walkDepth = [Int32](repeating: 0, count: vocabulary.maxTokenLength + 1)
    }

    // MARK: - Stacks

    private mutating func intern(_ pos: Int32, _ parent: Int32) -> Int32? {
        let key = UInt64(UInt32(bitPattern: pos)) << 32 | UInt64(UInt32(bitPattern: parent))
        if let id = stackIndex[key] { return id }
        let depth = stackDepth[Int(parent)] + 1
        guard depth <= limits.maxStackDepth else {
            limitHit = "maxStackDepth=\(limits.maxStackDepth)"
            return nil
        }
        guard stackPos.count < limits.maxArenaStacks else {
            exhausted = true
            limitHit = "maxArenaStacks=\(limits.maxArenaStacks)"
            return nil
        }
        let id = Int32(stackPos.count)
        stackPos.append(pos)
        stackParent.append(parent)
        stackDepth.append(depth)
        stackIndex[key] = id
        return id
    }

    /// Adds to `scratch` every stack reachable from "at `pos`, then return to `parent`"
    /// without consuming a byte: tops are byte-set positions, or 0 when the root is done.
    private mutating func closure(_ pos: Int32, _ parent: Int32) {
        work.append((pos, parent))
        while let (p, parent) = work.popLast() {
            let key = UInt64(UInt32(bitPattern: p)) << 32 | UInt64(UInt32(bitPattern: parent))
            guard visited.insert(key).inserted else { continue }
            switch kinds[Int(p)] {
            case Self.kindBytes:
                if byteSets[Int(args[Int(p)])].isEmpty { continue }
                if let id = intern(p, parent) { scratch.append(id) }
            case Self.kindRef:
                let cont: Int32
                if kinds[Int(p) + 1] == Self.kindEnd {
                    cont = parent  // tail call: nothing left in this alternative
                } else if let id = intern(p + 1, parent) {
                    cont = id
                } else {
                    continue
                }
                for a in alternatives[Int(args[Int(p)])].reversed() { work.append((a, cont)) }
            default:
                if parent == 0 {
                    scratch.append(0)
                } else {
                    work.append((stackPos[Int(parent)], stackParent[Int(parent)]))
                }
            }
        }
    }

    // MARK: - States

    /// Interns the sorted, deduplicated stacks in `scratch` (emptied); dead when none.
    private mutating func internScratch() -> Int32 {
        visited.removeAll(keepingCapacity: true)
        defer { scratch.removeAll(keepingCapacity: true) }
        guard !scratch.isEmpty else { return Self.dead }
        scratch.sort()
        var w = 1
        for i in 1..<scratch.count where scratch[i] != scratch[w - 1] {
            scratch[w] = scratch[i]
            w += 1
        }
        scratch.removeSubrange(w...)
        guard scratch.count <= limits.maxLiveStacks else {
            limitHit = "maxLiveStacks=\(limits.maxLiveStacks)"
            return Self.dead
        }
        return intern(state: scratch)
    }

    mutating func intern(state: [Int32]) -> Int32 {
        if let id = stateIndex[state] { return id }
        guard states.count < 2 * limits.maxCachedStates else {
            limitHit = "maxCachedStates=\(limits.maxCachedStates)"
            return Self.dead
        }
        let id = Int32(states.count)
        states.append(state)
        stateIndex[state] = id
        transitions.append(contentsOf: repeatElement(Self.unknown, count: 256))
        return id
    }

    /// The start state: the root's alternatives expanded.
    mutating func initialStacks() -> [Int32] {
        for a in rootAlternatives.reversed() { closure(a, 0) }
        let id = internScratch()
        return id >= 0 ? states[Int(id)] : []
    }

    /// Between operations: drop states, transitions and masks when over their bound. Matchers
    /// keep their stack sets and re-intern them (`epoch` changes).
    mutating func trim() {
        if maskBytes > limits.maxCachedMaskBytes {
            masks.removeAll()
            maskBytes = 0
        }
        if states.count > limits.maxCachedStates {
            states.removeAll()
            stateIndex.removeAll()
            transitions.removeAll()
            masks.removeAll()
            maskBytes = 0
            epoch += 1
        }
    }

    @inline(__always) mutating func step(_ state: Int32, _ byte: UInt8) -> Int32 {
        let t = transitions[Int(state) &* 256 &+ Int(byte)]
        return t != Self.unknown ? t : computeStep(state, byte)
    }

    @inline(never) private mutating func computeStep(_ state: Int32, _ byte: UInt8) -> Int32 {
        for s in states[Int(state)] where s != 0 {
            let p = stackPos[Int(s)]
            if byteSets[Int(args[Int(p)])].contains(byte) { closure(p + 1, stackParent[Int(s)]) }
        }
        let t = internScratch()
        transitions[Int(state) &* 256 &+ Int(byte)] = t
        return t
    }

    func isAccepting(_ state: Int32) -> Bool { states[Int(state)].first == 0 }

    /// Only the empty stack is left: nothing may follow.
    func isFinal(_ state: Int32) -> Bool { states[Int(state)] == [0] }

    // MARK: - Masks

    /// Writes the allowed-token bitset of `state` ((count+31)/32 words), from the cache or by
    /// one preorder walk of the vocabulary trie that skips each refused subtree.
    mutating func fillMask(_ state: Int32, _ words: UnsafeMutablePointer<UInt32>) {
        let n = (vocabulary.count + 31) / 32
        if let cached = masks[state] {
            cached.withUnsafeBufferPointer { words.update(from: $0.baseAddress!, count: n) }
            return
        }
        words.update(repeating: 0, count: n)
        let v = vocabulary
        v.trieByte.withUnsafeBufferPointer { bytes in
        v.trieDepth.withUnsafeBufferPointer { depth in
        v.trieSkip.withUnsafeBufferPointer { skip in
        v.trieTokenStart.withUnsafeBufferPointer { start in
        v.trieTokens.withUnsafeBufferPointer { tokens in
            walkDepth[0] = state
            var i = 1
            let end = bytes.count
            while i < end {
                let d = Int(depth[i])
                let t = step(walkDepth[d - 1], bytes[i])
                if t < 0 {
                    i = Int(skip[i])
                    continue
                }
                walkDepth[d] = t
                var k = Int(start[i])
                let e = Int(start[i + 1])
                while k < e {
                    let id = Int(tokens[k])
                    words[id >> 5] |= 1 << UInt32(id & 31)
                    k += 1
                }
                i += 1
            }
        }}}}}
        if isAccepting(state) {
            for id in v.endTokens { words[Int(id) >> 5] |= 1 << UInt32(id & 31) }
        }
        masks[state] = Array(UnsafeBufferPointer(start: words, count: n))
        maskBytes += n * 4
    }
}
