import ContinuumGGUF
import ContinuumKernels
import ContinuumModels
import Foundation
import Testing

/// The safetensors reader refuses malformed files with an error naming the problem.
@Suite struct SafetensorsTests {
    /// A file from a header (JSON text) and `dataBytes` bytes of data.
    static func file(header: String, dataBytes: Int, declaredLength: UInt64? = nil) -> MappedFile {
        let h = Array(header.utf8)
        var bytes: [UInt8] = []
        let length = declaredLength ?? UInt64(h.count)
        for i in 0..<8 { bytes.append(UInt8((length >> (8 * UInt64(i))) & 0xFF)) }
        bytes += h
        bytes += (0..<dataBytes).map { UInt8($0 & 0xFF) }
        return MappedFile(bytes: bytes)
    }

    func error(_ f: MappedFile) -> SafetensorsError? {
        do { _ = try SafetensorsFile(file: f); return nil } catch { return error }
    }

    static let valid = #"{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"h":{"dtype":"F16","shape":[2],"data_offsets":[24,28]},"ids":{"dtype":"I64","shape":[1,1],"data_offsets":[28,36]}}"#

    @Test func validFileReads() throws {
        var data: [UInt8] = []
        for v: Float in [1, 2, 3, 4, 5, 6] { withUnsafeBytes(of: v.bitPattern.littleEndian) { data += $0 } }
        data += [0x00, 0x3C, 0x00, 0xC0]  // f16 1.0, -2.0
        data += [7, 0, 0, 0, 0, 0, 0, 0]
        let h = Array(Self.valid.utf8)
        var bytes: [UInt8] = (0..<8).map { UInt8((UInt64(h.count) >> (8 * UInt64($0))) & 0xFF) }
        bytes += h + data
        let f = try SafetensorsFile(file: MappedFile(bytes: bytes))
        #expect(f.metadata == ["format": "pt"])
        #expect(f.tensors.count == 3)
        #expect(try f.floats("w", shape: [2, 3]) == [1, 2, 3, 4, 5, 6])
        #expect(try f.floats("h", shape: [2]) == [1, -2])
        let m = try f.matrix("w", rows: 2, cols: 3)
        #expect(m.rows == 2 && m.cols == 3)
        #expect(throws: SafetensorsError(.wrongShape, "w", "[2, 3], expected [3, 2]")) { try f.floats("w", shape: [3, 2]) }
        #expect(throws: SafetensorsError(.missingTensor, "x")) { try f.floats("x", shape: [1]) }
        do { _ = try f.matrix("ids", rows: 1, cols: 1); Issue.record("I64 used as a weight") } catch {
            #expect(error.code == .unsupportedDType && error.description.contains("I64"), "\(error)")
        }
    }

    @Test func truncatedHeaderIsNamed() {
        #expect(error(MappedFile(bytes: [1, 2, 3]))?.code == .truncated)
        // the length says 300 bytes of header, the file has fewer
        let e = error(Self.file(header: Self.valid, dataBytes: 0, declaredLength: 300))
        #expect(e?.code == .truncated && e?.context == "header", "\(String(describing: e))")
        // a header cut in the middle of its JSON
        let cut = String(Self.valid.prefix(40))
        #expect(error(Self.file(header: cut, dataBytes: 36))?.code == .badHeader)
        // an absurd length is refused before anything is allocated
        #expect(error(Self.file(header: Self.valid, dataBytes: 36, declaredLength: UInt64.max))?.code == .badHeader)
    }

    @Test func offsetsBeyondTheFileAreNamed() {
        // 36 data bytes are needed, 30 are there
        let e = error(Self.file(header: Self.valid, dataBytes: 30))
        #expect(e?.code == .outOfBounds && e?.context == "ids", "\(String(describing: e))")
        let reversed = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}"#
        #expect(error(Self.file(header: reversed, dataBytes: 8))?.code == .outOfBounds)
        let negative = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}"#
        #expect(error(Self.file(header: negative, dataBytes: 8))?.code == .outOfBounds)
        let huge = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551615]}}"#
        #expect(error(Self.file(header: huge, dataBytes: 8)) != nil)
    }

    @Test func wrongDTypeAndShapeAreNamed() {
        let unknown = #"{"w":{"dtype":"F99","shape":[1],"data_offsets":[0,4]}}"#
        let e = error(Self.file(header: unknown, dataBytes: 4))
        #expect(e?.code == .badDType && e?.description.contains("F99") == true, "\(String(describing: e))")
        let notString = #"{"w":{"dtype":32,"shape":[1],"data_offsets":[0,4]}}"#
        #expect(error(Self.file(header: notString, dataBytes: 4))?.code == .badHeader)
        // F16 for 4 bytes of data with shape [1]: the sizes disagree
        let mismatch = #"{"w":{"dtype":"F16","shape":[1],"data_offsets":[0,4]}}"#
        #expect(error(Self.file(header: mismatch, dataBytes: 4))?.code == .sizeMismatch)
        let badShape = #"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#
        #expect(error(Self.file(header: badShape, dataBytes: 4))?.code == .badShape)
        let overflow = #"{"w":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,4]}}"#
        #expect(error(Self.file(header: overflow, dataBytes: 4))?.code == .badShape)
        #expect(error(Self.file(header: "[1,2]", dataBytes: 0))?.code == .badHeader)
    }

    @Test func realModelOpens() throws {
        guard let dir = TestResources.miniLMDirectory() else { return }
        let f = try SafetensorsFile(path: dir.path + "/model.safetensors")
        #expect(f.tensors["embeddings.word_embeddings.weight"]?.shape == [30522, 384])
        #expect(f.tensors["embeddings.position_ids"]?.dtype == .i64)
        do { _ = try SafetensorsFile(path: "/nonexistent.safetensors"); Issue.record("opened a missing file") } catch {
            #expect(error.code == .cannotOpen && error.context == "/nonexistent.safetensors", "\(error)")
        }
    }
}
