public import ContinuumGGUF

/// A model could not be loaded or run. The message names the architecture, key or tensor.
public struct ModelError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        case unsupportedArchitecture = "unsupported architecture"
        case unsupportedTensorType = "unsupported tensor type"
        case badConfiguration = "invalid model configuration"
        case badTensorShape = "tensor has the wrong shape"
        case missingTensor = "required tensor is missing"
        case file = "model file is invalid"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    init(_ error: GGUFError) {
        self.init(.file, error.description)
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
