// swift-tools-version: 6.0
// Continuum: one binary that runs AI requests on the smallest, closest, most private tier.
// Targets follow ../shared/design/ARCHITECTURE.md; each may import only what its row allows.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Continuum",
    platforms: [.macOS(.v14), .iOS(.v17)],
    products: [
        .executable(name: "continuum", targets: ["continuum"]),
        .library(name: "ContinuumEngine", targets: ["ContinuumEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // GGUF v3: mmap, bounds-checked parsing, typed metadata, tensor directory, a writer for tests.
        .target(name: "ContinuumGGUF", swiftSettings: strict),
        // Innermost SIMD loops in C, chosen at run time by CPU features (no unsafeFlags).
        .target(name: "CContinuumKernels"),
        // Quant block formats, dequantize, dot/matvec/matmul, norms, rope, softmax; scalar references.
        .target(name: "ContinuumKernels", dependencies: ["CContinuumKernels"], swiftSettings: strict),
        // Byte-level BPE, pre-tokenizers per model family, streaming detokenizer, chat templates.
        .target(name: "ContinuumTokenizers", dependencies: ["ContinuumGGUF"], swiftSettings: strict),
        // Constrained decoding: GBNF and JSON Schema → grammar → per-step token masks over a
        // vocabulary trie. Pure: a vocabulary comes in as token bytes, so no tokenizer import.
        .target(name: "ContinuumGrammar", swiftSettings: strict),
        // One file per architecture and a registry keyed by general.architecture.
        .target(name: "ContinuumModels", dependencies: ["ContinuumGGUF", "ContinuumKernels"], swiftSettings: strict),
        // KV cache, sampler chain, generation loop, the public Engine API.
        .target(name: "ContinuumEngine", dependencies: ["ContinuumModels", "ContinuumTokenizers", "ContinuumGGUF", "ContinuumGrammar"], swiftSettings: strict),
        // Codable wire types of the OpenAI API and SSE framing.
        .target(name: "ContinuumOpenAI", swiftSettings: strict),
        // Pure replica-routing decisions (no I/O): round-robin, least outstanding, power of two,
        // the AIBrix and SGLang baselines, and Continuum's exact-prefix policy.
        .target(name: "ContinuumRouting", swiftSettings: strict),
        // Trace readers, an engine cost model, a deterministic simulator, reports.
        .target(
            name: "ContinuumReplay",
            dependencies: [
                "ContinuumRouting", "ContinuumOpenAI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict),
        // SQLite (GRDB): API keys (hashed), per-request usage and provenance; migrations.
        // PostgreSQL (postgres-nio) when several gateways share keys, usage, budgets and rate leases.
        .target(
            name: "ContinuumLedger",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // The HTTP server: OpenAI-compatible routes, auth, ledger rows, backends.
        .target(
            name: "ContinuumGateway",
            dependencies: [
                "ContinuumEngine", "ContinuumOpenAI", "ContinuumLedger", "ContinuumTokenizers", "ContinuumRouting", "ContinuumGGUF",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // UpstreamClient (HTTP/1.1 codec, the lock of its pool) and the HTTP/1 server's
                // pipeline with ConnectionGuard (Server/).
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Atomics", package: "swift-atomics"),
            ],
            swiftSettings: strict),
        // The CLI: the only place everything is wired together.
        .executableTarget(
            name: "continuum",
            dependencies: [
                "ContinuumEngine", "ContinuumGGUF", "ContinuumTokenizers", "ContinuumModels", "ContinuumKernels", "ContinuumGrammar", "ContinuumOpenAI",
                "ContinuumGateway", "ContinuumLedger", "ContinuumRouting", "ContinuumReplay",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),

        .testTarget(name: "ContinuumGGUFTests", dependencies: ["ContinuumGGUF"], swiftSettings: strict),
        .testTarget(name: "ContinuumKernelsTests", dependencies: ["ContinuumKernels"], swiftSettings: strict),
        .testTarget(name: "ContinuumTokenizersTests", dependencies: ["ContinuumTokenizers", "ContinuumGGUF"], swiftSettings: strict),
        .testTarget(name: "ContinuumGrammarTests", dependencies: ["ContinuumGrammar"], swiftSettings: strict),
        .testTarget(name: "ContinuumOpenAITests", dependencies: ["ContinuumOpenAI"], swiftSettings: strict),
        // GRDB directly, to build databases of older schemas for the migration tests.
        .testTarget(
            name: "ContinuumLedgerTests",
            dependencies: ["ContinuumLedger", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .testTarget(name: "ContinuumRoutingTests", dependencies: ["ContinuumRouting"], swiftSettings: strict),
        .testTarget(name: "ContinuumReplayTests", dependencies: ["ContinuumReplay", "ContinuumRouting"], swiftSettings: strict),
        // NIO for the UpstreamClient tests' local HTTP server; AsyncHTTPClient for its benchmark.
        .testTarget(
            name: "ContinuumGatewayTests",
            dependencies: [
                "ContinuumGateway", "ContinuumRouting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict),
        .testTarget(name: "ContinuumEngineTests", dependencies: ["ContinuumEngine", "ContinuumModels", "ContinuumTokenizers", "ContinuumGGUF", "ContinuumKernels"], swiftSettings: strict),
    ]
)
