public import ContinuumGGUF
public import ContinuumKernels
internal import Foundation

/// A safetensors file could not be read. Every error names the tensor or header field involved
/// and the problem, so a truncated or corrupt file is diagnosed without a hex editor.
public struct SafetensorsError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        case cannotOpen = "cannot open file"
        case truncated = "file is truncated"
        case badHeader = "invalid header"
        case badDType = "unknown dtype"
        case badShape = "invalid tensor shape"
        case outOfBounds = "tensor data lies outside the data section"
        case sizeMismatch = "tensor data size does not match its shape and dtype"
        case unsupportedDType = "tensor has an unsupported dtype"
        case wrongShape = "tensor has the wrong shape"
        case missingTensor = "required tensor is missing"
    }

    public let code: Code
    /// The tensor name or header field being read.
    public let context: String
    public let detail: String

    public init(_ code: Code, _ context: String, _ detail: String = "") {
        self.code = code
        self.context = context
        self.detail = detail
    }

    public var description: String {
        var s = "safetensors: \(code.rawValue) at '\(context)'"
        if !detail.isEmpty { s += ": \(detail)" }
        return s
    }
}

/// Element types of safetensors tensors. Only the float ones can be used as weights; the rest
/// are parsed so a file that carries them (e.g. BERT's int64 `position_ids`) still opens.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8"
    case u64 = "U64", u32 = "U32", u16 = "U16", u8 = "U8", bool = "BOOL"

    public var byteSize: Int {
        switch self {
        case .f64, .i64, .u64: 8
        case .f32, .i32, .u32: 4
        case .f16, .bf16, .i16, .u16: 2
        case .i8, .u8, .bool: 1
        }
    }

    /// The kernels' element type for float weights; nil for the others.
    public var quantType: QuantType? {
        switch self {
        case .f32: .f32
        case .f16: .f16
        case .bf16: .bf16
        default: nil
        }
    }
}

/// One tensor of a safetensors file: its bytes lie at `offset ..< offset + byteCount` of the file.
public struct SafetensorsTensor: Sendable, Equatable {
    public let name: String
    public let dtype: SafetensorsDType
    public let shape: [Int]
    /// Absolute byte offset in the file.
    public let offset: Int
    public let byteCount: Int
}

/// A safetensors file (Hugging Face's format): an 8-byte little-endian header length, a JSON
/// header `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`, then the
/// data section. Memory-mapped (ContinuumGGUF's `MappedFile`), so weights are read in place.
/// Every offset is checked against the file before anything is read from it.
public final class SafetensorsFile: Sendable {
    public let file: MappedFile
    public let tensors: [String: SafetensorsTensor]
    public let metadata: [String: String]

    /// Headers larger than this are refused before they are read (real ones are tens of KB).
    public static let maxHeaderBytes = 100 << 20

    public convenience init(path: String) throws(SafetensorsError) {
        let file: MappedFile
        do { file = try MappedFile(path: path) } catch { throw SafetensorsError(.cannotOpen, path, error.detail) }
        try self.init(file: file)
    }

