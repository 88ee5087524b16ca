import ArgumentParser
import Foundation

/// The census first names of scripts/fetch-names.sh, for the person-name detector.
enum FirstNames {
    static let defaultPath = NSHomeDirectory() + "/.cache/continuum/data/first-names.txt"

    /// Lower-cased names from `path` (an error if given and unreadable), or from the
    /// default path if it is there (else none).
    static func load(_ path: String?) throws -> Set<String> {
        guard let text = try? String(contentsOfFile: path ?? defaultPath, encoding: .utf8) else {
            if let path { throw ValidationError("cannot read the first-names file \(path)") }
            return []
        }
        return Set(text.split(whereSeparator: \.isNewline).map { $0.lowercased() })
    }
}
