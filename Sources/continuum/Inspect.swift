import ArgumentParser
import ContinuumGGUF
import Foundation

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a GGUF file's metadata and tensor table.")

    @Argument(help: "GGUF file (default: the default model).") var model: String?
    @Flag(help: "Print every tensor (default: the first 3 layers' and the global ones).") var all = false

    func run() throws {
        let path = try ModelLocation.resolve(model)
        let f = try GGUFFile(path: path)
        print("file: \(path)")
        print("GGUF v\(f.version), \(f.keys.count) metadata keys, \(f.tensors.count) tensors, alignment \(f.alignment), data at byte \(f.dataOffset)")
        print("\nmetadata:")
        let width = f.keys.map(\.count).max() ?? 0
        for k in f.keys {
            print("  \(k.padding(toLength: width, withPad: " ", startingAt: 0))  \(f.metadata[k]!)")
        }
        print("\ntensors:")
        print("  name                                   type      shape                 offset        bytes")
        var shown = 0, total = 0
        for t in f.tensors {
            total += t.byteCount
            if !all, let layer = layerIndex(t.name), layer >= 3 { continue }
            shown += 1
            let shape = "[" + t.dimensions.map(String.init).joined(separator: ", ") + "]"
            print("  " + t.name.padding(toLength: 38, withPad: " ", startingAt: 0) + " "
                  + t.type.description.padding(toLength: 9, withPad: " ", startingAt: 0) + " "
                  + shape.padding(toLength: 21, withPad: " ", startingAt: 0) + " "
                  + String(t.offset).padding(toLength: 13, withPad: " ", startingAt: 0) + " " + String(t.byteCount))
        }
        if shown < f.tensors.count { print("  ... \(f.tensors.count - shown) more (use --all)") }
        let params = f.tensors.reduce(0) { $0 + $1.elementCount }
        print(String(format: "\n%.1fM parameters, %.1f MiB of tensor data", Double(params) / 1e6, Double(total) / 1048576))
    }

    private func layerIndex(_ name: String) -> Int? {
        guard name.hasPrefix("blk.") else { return nil }
        return Int(name.dropFirst(4).prefix { $0.isNumber })
    }
}
