import ContinuumEngine

/// A generation read in two phases: the cascade reads its first tokens to judge them, then
/// the response continues from the same place (the tokens read so far replayed first).
/// Dropping the cursor drops the engine's stream, which cancels the generation.
final class UpdateCursor: @unchecked Sendable {
    // `@unchecked Sendable`: used by one task at a time, the cascade's decision and then the
    // response that continues it; never concurrently.
    private var iterator: AsyncThrowingStream<GenerationUpdate, any Error>.AsyncIterator
    private var replay: [GenerationUpdate] = []
    private var replayed = 0

    init(_ updates: AsyncThrowingStream<GenerationUpdate, any Error>) {
        iterator = updates.makeAsyncIterator()
    }

    /// The next update from the engine, remembered for the replay.
    func read() async throws -> GenerationUpdate? {
        let u = try await iterator.next()
        if let u { replay.append(u) }
        return u
    }

    /// Everything read so far, then the rest of the generation.
    func stream() -> AsyncThrowingStream<GenerationUpdate, any Error> {
        AsyncThrowingStream(unfolding: { [self] in
            if replayed < replay.count {
                defer { replayed += 1 }
                return replay[replayed]
            }
            return try await iterator.next()
        })
    }
}
