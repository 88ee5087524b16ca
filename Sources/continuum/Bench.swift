import ArgumentParser
import ContinuumEngine
import ContinuumGGUF
import ContinuumKernels
import ContinuumModels
import Foundation

/// Prompt-processing and token-generation speed in the style of llama-bench: `ppN` runs N
/// prompt tokens through the model in batches from an empty cache; `tgN` decodes N tokens
/// one by one from an empty cache. Both time forward passes only (no sampling).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Measure prompt and generation tokens/s (llama-bench style).")

    @Option(name: [.short, .long], help: "GGUF model file (default: the default model).") var model: String?
    @Option(name: .short, help: "Prompt tokens (comma-separated list; 0 skips).") var p: String = "512"
    @Option(name: .short, help: "Generated tokens (comma-separated list; 0 skips).") var n: String = "128"
    @Option(name: .short, help: "Thread counts (comma-separated).") var t: String = "\(min(2, ProcessInfo.processInfo.activeProcessorCount))"
    @Option(name: .short, help: "Repetitions of each test.") var r: Int = 5
    @Option(name: .short, help: "Batch size for prompt processing.") var b: Int = 512
    @Flag(help: "Print JSON instead of a table.") var json = false
    @Option(help: "Kernel path: auto, avx512, avx512-novbmi, avx2, neon, neon-nodot, portable (default: CONTINUUM_ISA, else the best this CPU has).")
    var isa: String?
    @Flag(help: "Print the kernel paths this CPU supports, best first, and exit.") var listIsa = false

    func run() throws {
        if listIsa {
            for path in KernelISA.supported { print(path.name) }
            return
        }
        if let isa {
            guard let path = KernelISA(name: isa) else { throw ValidationError(KernelISAError.unknown(isa).description) }
            do { try KernelISA.force(path) } catch { throw ValidationError(error.description) }
        }
        let kernelPath = KernelISA.active.name, cpuPath = KernelISA.detected.name
        let path = try ModelLocation.resolve(model)
        let prompts = try list(p, "-p"), gens = try list(n, "-n"), threads = try list(t, "-t")
        guard threads.allSatisfy({ $0 >= 1 }), r >= 1, b >= 1 else { throw ValidationError("threads, -r and -b must be at least 1") }
        let gguf = try GGUFFile(path: path)
        let size = gguf.tensors.reduce(0) { $0 + $1.byteCount }
        let params = gguf.tensors.reduce(0) { $0 + $1.elementCount }
        let name = "\(gguf.architecture ?? "?") \(gguf["general.size_label"]?.stringValue ?? "") \(fileType(gguf))"
        var rows: [[String: Any]] = []
        if !json {
            print("kernel path: \(kernelPath) (this CPU supports up to \(cpuPath))")
            print("| model | size | params | threads | test | t/s |")
            print("| --- | ---: | ---: | ---: | ---: | ---: |")
        }
        for th in threads {
            let context = ComputeContext(threads: th)
            let decoder = try ModelRegistry.load(gguf, context: context, maxBatch: b)
            let cfg = decoder.configuration
            let capacity = (prompts.max() ?? 0) + (gens.max() ?? 0) + 1
            let cache = KVCache(configuration: cfg, capacity: capacity)
            decoder.reserve(positions: capacity)
            let logits = UnsafeMutablePointer<Float>.allocate(capacity: cfg.vocabularySize)
            defer { logits.deallocate() }
            var rng = SplitMix(seed: 42)
            let tokens = (0..<max(capacity, 1)).map { _ in Int32(truncatingIfNeeded: rng.next() % UInt64(cfg.vocabularySize)) }
            var tests: [(String, Int, () -> Void)] = []
            for pp in prompts where pp > 0 {
                tests.append(("pp\(pp)", pp, {
                    tokens.withUnsafeBufferPointer { tp in
                        var pos = 0
                        while pos < pp {
                            let k = min(b, pp - pos)
                            decoder.forward(UnsafeBufferPointer(rebasing: tp[pos..<(pos + k)]), start: pos, cache: cache, logits: logits)
                            pos += k
                        }
                    }
                }))
            }
            for tg in gens where tg > 0 {
                tests.append(("tg\(tg)", tg, {
                    tokens.withUnsafeBufferPointer { tp in
                        for i in 0..<tg {
                            decoder.forward(UnsafeBufferPointer(rebasing: tp[i..<(i + 1)]), start: i, cache: cache, logits: logits)
                        }
                    }
                }))
            }
            for (testName, count, body) in tests {
                body()  // warm-up: page in weights, grow scratch
                var samples: [Double] = []
                for _ in 0..<r {
                    let start = ContinuousClock.now
                    body()
                    let d = ContinuousClock.now - start
                    let s = d.inSeconds
                    samples.append(Double(count) / s)
                }
                let sorted = samples.sorted()
                let median = sorted[sorted.count / 2]
                let mean = samples.reduce(0, +) / Double(samples.count)
                let sd = (samples.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(samples.count - 1, 1))).squareRoot()
                if json {
                    rows.append(["model": name, "model_file": path, "threads": th, "isa": kernelPath, "cpu_isa": cpuPath, "test": testName,
                                 "tokens_per_second_median": median, "tokens_per_second_mean": mean,
                                 "tokens_per_second_stddev": sd, "tokens_per_second_samples": samples])
                } else {
                    print(String(format: "| %@ | %.2f MiB | %.2f M | %d | %@ | %.2f ± %.2f (median %.2f) |",
                                 name, Double(size) / 1048576, Double(params) / 1e6, th, testName, mean, sd, median))
                }
            }
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }

    private func list(_ s: String, _ flag: String) throws -> [Int] {
        let v = s.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !v.isEmpty, v.allSatisfy({ $0 != nil && $0! >= 0 }) else { throw ValidationError("\(flag) expects a comma-separated list of counts, got '\(s)'") }
        return v.map { $0! }
    }

    private func fileType(_ g: GGUFFile) -> String {
        // The most common matrix type stands for the file (like llama.cpp's ftype names).
        var counts: [GGMLType: Int] = [:]
        for t in g.tensors where t.dimensions.count == 2 { counts[t.type, default: 0] += t.byteCount }
        return counts.max { $0.value < $1.value }?.key.description ?? "?"
    }
}

/// A tiny deterministic PRNG for benchmark inputs.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
