import ContinuumOpenAI
import ContinuumRouting
import Foundation
import NIOCore

/// Puts the personal data of a redacted request back into its answer: the upstream saw
/// placeholders (`privacy.mode: redact`), the client gets its own values. Whole answers
/// are restored in each choice's `message.content` / `text`; streams are re-framed event by
/// event, each choice's deltas through its own ``PlaceholderRestorer`` (which holds back at
/// most a placeholder's length when one may be split across chunks).
struct AnswerRestoration: Sendable {
    let redactor: PIIRedactor

    /// A whole JSON completion with its choices' text restored (unchanged if not JSON).
    func restoring(json data: Data) -> Data {
        guard var object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              var choices = object["choices"] as? [[String: Any]] else { return data }
        for i in choices.indices {
            if var message = choices[i]["message"] as? [String: Any], let c = message["content"] as? String {
                message["content"] = redactor.restore(c)
                choices[i]["message"] = message
            }
            if let t = choices[i]["text"] as? String { choices[i]["text"] = redactor.restore(t) }
        }
        object["choices"] = choices
        return (try? JSONSerialization.data(withJSONObject: object)) ?? data
    }

    /// The stream's events with restored deltas, re-encoded as SSE.
    struct Stream {
        let redactor: PIIRedactor
        private var restorers: [Int: PlaceholderRestorer] = [:]

        init(redactor: PIIRedactor) { self.redactor = redactor }

        /// The bytes to send for events of the upstream's stream.
        mutating func feed(_ events: [ServerSentEvent]) -> Data {
            var out = Data()
            for e in events {
                if e.isDone {
                    out += flushAll()
                    out += SSEEncoder.done
                } else {
                    out += frame(e)
                }
            }
            return out
        }

        private mutating func frame(_ e: ServerSentEvent) -> Data {
            guard var object = (try? JSONSerialization.jsonObject(with: Data(e.data.utf8))) as? [String: Any],
                  var choices = object["choices"] as? [[String: Any]] else { return SSEEncoder.encode(e) }
            for i in choices.indices {
                let index = choices[i]["index"] as? Int ?? i
                var restorer = restorers[index] ?? redactor.restorer()
                let finishing = !(choices[i]["finish_reason"] is NSNull) && choices[i]["finish_reason"] != nil
                if var delta = choices[i]["delta"] as? [String: Any] {
                    var text = (delta["content"] as? String).map { restorer.feed($0) }
                    if finishing { text = (text ?? "") + restorer.finish() }
                    if let text { delta["content"] = text }
                    choices[i]["delta"] = delta
                } else if let t = choices[i]["text"] as? String {
                    choices[i]["text"] = restorer.feed(t) + (finishing ? restorer.finish() : "")
                }
                restorers[index] = finishing ? nil : restorer
            }
            object["choices"] = choices
            guard let data = try? JSONSerialization.data(withJSONObject: object) else { return SSEEncoder.encode(e) }
            return SSEEncoder.encode(ServerSentEvent(event: e.event, data: String(decoding: data, as: UTF8.self)))
        }

        /// Text still held back when the stream ends without a finish reason.
        private mutating func flushAll() -> Data {
            var out = Data()
            for (index, var r) in restorers.sorted(by: { $0.key < $1.key }) {
                let rest = r.finish()
                guard !rest.isEmpty else { continue }
                let chunk: [String: Any] = ["object": "chat.completion.chunk",
                                            "choices": [["index": index, "delta": ["content": rest], "finish_reason": NSNull()]]]
                if let data = try? JSONSerialization.data(withJSONObject: chunk) {
                    out += SSEEncoder.encode(ServerSentEvent(data: String(decoding: data, as: UTF8.self)))
                }
            }
            restorers = [:]
            return out
        }
    }
}
