/// RFC 4180 CSV: comma-separated fields, double-quoted fields may hold commas, newlines and
/// doubled quotes. Each record keeps the line it starts on, for error messages.
struct CSVTable {
    let header: [String]
    let records: [(line: Int, fields: [String])]

    init(text: String, path: String) throws(QualityDataError) {
        var records: [(Int, [String])] = []
        var fields: [String] = [], field: [UInt8] = []
        var quoted = false, afterQuote = false, line = 1, start = 1, fieldStarted = false
        let bytes = Array(text.utf8)
        var i = 0
        func endField() { fields.append(String(decoding: field, as: UTF8.self)); field.removeAll(keepingCapacity: true); fieldStarted = false; afterQuote = false }
        while i < bytes.count {
            let c = bytes[i]
            if quoted {
                if c == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\"") { field.append(c); i += 1 } else { quoted = false; afterQuote = true }
                } else {
                    if c == UInt8(ascii: "\n") { line += 1 }
                    field.append(c)
                }
            } else if c == UInt8(ascii: ",") {
                endField()
            } else if c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r") {
                if c == UInt8(ascii: "\r"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\n") { i += 1 }
                if fieldStarted || !fields.isEmpty || afterQuote { endField(); records.append((start, fields)) }
                fields = []
                line += 1
                start = line
            } else if c == UInt8(ascii: "\"") && !fieldStarted && field.isEmpty {
                quoted = true
                fieldStarted = true
            } else {
                guard !afterQuote else { throw QualityDataError("\(path):\(line): text after a closing quote") }
                field.append(c)
                fieldStarted = true
            }
            i += 1
        }
        guard !quoted else { throw QualityDataError("\(path):\(start): a quoted field never ends") }
        if fieldStarted || !fields.isEmpty || afterQuote { endField(); records.append((start, fields)) }
        guard let first = records.first else { throw QualityDataError("\(path): empty") }
        header = first.1
        self.records = Array(records.dropFirst()).map { (line: $0.0, fields: $0.1) }
        for r in self.records where r.fields.count != header.count {
            throw QualityDataError("\(path):\(r.line): \(r.fields.count) fields, the header has \(header.count)")
        }
    }

    func column(_ name: String, path: String) throws(QualityDataError) -> Int {
        guard let i = header.firstIndex(of: name) else { throw QualityDataError("\(path): no column \"\(name)\"") }
        return i
    }
}
