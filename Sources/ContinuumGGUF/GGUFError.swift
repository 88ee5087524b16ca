/// A GGUF file could not be read. Every error names what was being read (a key, a tensor
/// or a header field) and the byte offset where reading failed, so a corrupt or truncated
/// file can be diagnosed without a hex editor.
public struct GGUFError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        case cannotOpen = "cannot open file"
        case truncated = "file is truncated"
        case badMagic = "not a GGUF file (bad magic)"
        case unsupportedVersion = "unsupported GGUF version"
        case absurdCount = "count or length is larger than the file"
        case badValueType = "unknown metadata value type"
        case badValue = "invalid metadata value"
        case nestingTooDeep = "metadata arrays are nested too deeply"
        case badString = "string is not valid UTF-8"
        case duplicateKey = "duplicate metadata key"
        case duplicateTensor = "duplicate tensor name"
        case badTensorType = "unknown tensor type"
        case badShape = "invalid tensor shape"
        case misaligned = "tensor data is misaligned"
        case outOfBounds = "tensor data lies past the end of the file"
        case overlap = "tensor data overlaps another tensor"
        case badAlignment = "invalid general.alignment"
        case missingKey = "required metadata key is missing"
        case wrongType = "metadata value has the wrong type"
        case missingTensor = "required tensor is missing"
    }

    public let code: Code
    /// The key, tensor name or header field being read.
    public let context: String
    /// Byte offset in the file where the problem was found.
    public let offset: Int
    public let detail: String

    public init(_ code: Code, _ context: String, offset: Int, _ detail: String = "") {
        self.code = code
        self.context = context
        self.offset = offset
        self.detail = detail
    }

    public var description: String {
        var s = "GGUF: \(code.rawValue) at '\(context)' (byte offset \(offset))"
        if !detail.isEmpty { s += ": \(detail)" }
        return s
    }
}
