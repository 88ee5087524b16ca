import ContinuumGateway
import NIOCore
import NIOHTTP1
import Testing

/// UpstreamClient against a real local HTTP server (UpstreamTestServer).
@Suite struct UpstreamClientTests {
    static let long = Duration.seconds(10)

    private func get(_ client: UpstreamClient, _ path: String, firstByte: Duration = long, read: Duration = long) async throws -> UpstreamResponse {
        try await client.execute(method: .GET, path: path, firstByteTimeout: firstByte, readTimeout: read)
    }

    @Test func sequentialRequestsReuseOneKeepAliveConnection() async throws {
        let server = try await UpstreamTestServer.start()
        let client = try UpstreamClient(baseURL: server.baseURL, maxConnections: 4)
        for i in 0..<50 {
            let response = try await get(client, "/ok")
            #expect(response.status == 200)
            #expect(String(buffer: try await response.body.collect(upTo: 100)) == "hello")
            let echo = try await client.execute(method: .POST, path: "/echo", headers: [("content-type", "text/plain")],
                                                body: ByteBuffer(string: "request \(i)"), firstByteTimeout: Self.long, readTimeout: Self.long)
            #expect(String(buffer: try await echo.body.collect(upTo: 100)) == "request \(i)")
        }
        #expect(server.snapshot.accepted == 1)
        await client.shutdown()
        #expect(await server.eventually { $0.closed == 1 })
        await server.stop()
    }

