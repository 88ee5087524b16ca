public import ContinuumGGUF
public import ContinuumKernels

/// One architecture: how to read its configuration from GGUF metadata.
protocol Architecture {
    static var name: String { get }
    static func configuration(_ gguf: GGUFFile) throws(ModelError) -> DecoderConfiguration
}

/// Architectures by `general.architecture`. Adding one is one file and one line here.
public enum ModelRegistry {
    static let architectures: [any Architecture.Type] = [Llama.self, Qwen2.self, Gemma3.self]

    public static var supportedArchitectures: [String] { architectures.map { $0.name } }

    /// Reads the configuration and weights of the model in `gguf`, checking every tensor's
    /// shape and type, and builds its decoder.
    public static func load(_ gguf: GGUFFile, context: ComputeContext, maxBatch: Int = 512) throws(ModelError) -> TransformerDecoder {
        guard let arch = gguf.architecture else {
            throw ModelError(.unsupportedArchitecture, "general.architecture is missing")
        }
        guard let a = architectures.first(where: { $0.name == arch }) else {
            throw ModelError(.unsupportedArchitecture, "'\(arch)'; supported: \(supportedArchitectures.joined(separator: ", "))")
        }
        let config = try a.configuration(gguf)
        let weights = try DecoderWeights(gguf: gguf, config: config)
        return TransformerDecoder(configuration: config, weights: weights, maxBatch: maxBatch, context: context)
    }
}
