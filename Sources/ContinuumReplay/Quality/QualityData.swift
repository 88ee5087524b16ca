public import ContinuumRouting
import Foundation

/// One benchmark's routing examples and what was left out of it.
public struct QualityDataSet: Sendable {
    public let benchmark: String
    public let examples: [QualityExample]
    /// Prompts dropped because a contamination list names them.
    public let excluded: Int
    /// Rows without a score for one of the two models.
    public let unscored: Int
}

/// Readers of ../shared/data/routing-quality: RouteLLM's GSM8K and MT-Bench outcomes for
/// Mixtral-8x7B-Instruct (weak) and GPT-4-1106-preview (strong), RouterBench train splits
/// with the same pair (`mistralai/mixtral-8x7b-chat` vs `gpt-4-1106-preview`), and a
/// generic JSONL of measured outcomes. A malformed row is an error naming file and line.
public enum QualityData {
    public static let routeLLMWeak = "mistralai/Mixtral-8x7B-Instruct-v0.1"
    public static let routeLLMStrong = "gpt-4-1106-preview"
    public static let routerBenchWeak = "mistralai/mixtral-8x7b-chat"
    public static let routerBenchStrong = "gpt-4-1106-preview"
    /// The RouterBench files shipped under routing-quality/routerbench, with benchmark names.
    public static let routerBenchFiles = [("arc_challenge_train.csv", "arc-challenge"), ("mbpp_train.csv", "mbpp"),
                                          ("winograde_train.csv", "winogrande")]

    /// Every benchmark under `dataDirectory` (the folder holding routing-quality/), in a fixed
    /// order: gsm8k, mt-bench, arc-challenge, mbpp, winogrande.
    public static func all(dataDirectory: String) throws(QualityDataError) -> [QualityDataSet] {
        let r = dataDirectory + "/routing-quality/routellm/", b = dataDirectory + "/routing-quality/routerbench/"
        var out = [try gsm8k(responses: r + "gsm8k_responses.csv", contaminated: r + "gsm8k_contaminated_prompts.jsonl"),
                   try mtBench(questions: r + "mt_bench_question.jsonl", judgements: r + "mt_bench_judgements.jsonl",
                               contaminated: r + "mt_bench_contaminated_prompts.jsonl")]
        for (file, name) in routerBenchFiles { out.append(try routerBench(path: b + file, benchmark: name)) }
        return out
    }

    /// RouteLLM's gsm8k_responses.csv: `prompt` and one True/False column per model; prompts
    /// named as `eval_prompt` in the contamination list are left out, as RouteLLM's
    /// evaluation does.
    public static func gsm8k(responses: String, contaminated: String) throws(QualityDataError) -> QualityDataSet {
        let excluded = try contaminationList(contaminated)
        let t = try CSVTable(text: read(responses), path: responses)
        let p = try t.column("prompt", path: responses), w = try t.column(routeLLMWeak, path: responses),
            s = try t.column(routeLLMStrong, path: responses)
        var out: [QualityExample] = [], dropped = 0
        for r in t.records {
            if excluded.contains(r.fields[p]) { dropped += 1; continue }
            func bool(_ i: Int) throws(QualityDataError) -> Double {
                switch r.fields[i] {
                case "True": return 1
                case "False": return 0
                default: throw QualityDataError("\(responses):\(r.line): \(t.header[i]) is \"\(r.fields[i].prefix(20))\", not True or False")
                }
            }
            out.append(QualityExample(prompt: r.fields[p], benchmark: "gsm8k", weak: try bool(w), strong: try bool(s)))
        }
        return QualityDataSet(benchmark: "gsm8k", examples: out, excluded: dropped, unscored: 0)
    }

    /// MT-Bench: questions (`question_id`, two `turns`) and GPT-4 judge scores (`question_id`,
    /// `model`, `turn`, `score` 1–10). A question's performance for a model is the mean of its
    /// turn scores (RouteLLM averages all judgement rows, which is the same); the router sees
    /// the first turn only. Questions with either turn in the contamination list are left out.
    public static func mtBench(questions: String, judgements: String, contaminated: String) throws(QualityDataError) -> QualityDataSet {
        struct Question: Decodable { let question_id: Int; let turns: [String] }
        struct Judgement: Decodable { let question_id: Int; let model: String; let score: Double; let turn: Int }
        let excluded = try contaminationList(contaminated)
        var scores: [Int: [String: [Double]]] = [:]
        for (line, j) in try jsonLines(judgements, Judgement.self) {
            guard j.score.isFinite, (0...10).contains(j.score) else { throw QualityDataError("\(judgements):\(line): score \(j.score) is not 0–10") }
            scores[j.question_id, default: [:]][j.model, default: []].append(j.score)
        }
        var out: [QualityExample] = [], dropped = 0
        for (line, q) in try jsonLines(questions, Question.self) {
            guard let first = q.turns.first else { throw QualityDataError("\(questions):\(line): no turns") }
            if q.turns.contains(where: excluded.contains) { dropped += 1; continue }
            guard let w = scores[q.question_id]?[routeLLMWeak], let s = scores[q.question_id]?[routeLLMStrong] else {
                throw QualityDataError("\(judgements): no judgements of both models for question \(q.question_id)")
            }
            out.append(QualityExample(prompt: first, benchmark: "mt-bench", weak: w.reduce(0, +) / Double(w.count),
                                      strong: s.reduce(0, +) / Double(s.count)))
        }
        return QualityDataSet(benchmark: "mt-bench", examples: out, excluded: dropped, unscored: 0)
    }