    public init(file: MappedFile) throws(SafetensorsError) {
        self.file = file
        let bytes = file.bytes
        guard bytes.count >= 8 else {
            throw SafetensorsError(.truncated, "header length", "the file has \(bytes.count) bytes, fewer than the 8-byte header length")
        }
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard length <= UInt64(Self.maxHeaderBytes) else {
            throw SafetensorsError(.badHeader, "header length", "\(length) bytes is more than the \(Self.maxHeaderBytes) allowed")
        }
        let headerEnd = 8 + Int(length)
        guard headerEnd <= bytes.count else {
            throw SafetensorsError(.truncated, "header", "the header says it is \(length) bytes long but the file has only \(bytes.count - 8) after the length")
        }
        let header: [String: HeaderEntry]
        do {
            header = try JSONDecoder().decode([String: HeaderEntry].self, from: Data(bytes[8 ..< headerEnd]))
        } catch let e as SafetensorsError {
            throw e
        } catch DecodingError.typeMismatch(_, let c) where c.codingPath.isEmpty {
            throw SafetensorsError(.badHeader, "header", "not a JSON object")
        } catch DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c), DecodingError.keyNotFound(_, let c),
                DecodingError.dataCorrupted(let c) where !c.codingPath.isEmpty {
            let path = c.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            throw SafetensorsError(.badHeader, path.first ?? "header", "\(path.dropFirst().joined(separator: ".")): \(c.debugDescription)")
        } catch {
            throw SafetensorsError(.badHeader, "header", "not valid JSON")
        }
        let dataSize = bytes.count - headerEnd
        var tensors: [String: SafetensorsTensor] = [:]
        var metadata: [String: String] = [:]
        for (name, entry) in header {
            switch entry {
            case .metadata(let m):
                guard name == "__metadata__" else { throw SafetensorsError(.badHeader, name, "not a tensor (no dtype)") }
                metadata = m
            case .tensor(let dtype, let shape, let offsets):
                guard name != "__metadata__" else { throw SafetensorsError(.badHeader, name, "must be a map of strings") }
                tensors[name] = try Self.tensor(name, dtype, shape, offsets, headerEnd: headerEnd, dataSize: dataSize)
            }
        }
        self.tensors = tensors
        self.metadata = metadata
    }

    /// One value of the header: a tensor, or the `__metadata__` map of strings.
    private enum HeaderEntry: Decodable {
        case tensor(dtype: String, shape: [Int], offsets: [Int])
        case metadata([String: String])

        enum Keys: String, CodingKey { case dtype, shape, data_offsets }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            guard c.contains(.dtype) else {
                self = .metadata(try decoder.singleValueContainer().decode([String: String].self))
                return
            }
            let name = decoder.codingPath.last?.stringValue ?? ""
            guard let dtype = try? c.decode(String.self, forKey: .dtype) else {
                throw SafetensorsError(.badHeader, name, "dtype is not a string")
            }
            guard let shape = try? c.decode([Int].self, forKey: .shape) else {
                throw SafetensorsError(.badShape, name, "shape is missing or not an array of integers")
            }
            guard let offsets = try? c.decode([Int].self, forKey: .data_offsets), offsets.count == 2 else {
                throw SafetensorsError(.outOfBounds, name, "data_offsets is missing or not two integers that fit in 64 bits")
            }
            self = .tensor(dtype: dtype, shape: shape, offsets: offsets)
        }
    }

    private static func tensor(_ name: String, _ d: String, _ shape: [Int], _ offsets: [Int], headerEnd: Int,
                               dataSize: Int) throws(SafetensorsError) -> SafetensorsTensor {
        guard let dtype = SafetensorsDType(rawValue: d) else {
            throw SafetensorsError(.badDType, name, "'\(d)' (known: \(SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        var elements = 1
        for dim in shape {
            guard dim >= 0 else { throw SafetensorsError(.badShape, name, "negative dimension in \(shape)") }
            let (p, overflow) = elements.multipliedReportingOverflow(by: dim)
            guard !overflow, p <= dataSize else {
                throw SafetensorsError(.badShape, name, "shape \(shape) has more elements than the data section has bytes")
            }
            elements = p
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin >= 0, begin <= end, end <= dataSize else {
            throw SafetensorsError(.outOfBounds, name, "data_offsets [\(begin), \(end)] but the data section has \(dataSize) bytes")
        }
        guard end - begin == elements * dtype.byteSize else {
            throw SafetensorsError(.sizeMismatch, name, "\(end - begin) bytes for shape \(shape) of \(dtype.rawValue) (\(elements * dtype.byteSize) expected)")
        }
        return SafetensorsTensor(name: name, dtype: dtype, shape: shape, offset: headerEnd + begin, byteCount: end - begin)
    }

    /// The tensor `name`, checked to have `shape`.
    public func tensor(_ name: String, shape: [Int]) throws(SafetensorsError) -> SafetensorsTensor {
        guard let t = tensors[name] else { throw SafetensorsError(.missingTensor, name) }
        guard t.shape == shape else { throw SafetensorsError(.wrongShape, name, "\(t.shape), expected \(shape)") }
        return t
    }

    /// A (rows, cols) float matrix read in place (F32, F16 or BF16), for `Kernels.matmul`.
    /// The pointer stays valid while this file is alive.
    public func matrix(_ name: String, rows: Int, cols: Int) throws(SafetensorsError) -> WeightMatrix {
        let t = try tensor(name, shape: [rows, cols])
        guard let type = t.dtype.quantType else {
            throw SafetensorsError(.unsupportedDType, name, "\(t.dtype.rawValue); weights must be F32, F16 or BF16")
        }
        return WeightMatrix(type: type, rows: rows, cols: cols, data: file.bytes.baseAddress! + t.offset)
    }

    /// A float tensor of `shape` converted to f32 (F32, F16 or BF16), row-major.
    public func floats(_ name: String, shape: [Int]) throws(SafetensorsError) -> [Float] {
        let t = try tensor(name, shape: shape)
        guard let type = t.dtype.quantType else {
            throw SafetensorsError(.unsupportedDType, name, "\(t.dtype.rawValue); weights must be F32, F16 or BF16")
        }
        let count = shape.reduce(1, *)
        let rows = shape.count <= 1 ? 1 : shape.dropLast().reduce(1, *)
        let cols = shape.last ?? 1
        guard count > 0 else { return [] }
        let m = WeightMatrix(type: type, rows: rows, cols: cols, data: file.bytes.baseAddress! + t.offset)
        return [Float](unsafeUninitializedCapacity: count) { buf, n in
            for r in 0..<rows { Kernels.dequantizeRow(m, row: r, into: buf.baseAddress! + r * cols) }
            n = count
        }
    }
}

