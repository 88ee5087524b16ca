import ArgumentParser
import ContinuumGGUF
import ContinuumTokenizers

/// `continuum tokenize TEXT`: a model's token ids for a text, as a JSON array (llama.cpp's
/// llama-tokenize); for token-id prompts and for checking what a model sees.
struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a text's token ids under a model's tokenizer (JSON array).")

    @Option(name: [.short, .long], help: "GGUF model file (default: the default model).") var model: String?
    @Flag(help: "Parse control tokens written in the text (<|im_start|>).") var parseSpecial = false
    @Argument(help: "The text.") var text: String

    func run() throws {
        let tokenizer = try Tokenizer(gguf: try GGUFFile(path: try ModelLocation.resolve(model)))
        print("[" + tokenizer.encode(text, parseSpecial: parseSpecial).map(String.init).joined(separator: ", ") + "]")
    }
}