    /// A RouterBench CSV: `prompt` (a Python list of turns; the last is routed), one 0/1
    /// column per model. The few-shot exemplars every prompt of the file starts with (ARC:
    /// 5, Winogrande: 10 blocks separated by blank lines) are cut off: they are the same for
    /// every row, and a 256-token embedding would see nothing else. Rows with no score for
    /// the pair are counted as unscored and skipped.
    public static func routerBench(path: String, benchmark: String, weak: String = routerBenchWeak,
                                   strong: String = routerBenchStrong) throws(QualityDataError) -> QualityDataSet {
        let t = try CSVTable(text: read(path), path: path)
        let p = try t.column("prompt", path: path), w = try t.column(weak, path: path), s = try t.column(strong, path: path)
        var blocks: [[String]] = []
        for r in t.records {
            guard let turns = PythonStringList.parse(r.fields[p]), let last = turns.last else {
                throw QualityDataError("\(path):\(r.line): prompt is not a Python list of strings")
            }
            blocks.append(last.components(separatedBy: "\n\n"))
        }
        var shared = 0
        while blocks.allSatisfy({ $0.count > shared + 1 }), let b = blocks.first?[shared], blocks.allSatisfy({ $0[shared] == b }) { shared += 1 }
        var out: [QualityExample] = [], unscored = 0
        for (r, bl) in zip(t.records, blocks) {
            let (ws, ss) = (r.fields[w], r.fields[s])
            if ws.isEmpty || ss.isEmpty { unscored += 1; continue }
            guard let wv = Double(ws), let sv = Double(ss), wv.isFinite, sv.isFinite else {
                throw QualityDataError("\(path):\(r.line): scores \"\(ws.prefix(20))\", \"\(ss.prefix(20))\" are not numbers")
            }
            out.append(QualityExample(prompt: bl[shared...].joined(separator: "\n\n"), benchmark: benchmark, weak: wv, strong: sv))
        }
        return QualityDataSet(benchmark: benchmark, examples: out, excluded: 0, unscored: unscored)
    }

    /// Generic outcomes, one JSON object a line: `{"prompt": "...", "weak": 0.0, "strong": 1.0}`
    /// (any comparable scale), e.g. device-vs-cloud answers graded live.
    public static func jsonl(path: String, benchmark: String) throws(QualityDataError) -> QualityDataSet {
        struct Row: Decodable { let prompt: String; let weak: Double; let strong: Double }
        var out: [QualityExample] = []
        for (line, r) in try jsonLines(path, Row.self) {
            guard r.weak.isFinite, r.strong.isFinite else { throw QualityDataError("\(path):\(line): scores must be finite") }
            out.append(QualityExample(prompt: r.prompt, benchmark: benchmark, weak: r.weak, strong: r.strong))
        }
        return QualityDataSet(benchmark: benchmark, examples: out, excluded: 0, unscored: 0)
    }

    /// The `eval_prompt`s of a RouteLLM contamination list (benchmark prompts that have a
    /// near-duplicate in RouteLLM's training data; its evaluation drops them).
    static func contaminationList(_ path: String) throws(QualityDataError) -> Set<String> {
        struct Row: Decodable { let eval_prompt: String }
        return Set(try jsonLines(path, Row.self).map(\.1.eval_prompt))
    }

    static func jsonLines<T: Decodable>(_ path: String, _ type: T.Type) throws(QualityDataError) -> [(Int, T)] {
        let decoder = JSONDecoder()
        var out: [(Int, T)] = []
        for (n, line) in try read(path).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy(\.isWhitespace) { continue }
            do {
                out.append((n + 1, try decoder.decode(T.self, from: Data(line.utf8))))
            } catch {
                throw QualityDataError("\(path):\(n + 1): \(reason(error))")
            }
        }
        guard !out.isEmpty else { throw QualityDataError("\(path): no records") }
        return out
    }

    private static func reason(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let k, _): return "missing \"\(k.stringValue)\""
        case .typeMismatch(_, let c), .valueNotFound(_, let c):
            return "wrong type at \"\(c.codingPath.map(\.stringValue).joined(separator: "."))\""
        case .dataCorrupted: return "not JSON"
        default: return "\(error)"
        }
    }

    static func read(_ path: String) throws(QualityDataError) -> String {
        do { return try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw QualityDataError("cannot read \(path): \(error.localizedDescription)")
        }
    }
}