    @Test func requestsBeyondMaxConnectionsWaitAndComplete() async throws {
        let server = try await UpstreamTestServer.start()
        let client = try UpstreamClient(baseURL: server.baseURL, maxConnections: 2)
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    let r = try await client.execute(method: .GET, path: "/slow?ms=40", firstByteTimeout: Self.long, readTimeout: Self.long)
                    return String(buffer: try await r.body.collect(upTo: 100))
                }
            }
            var answers = 0
            for try await body in group {
                #expect(body == "slow")
                answers += 1
            }
            #expect(answers == 12)
        }
        let c = server.snapshot
        #expect(c.accepted <= 2)
        #expect(c.maxInFlight <= 2)
        #expect(ContinuousClock.now - start >= .milliseconds(6 * 40 - 20))  // six rounds of two
        await client.shutdown()
        await server.stop()
    }

    @Test func aFullQueueFailsAtOnce() async throws {
        let server = try await UpstreamTestServer.start()
        let client = try UpstreamClient(baseURL: server.baseURL, maxConnections: 1, maxWaiting: 1)
        let results = await withTaskGroup(of: Result<Int, UpstreamClientError>.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    do {
                        let r = try await client.execute(method: .GET, path: "/slow?ms=300", firstByteTimeout: Self.long, readTimeout: Self.long)
                        _ = try await r.body.collect(upTo: 100)
                        return .success(r.status)
                    } catch let e as UpstreamClientError {
                        return .failure(e)
                    } catch {
                        return .failure(.connectFailed("\(error)"))
                    }
                }
            }
            var all: [Result<Int, UpstreamClientError>] = []
            for await r in group { all.append(r) }
            return all
        }
        #expect(results.filter { if case .success(200) = $0 { true } else { false } }.count == 2)
        #expect(results.filter { if case .failure(.tooManyWaiting(limit: 1)) = $0 { true } else { false } }.count == 1)
        await client.shutdown()
        await server.stop()
    }

    @Test func aChunkedBodyArrivesPartByPart() async throws {
        let server = try await UpstreamTestServer.start()
        let client = try UpstreamClient(baseURL: server.baseURL, maxConnections: 1)
        let response = try await get(client, "/chunks?n=5&gap=80")
        #expect(response.status == 200)
        var parts: [String] = []
        for try await part in response.body { parts.append(String(buffer: part)) }
        // Part by part, in order (that a part is readable before the body ends is shown by
        // the `/stall` tests, without timing anything).
        #expect(parts == (0..<5).map { "part-\($0)\n" })
        // Read to the end: the connection went back to the pool.
        _ = try await get(client, "/ok").body.collect(upTo: 100)
        #expect(server.snapshot.accepted == 1)
        await client.shutdown()
        await server.stop()
    }

    @Test func theFirstByteTimeoutFires() async throws {
        let server = try await UpstreamTestServer.start()
        let client = try UpstreamClient(baseURL: server.baseURL, maxConnections: 1)
        let start = ContinuousClock.now
        await #expect(throws: UpstreamClientError.firstByteTimeout(.milliseconds(200))) {
            _ = try await get(client, "/slow?ms=3000", firstByte: .milliseconds(200))
        }
        #expect(ContinuousClock.now - start < .seconds(10))  // fired, not waited out by something else
        #expect(await server.eventually { $0.closed == 1 })  // the connection is not reused
        await client.shutdown()
        await server.stop()
    }

    @Test func theReadTimeoutFiresOnSilence() async throws {
        let server = try await UpstreamTestServer.start()
        let client = try UpstreamClient(baseURL: server.baseURL, maxConnections: 1)
        let response = try await get(client, "/stall", read: .milliseconds(200))
        var iterator = response.body.makeAsyncIterator()
        #expect(try await iterator.next().map { String(buffer: $0) } == "first")
        let start = ContinuousClock.now
        await #expect(throws: UpstreamClientError.readTimeout(.milliseconds(200))) {
            _ = try await iterator.next()
        }
        #expect(ContinuousClock.now - start < .seconds(10))  // fired, not waited out by something else
        #expect(await server.eventually { $0.closed == 1 })
        await client.shutdown()
        await server.stop()
    }

    @Test func anUpstreamThatClosesEarlyGivesTypedErrors() async throws {
        let server = try await UpstreamTestServer.start()
        let client = try UpstreamClient(baseURL: server.baseURL, maxConnections: 1)
        let response = try await get(client, "/closemid")
        await #expect(throws: UpstreamClientError.closedMidBody) {
            _ = try await response.body.collect(upTo: 10_000)
        }
        await #expect(throws: UpstreamClientError.closedBeforeHead) {
            _ = try await get(client, "/closehead")
        }
        // Neither broken connection is reused.
        _ = try await get(client, "/ok").body.collect(upTo: 100)
        #expect(server.snapshot.accepted == 3)
        await client.shutdown()
        await server.stop()
    }

    @Test func aConnectionTheUpstreamClosesIsNotReused() async throws {
        let server = try await UpstreamTestServer.start()
        let client = try UpstreamClient(baseURL: server.baseURL, maxConnections: 1)
        #expect(String(buffer: try await get(client, "/bye").body.collect(upTo: 100)) == "bye")
        #expect(await server.eventually { $0.closed == 1 })
        #expect(String(buffer: try await get(client, "/ok").body.collect(upTo: 100)) == "hello")
        #expect(server.snapshot.accepted == 2)
        await client.shutdown()
        await server.stop()
    }

    @Test func collectOverTheLimitThrows() async throws {
        let server = try await UpstreamTestServer.start()
        let client = try UpstreamClient(baseURL: server.baseURL, maxConnections: 1)
        await #expect(throws: UpstreamClientError.bodyTooLarge(limit: 2)) {
            _ = try await get(client, "/ok").body.collect(upTo: 2)  // whole body came with the head
        }
        #expect(server.snapshot.accepted == 1)  // that body was complete: the connection is fine
        await #expect(throws: UpstreamClientError.bodyTooLarge(limit: 100_000)) {
            _ = try await get(client, "/big?bytes=4000000").body.collect(upTo: 100_000)
        }
        #expect(await server.eventually { $0.closed == 1 })  // still sending: closed
        let whole = try await get(client, "/big?bytes=300000").body.collect(upTo: 300_000)
        #expect(whole.readableBytes == 300_000)
        #expect(server.snapshot.accepted == 2)
        await client.shutdown()
        await server.stop()
    }

    @Test func aBodyDroppedEarlyClosesItsConnection() async throws {
        let server = try await UpstreamTestServer.start()
        let client = try UpstreamClient(baseURL: server.baseURL, maxConnections: 4)
        do {
            let response = try await get(client, "/stall")
            var iterator = response.body.makeAsyncIterator()
            #expect(try await iterator.next().map { String(buffer: $0) } == "first")
        }  // response and iterator dropped here, mid-body
        #expect(await server.eventually { $0.closed == 1 })  // the upstream saw it
        _ = try await get(client, "/ok").body.collect(upTo: 100)
        #expect(server.snapshot.accepted == 2)  // not reused
        await client.shutdown()
        await server.stop()
    }

    @Test func aSlowReaderPausesTheUpstream() async throws {
        let server = try await UpstreamTestServer.start()
        let client = try UpstreamClient(baseURL: server.baseURL, maxConnections: 1)
        let total = 64 << 20
        let response = try await get(client, "/big?bytes=\(total)", read: .milliseconds(300))
        var iterator = response.body.makeAsyncIterator()
        var received = try await iterator.next()?.readableBytes ?? 0
        try await Task.sleep(for: .milliseconds(700))  // longer than the read timeout: a slow reader is no silence
        let written = server.snapshot.bytesWritten
        #expect(written < 32 << 20, "the server got \(written) bytes out past a paused reader")
        while let part = try await iterator.next() { received += part.readableBytes }
        #expect(received == total)
        await client.shutdown()
        await server.stop()
    }

    @Test func cancellingTheCallerClosesTheConnection() async throws {
        let server = try await UpstreamTestServer.start()
        let client = try UpstreamClient(baseURL: server.baseURL, maxConnections: 1)
        let task = Task { try await client.execute(method: .GET, path: "/slow?ms=5000", firstByteTimeout: Self.long, readTimeout: Self.long) }
        #expect(await server.eventually { $0.inFlight == 1 })
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        #expect(await server.eventually { $0.closed == 1 })
        await client.shutdown()
        await server.stop()
    }

    @Test func connectFailuresAndSchemesAreTyped() async throws {
        let port = try await UpstreamTestServer.closedPort()
        let client = try UpstreamClient(baseURL: "http://127.0.0.1:\(port)/v1", maxConnections: 2)
        await #expect(throws: UpstreamClientError.connectionRefused("127.0.0.1:\(port)")) {
            _ = try await get(client, "/ok")
        }
        await client.shutdown()
        #expect(throws: UpstreamClientError.unsupportedScheme("https")) {
            _ = try UpstreamClient(baseURL: "https://api.example.com/v1", maxConnections: 1)
        }
        #expect(throws: UpstreamClientError.invalidURL("127.0.0.1:8080")) {
            _ = try UpstreamClient(baseURL: "127.0.0.1:8080", maxConnections: 1)
        }
    }

    @Test func shutdownClosesIdleConnectionsAndRefusesRequests() async throws {
        let server = try await UpstreamTestServer.start()
        let client = try UpstreamClient(baseURL: server.baseURL, maxConnections: 2)
        _ = try await get(client, "/ok").body.collect(upTo: 100)
        await client.shutdown()
        #expect(await server.eventually { $0.closed == 1 })
        await #expect(throws: UpstreamClientError.shutDown) {
            _ = try await get(client, "/ok")
        }
        await server.stop()
    }
}
