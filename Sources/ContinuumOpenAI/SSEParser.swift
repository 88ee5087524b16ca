/// Incremental parser of a `text/event-stream` body (WHATWG HTML "Server-sent events"), for
/// reading an upstream OpenAI-compatible stream: feed it bytes as they arrive, split
/// anywhere, and get back the events completed so far.
///
/// Handles LF, CRLF and CR line ends (also a CRLF split across two feeds), a leading BOM,
/// comments (`:`), multi-line `data:`, and the `event:`, `id:` and `retry:` fields. Memory
/// is bounded: a pending event larger than ``maxEventBytes`` throws
/// ``SSEParserError/Code/eventTooLarge`` and the parser stays failed.
public struct SSEParser: Sendable {
    /// Largest event (pending line plus data so far) accepted, in bytes.
    public let maxEventBytes: Int
    /// The last `id:` seen, kept across events as the spec says (for `Last-Event-ID`).
    public private(set) var lastEventID: String?

    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var eventType: String?
    private var eventID: String?
    private var retry: Int?
    private var pendingCR = false
    private var firstLine = true
    private var failed = false

    private static let lf: UInt8 = 0x0A, cr: UInt8 = 0x0D, colon: UInt8 = 0x3A, space: UInt8 = 0x20

    public init(maxEventBytes: Int = 1 << 20) {
        self.maxEventBytes = maxEventBytes
    }

    /// Parses `bytes` and returns the events they complete, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(SSEParserError) -> [ServerSentEvent] {
        if failed { throw SSEParserError(.alreadyFailed, limit: maxEventBytes) }
        var events: [ServerSentEvent] = []
        var failure: SSEParserError?
        let done: Void? = bytes.withContiguousStorageIfAvailable { failure = process($0, into: &events) }
        if done == nil {
            failure = Array(bytes).withUnsafeBufferPointer { process($0, into: &events) }
        }
        if let failure {
            failed = true
            line = []
            data = []
            throw failure
        }
        return events
    }

    /// Call at the end of the stream. Throws ``SSEParserError/Code/truncated`` if it ended
    /// inside an event (which, as the spec says, is not dispatched).
    public mutating func finish() throws(SSEParserError) {
        if failed { throw SSEParserError(.alreadyFailed, limit: maxEventBytes) }
        if !line.isEmpty || !data.isEmpty || eventType != nil {
            throw SSEParserError(.truncated, limit: maxEventBytes)
        }
    }

    private mutating func process(_ buf: UnsafeBufferPointer<UInt8>, into events: inout [ServerSentEvent]) -> SSEParserError? {
        var i = 0
        let n = buf.count
        if pendingCR, n > 0 {
            pendingCR = false
            if buf[0] == Self.lf { i = 1 }
        }
        while i < n {
            var j = i
            while j < n, buf[j] != Self.lf, buf[j] != Self.cr { j += 1 }
            if j > i {
                if line.count + data.count + (j - i) > maxEventBytes {
                    return SSEParserError(.eventTooLarge, limit: maxEventBytes)
                }
                line.append(contentsOf: UnsafeBufferPointer(rebasing: buf[i..<j]))
            }
            if j == n { break }
            if buf[j] == Self.cr {
                if j + 1 < n {
                    if buf[j + 1] == Self.lf { j += 1 }
                } else {
                    pendingCR = true
                }
            }
            if let event = processLine() { events.append(event) }
            i = j + 1
        }
        return nil
    }

    /// Handles the complete line in `line`; returns an event when the line is blank.
    private mutating func processLine() -> ServerSentEvent? {
        defer { line.removeAll(keepingCapacity: true) }
        if firstLine {
            firstLine = false
            if line.starts(with: [0xEF, 0xBB, 0xBF]) { line.removeFirst(3) }
        }
        if line.isEmpty { return dispatch() }
        if line[0] == Self.colon { return nil }
        let nameEnd = line.firstIndex(of: Self.colon) ?? line.endIndex
        var valueStart = nameEnd < line.endIndex ? nameEnd + 1 : nameEnd
        if valueStart < line.endIndex, line[valueStart] == Self.space { valueStart += 1 }
        let value = line[valueStart...]
        switch String(decoding: line[..<nameEnd], as: UTF8.self) {
        case "data":
            data.append(contentsOf: value)
            data.append(Self.lf)
        case "event":
            eventType = String(decoding: value, as: UTF8.self)
        case "id" where !value.contains(0):
            let id = String(decoding: value, as: UTF8.self)
            eventID = id
            lastEventID = id
        case "retry" where !value.isEmpty && value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }):
            retry = Int(String(decoding: value, as: UTF8.self))
        default:
            break
        }
        return nil
    }

    private mutating func dispatch() -> ServerSentEvent? {
        defer {
            data.removeAll(keepingCapacity: true)
            eventType = nil
            eventID = nil
            retry = nil
        }
        guard !data.isEmpty else { return nil }
        return ServerSentEvent(event: eventType, data: String(decoding: data.dropLast(), as: UTF8.self),
                               id: eventID, retry: retry)
    }
}
