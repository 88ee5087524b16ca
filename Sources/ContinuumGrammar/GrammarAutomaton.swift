import Foundation

/// The lazily built automaton of one grammar over one vocabulary, shared by all its matchers
/// (a lock around each operation; side effects are only cache fills).
///
/// A parse stack is hash-consed in an arena as (position, parent stack id), so stacks share
/// their tails; stack 0 is the empty stack (root complete), stack 1 the "caller" placeholder
/// of context-free masks (`AutomatonCore+Mask.swift`). A matcher state is a sorted set of
/// stack ids, interned as a state id with a lazily filled 256-entry transition row, so walking
/// the vocabulary trie costs one table load per trie node once the states are known.
final class GrammarAutomaton: @unchecked Sendable {
    // Safe: `core` is only touched with `lock` held.
    private let lock = NSLock()
    private var core: AutomatonCore
    let vocabulary: TokenVocabulary

    init(program: GrammarProgram, vocabulary: TokenVocabulary, limits: GrammarLimits) {
        self.core = AutomatonCore(program: program, vocabulary: vocabulary, limits: limits)
        self.vocabulary = vocabulary
    }

    deinit { core.release() }

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
    /// The empty stack and the caller placeholder.
    static let empty: Int32 = 0, caller: Int32 = 1
    static let kindBytes: UInt8 = 0, kindRef: UInt8 = 1, kindEnd: UInt8 = 2
    /// `StateInfo.flags` bits.
    static let hasEmpty: UInt8 = 1, hasCaller: UInt8 = 2

    /// What the mask walks need to know about a state without touching its stack array.
    struct StateInfo {
        var flags: UInt8
        /// Stacks in the state, not counting the empty stack or the caller placeholder.
        var count: Int32
        var maxDepth: Int32
    }

    let limits: GrammarLimits
    let vocabulary: TokenVocabulary
    // The program, flattened for speed.
    let kinds: [UInt8]
    let args: [Int32]
    let byteSets: [ByteSet]
    let alternatives: [[Int32]]
    let rootAlternatives: [Int32]

    // Stack arena.
    var stackPos: [Int32] = [-1, -1]
    var stackParent: [Int32] = [0, 0]
    var stackDepth: [Int32] = [0, 0]
    var stackIndex: [UInt64: Int32] = [:]
    var exhausted = false
    /// The last bound that cut a branch (the mask is then narrower), for diagnostics.
    var limitHit: String? = nil

    // Interned states, their transition rows (`table`, 256 per state) and caches.
    var states: [[Int32]] = []
    var info: UnsafeMutablePointer<StateInfo>
    var stateIndex: [[Int32]: Int32] = [:]
    var table: UnsafeMutablePointer<Int32>
    var tableCapacity = 64
    var epoch = 0
    /// Times `intern(state:)` refused a new state because the table was full mid-operation.
    var stateCapHits = 0
    var masks: [Int32: [UInt32]] = [:]
    var localMasks: [Int32: LocalMask] = [:]
    var maskBytes = 0
    let walkStates: UnsafeMutablePointer<Int32>

    // Scratch.
    var visited: Set<UInt64> = []
    var work: [(Int32, Int32)] = []
    var scratch: [Int32] = []

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
        self.table = .allocate(capacity: 64 * 256)
        self.info = .allocate(capacity: 64)
        self.walkStates = .allocate(capacity: vocabulary.maxTokenLength + 1)
    }

    mutating func release() {
        table.deallocate()
        info.deallocate()
        walkStates.deallocate()
    }

    // MARK: - Stacks

    mutating func intern(_ pos: Int32, _ parent: Int32) -> Int32? {
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
    /// without consuming a byte: tops are byte-set positions, 0 when the root is done, or 1
    /// when a context-free walk returns to its placeholder caller.
    mutating func closure(_ pos: Int32, _ parent: Int32) {
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
                if parent <= Self.caller {
                    scratch.append(parent)
                } else {
                    work.append((stackPos[Int(parent)], stackParent[Int(parent)]))
                }
            }
        }
    }

    /// The expansion of a (continuation) stack: what may come next when it is on top.
    mutating func expand(_ stack: Int32) -> Int32 {
        if stack <= Self.caller {
            scratch.append(stack)
        } else {
            closure(stackPos[Int(stack)], stackParent[Int(stack)])
        }
        return internScratch()
    }

    // MARK: - States

    /// Interns the sorted, deduplicated stacks in `scratch` (emptied); dead when none.
    mutating func internScratch() -> Int32 {
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
        guard !state.isEmpty else { return Self.dead }
        guard states.count < 2 * limits.maxCachedStates else {
            limitHit = "maxCachedStates=\(limits.maxCachedStates)"
            stateCapHits += 1
            return Self.dead
        }
        let id = Int32(states.count)
        if states.count == tableCapacity {
            let grown = UnsafeMutablePointer<Int32>.allocate(capacity: tableCapacity * 2 * 256)
            grown.moveInitialize(from: table, count: tableCapacity * 256)
            table.deallocate()
            table = grown
            let grownInfo = UnsafeMutablePointer<StateInfo>.allocate(capacity: tableCapacity * 2)
            grownInfo.moveInitialize(from: info, count: tableCapacity)
            info.deallocate()
            info = grownInfo
            tableCapacity *= 2
        }
        (table + Int(id) * 256).initialize(repeating: Self.unknown, count: 256)
        var flags: UInt8 = 0
        var maxDepth: Int32 = 0
        for s in state {
            if s == Self.empty { flags |= Self.hasEmpty }
            if s == Self.caller { flags |= Self.hasCaller }
            maxDepth = max(maxDepth, stackDepth[Int(s)])
        }
        let special = Int32(flags & 1) + Int32(flags >> 1)
        states.append(state)
        (info + Int(id)).initialize(to: StateInfo(flags: flags, count: Int32(state.count) - special, maxDepth: maxDepth))
        stateIndex[state] = id
        return id
    }

    /// The start state: the root's alternatives expanded.
    mutating func initialStacks() -> [Int32] {
        for a in rootAlternatives.reversed() { closure(a, Self.empty) }
        let id = internScratch()
        return id >= 0 ? states[Int(id)] : []
    }

    /// Between operations: drop states, transitions and masks when over their bound. Matchers
    /// keep their stack sets and re-intern them (`epoch` changes).
    mutating func trim(force: Bool = false) {
        if maskBytes > limits.maxCachedMaskBytes {
            masks.removeAll()
            localMasks.removeAll()
            maskBytes = 0
        }
        if states.count > limits.maxCachedStates || force {
            states.removeAll()
            stateIndex.removeAll()
            masks.removeAll()
            localMasks.removeAll()
            maskBytes = 0
            epoch += 1
        }
    }

    @inline(__always) mutating func step(_ state: Int32, _ byte: UInt8) -> Int32 {
        let t = table[Int(state) &* 256 &+ Int(byte)]
        return t != Self.unknown ? t : computeStep(state, byte)
    }

    @inline(never) mutating func computeStep(_ state: Int32, _ byte: UInt8) -> Int32 {
        for s in states[Int(state)] where s > Self.caller {
            let p = stackPos[Int(s)]
            if byteSets[Int(args[Int(p)])].contains(byte) { closure(p + 1, stackParent[Int(s)]) }
        }
        let t = internScratch()
        table[Int(state) &* 256 &+ Int(byte)] = t
        return t
    }

    func isAccepting(_ state: Int32) -> Bool { info[Int(state)].flags & Self.hasEmpty != 0 }
}
