import ContinuumOpenAI
import Foundation
import Testing

/// Python with the official `openai` package, from `CONTINUUM_OPENAI_PYTHON`. Unset (the
/// default), these tests are skipped: `swift test` needs neither the network nor a venv.
let officialPython = ProcessInfo.processInfo.environment["CONTINUUM_OPENAI_PYTHON"]

@Suite struct OfficialClientTests {
    static func string(_ data: Data) -> String { String(decoding: data, as: UTF8.self) }

    static func fixtures() throws -> [String: Any] {
        let m = meta
        let entries = [
            LogprobEntry(token: .init(text: "Hel", logprob: -0.25),
                         alternatives: [.init(text: "Hel", logprob: -0.25), .init(text: "Hello", logprob: -1.5)]),
            LogprobEntry(token: .init(text: "lo", logprob: -0.5), alternatives: [.init(text: "lo", logprob: -0.5)]),
        ]
        let chat = ChatCompletion(m, text: "Hello!", finishReason: .stop,
                                  usage: Usage(promptTokens: 12, completionTokens: 3, cachedTokens: 8),
                                  logprobs: ChatLogprobs(entries, topLogprobs: 2))
        var stream = Data()
        stream += try SSEEncoder.data(ChatCompletionChunk.role(m))
        stream += try SSEEncoder.data(ChatCompletionChunk.content(m, "Hel", logprobs: ChatLogprobs([entries[0]], topLogprobs: 1)))
        stream += SSEEncoder.comment("keep-alive")
        stream += try SSEEncoder.data(ChatCompletionChunk.content(m, "lo 👋\n"))
        stream += try SSEEncoder.data(ChatCompletionChunk.finish(m, .length))
        stream += try SSEEncoder.data(ChatCompletionChunk.usage(m, Usage(promptTokens: 5, completionTokens: 2, cachedTokens: 4)))
        stream += SSEEncoder.done
        var dies = Data()
        dies += try SSEEncoder.data(ChatCompletionChunk.role(m))
        dies += try SSEEncoder.data(ChatCompletionChunk.content(m, "Hel"))
        dies += SSEEncoder.error(.backendFailure("backend died mid-stream"))

        let cm = ResponseMetadata(id: "cmpl-x", created: 1, model: "m")
        let completion = Completion(cm, text: " there lived", finishReason: .length,
                                    usage: Usage(promptTokens: 2, completionTokens: 2),
                                    logprobs: CompletionLogprobs([
                                        LogprobEntry(token: .init(text: " there", logprob: -0.1),
                                                     alternatives: [.init(text: " there", logprob: -0.1), .init(text: " lived", logprob: -2.5)]),
                                        LogprobEntry(token: .init(text: " lived", logprob: -0.2)),
                                    ], logprobs: 2))
        var completionStream = Data()
        for piece in [" upon", " a", " time"] { completionStream += try SSEEncoder.data(Completion.chunk(cm, text: piece)) }
        completionStream += try SSEEncoder.data(Completion.chunk(cm, text: "", finishReason: .stop))
        completionStream += try SSEEncoder.data(Completion.usage(cm, Usage(promptTokens: 4, completionTokens: 3)))
        completionStream += SSEEncoder.done

        let vectors: [[Float]] = [[0.5, -1, 0.25], [0.25, -2]]
        let errors: [(String, OpenAIError)] = [
            ("bad", .invalidValue(param: "temperature", "must be between 0 and 2, got 3")),
            ("missing", .modelNotFound("missing")),
            ("limited", .rateLimited(retryAfterSeconds: 7)),
            ("broke", .insufficientQuota()),
            ("nokey", .invalidAPIKey()),
            ("forbidden", .permissionDenied("no")),
            ("huge", .bodyTooLarge(limitBytes: 4_194_304)),
            ("long", .contextLengthExceeded(contextLength: 10, promptTokens: 20)),
            ("crash", .serverError()),
            ("upstream", .backendFailure("upstream said 500")),
            ("down", .backendUnavailable("no healthy backend", retryAfterSeconds: 1)),
        ]
        return [
            "chat_completion": string(try OpenAIJSON.encode(chat)),
            "chat_stream": string(stream),
            "chat_stream_error": string(dies),
            "completion": string(try OpenAIJSON.encode(completion)),
            "completion_stream": string(completionStream),
            "embeddings_float": string(try OpenAIJSON.encode(EmbeddingResponse(model: "e", vectors: vectors, format: .float, promptTokens: 3))),
            "embeddings_base64": string(try OpenAIJSON.encode(EmbeddingResponse(model: "e", vectors: vectors, format: .base64, promptTokens: 3))),
            "models": string(try OpenAIJSON.encode(ModelList(data: [
                Model(id: "qwen2.5-0.5b", created: 1_700_000_000, ownedBy: "continuum"),
                Model(id: "bge-small", created: 1_700_000_001, ownedBy: "continuum"),
            ]))),
            "errors": errors.map { model, e -> [String: Any] in
                ["model": model, "status": e.status, "body": string(e.body), "retry_after": e.retryAfterSeconds ?? 0]
            },
        ]
    }

    @Test(.enabled(if: officialPython != nil, "set CONTINUUM_OPENAI_PYTHON to a python with the openai package"),
          .timeLimit(.minutes(1)))
    func officialPythonClientParsesEverything() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-openai-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fixtureURL = dir.appendingPathComponent("fixtures.json")
        let scriptURL = dir.appendingPathComponent("check.py")
        try JSONSerialization.data(withJSONObject: Self.fixtures()).write(to: fixtureURL)
        try Data(officialClientScript.utf8).write(to: scriptURL)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: officialPython!)
        process.arguments = [scriptURL.path, fixtureURL.path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let output = Self.string(out.fileHandleForReading.readDataToEndOfFile())
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(output.contains("checks passed"), "\(output)")
    }
}
