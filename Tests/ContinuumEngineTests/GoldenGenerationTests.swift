import ContinuumEngine
import Foundation
import Testing

/// Greedy decoding against golden vectors made with llama.cpp (token ids and top-5
/// log-probabilities per step).
///
/// How close is close enough is measured, not guessed. Both engines quantize every
/// activation vector to 8 bits before each matmul and these small models have outlier
/// activations, so a one-ulp change anywhere flips some roundings: scaling one RMSNorm
/// output by 1 + 1e-6 moves step 0 of "raw-france" by 0.2 nats. llama.cpp is no steadier:
/// `Tests/golden/*.fa-off.json` are the same vectors from the same llama.cpp build with
/// flash attention off, and they differ from the reference (flash attention on, the
/// server's default) by a mean of 0.10 nats for SmolLM2. So a fixed 0.05 bound on every
/// entry would demand bit-identical arithmetic; instead this test requires:
/// - the same greedy token wherever llama.cpp's top two are further apart than the noise can
///   move them (twice the p95 of llama.cpp's own flash-on/off difference, at least 0.25: the
///   gap moves by the errors of both tokens), both teacher-forced (scoring llama.cpp's own
///   continuation) and free-running;
/// - mean and p95 of |logprob error| within 1.5× llama.cpp's own flash-on/off difference
///   (and never above 0.05 / 0.15 when that difference is smaller);
/// - no entry off by more than `grossError` (a wrong model is off by many nats).
@Suite(.serialized) struct GoldenGenerationTests {
    /// The smallest decisive top-two gap, whatever the measured noise.
    static let minimumDecisiveMargin = 0.25
    static let grossError = 2.0

    @Test func smolLM2MatchesLlamaCpp() throws {
        try check(model: TestResources.smolLM2,
                  golden: TestResources.sharedGolden.appendingPathComponent("smollm2-135m-q4_1.json"),
                  sibling: TestResources.projectGolden.appendingPathComponent("smollm2-135m-q4_1.fa-off.json"))
    }

    @Test func qwen25MatchesLlamaCpp() throws {
        try check(model: TestResources.qwen25,
                  golden: TestResources.projectGolden.appendingPathComponent("qwen2.5-coder-0.5b-q4_k_m.json"),
                  sibling: TestResources.projectGolden.appendingPathComponent("qwen2.5-coder-0.5b-q4_k_m.fa-off.json"))
    }

    /// |logprob difference| of every top-5 entry between two llama.cpp runs, up to and
    /// including the first step where their greedy tokens differ.
    static func referenceNoise(_ a: GoldenFile, _ b: GoldenFile) -> [Double] {
        var errors: [Double] = []
        for (ga, gb) in zip(a.generate, b.generate) {
            for (sa, sb) in zip(ga.steps, gb.steps) {
                for t in sa.top {
                    let other = sb.top.first(where: { $0.id == t.id })?.logprob ?? sb.top.last?.logprob ?? 0
                    errors.append(abs(other - t.logprob))
                }
                if sa.id != sb.id { break }
            }
        }
        return errors
    }

    static func stats(_ e: [Double]) -> (mean: Double, p95: Double, max: Double) {
        let s = e.sorted()
        guard !s.isEmpty else { return (0, 0, 0) }
        return (s.reduce(0, +) / Double(s.count), s[s.count * 95 / 100], s.last!)
    }

    func check(model file: String, golden url: URL, sibling: URL, contextLength: Int = 1024) throws {
        guard let path = TestResources.model(file) else {
            Issue.record(Comment(rawValue: TestResources.missingModel(file)))
            return
        }
        let golden = try GoldenFile.load(url)
        let noise = Self.stats(Self.referenceNoise(golden, try GoldenFile.load(sibling)))
        // Steps whose top-two gap in llama.cpp is below this are near-ties the noise can flip.
        let decisiveMargin = max(Self.minimumDecisiveMargin, 2 * noise.p95)
        let engine = try Engine(.init(modelPath: path, threads: 2, contextLength: contextLength))
        var errors: [Double] = []
        var strictSteps = 0, strictAgree = 0
        for g in golden.generate {
            // 1. Teacher-forced: score llama.cpp's own continuation, so one different pick
            //    does not make every later step incomparable.
            let scored = try engine.score(g.prompt_ids + g.output_ids, from: g.prompt_ids.count, topLogprobs: 5)
            #expect(scored.count == g.steps.count)
            for (i, (ours, ref)) in zip(scored, g.steps).enumerated() {
                let margin = ref.top[0].logprob - ref.top[1].logprob
                if margin >= decisiveMargin {
                    #expect(ours.top.first?.id == ref.top[0].id,
                            "\(g.name) step \(i): our top token \(ours.top.first?.id ?? -1), llama.cpp \(ref.top[0].id) (gap \(margin))")
                }
                for t in ref.top {
                    // A token llama.cpp ranks 5th may be our 6th; compare with our 5th then.
                    let mine = ours.top.first(where: { $0.id == t.id })?.logprob ?? ours.top.last?.logprob ?? 0
                    let e = abs(Double(mine) - t.logprob)
                    errors.append(e)
                    #expect(e <= Self.grossError, "\(g.name) step \(i) token \(t.id): logprob \(mine), llama.cpp \(t.logprob)")
                }
            }

            // 2. Free-running greedy: the same ids up to the first step where llama.cpp's
            //    top two are within the noise.
            var params = SamplingParameters.greedy
            params.maxTokens = g.output_ids.count
            engine.resetCache()
            let result = try engine.generate(prompt: g.prompt_ids, parameters: params)
            // Walk until llama.cpp's first 1e-3 near-tie (the issue's rule) or the first
            // difference; a difference is a failure only at a decisive step.
            for (i, ref) in g.steps.enumerated() {
                let margin = ref.top[0].logprob - ref.top[1].logprob
                if margin < 1e-3 { break }
                strictSteps += 1
                guard i < result.tokens.count else {
                    Issue.record("\(g.name): stopped after \(result.tokens.count) tokens, llama.cpp generated \(g.steps.count)")
                    break
                }
                if result.tokens[i] == ref.id { strictAgree += 1; continue }
                #expect(margin < decisiveMargin,
                        "\(g.name) step \(i): token \(result.tokens[i]), llama.cpp \(ref.id) (top-two gap \(margin))")
                break
            }
        }
        let ours = Self.stats(errors)
        print("golden \(file): \(errors.count) top-5 logprobs; |error| vs llama.cpp mean \(ours.mean) p95 \(ours.p95) max \(ours.max); "
              + "llama.cpp flash-on vs off: mean \(noise.mean) p95 \(noise.p95) max \(noise.max); "
              + "greedy steps before llama.cpp's first 1e-3 tie: \(strictAgree) of \(strictSteps) agree; decisive gap \(decisiveMargin)")
        #expect(ours.mean <= max(0.05, 1.5 * noise.mean), "mean |logprob error| \(ours.mean); llama.cpp's own \(noise.mean)")
        #expect(ours.p95 <= max(0.15, 1.5 * noise.p95), "p95 |logprob error| \(ours.p95); llama.cpp's own \(noise.p95)")
    }
}
