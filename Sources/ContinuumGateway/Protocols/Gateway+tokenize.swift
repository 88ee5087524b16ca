import ContinuumLedger
import ContinuumOpenAI
import ContinuumTokenizers
import Foundation
import Hummingbird

extension Gateway {
    /// llama-server's `POST /tokenize` and `POST /detokenize`, with an optional `model` to
    /// pick whose tokenizer (needed only when more than one served model has one). Counting
    /// tokens needs the inference scope, like the endpoints whose budgets it helps plan.
    func addTokenizeRoutes(to router: Router<GatewayContext>) {
        router.post("/tokenize") { request, context in
            let bytes = try await collectBody(request)
            let body = try TokenizeRequest.decode(from: Data(bytes.readableBytesView))
            let tokenizer = try tokenizer(for: body.model, key: context)
            // A long text is real CPU work: never on an event loop.
            let ids = await Self.offEventLoop { Self.tokens(of: body, with: tokenizer) }
            let answer: TokenizeResponse
            if body.withPieces {
                answer = .pieces(ids.map { id in
                    let bytes = tokenizer.tokenBytes(id)
                    let piece: TokenizeResponse.Piece = String(validating: bytes, as: UTF8.self).map { .text($0) } ?? .bytes(bytes)
                    return TokenizeResponse.Token(id: id, piece: piece)
                })
            } else {
                answer = .ids(ids)
            }
            return Self.json(try OpenAIJSON.encode(answer))
        }
        router.post("/detokenize") { request, context in
            let bytes = try await collectBody(request)
            let body = try DetokenizeRequest.decode(from: Data(bytes.readableBytesView))
            let tokenizer = try tokenizer(for: body.model, key: context)
            if let i = body.tokens.firstIndex(where: { $0 < 0 || Int($0) >= tokenizer.vocabularySize }) {
                throw OpenAIError.invalidValue(param: "tokens[\(i)]",
                                               "\(body.tokens[i]) is not a token id of this model (its vocabulary has \(tokenizer.vocabularySize))")
            }
            // Control tokens are written out, as llama-server does.
            let text = tokenizer.decode(body.tokens, renderSpecial: true)
            return Self.json(try OpenAIJSON.encode(["content": text]))
        }
    }

    /// The tokenizer of `model`, or of the only served model that has one.
    private func tokenizer(for model: String?, key context: GatewayContext) throws -> Tokenizer {
        if let model {
            guard context.key?.allows(model: model) ?? true, let group = groups[model] ?? cascades[model].flatMap({ groups[$0.steps[0]] }) else {
                throw OpenAIError.modelNotFound(model)
            }
            guard let t = group.tokenizer else {
                throw OpenAIError.invalidValue(param: "model", "the gateway has no tokenizer for '\(model)' (its backends are remote; "
                                               + "give the model a `tokenizer:` GGUF in the config)")
            }
            return t
        }
        let withTokenizer = groups.filter { $0.value.tokenizer != nil && (context.key?.allows(model: $0.key) ?? true) }
        guard withTokenizer.count == 1, let only = withTokenizer.first?.value.tokenizer else {
            throw withTokenizer.isEmpty
                ? OpenAIError.invalidValue(param: "model", "no served model has a tokenizer in this gateway")
                : OpenAIError.missingParameter("model")
        }
        return only
    }

    /// llama-server's `tokenize_mixed`: texts tokenized, ids kept; with `add_special`, the
    /// model's own BOS (only if it adds one) before a first element that is text.
    static func tokens(of body: TokenizeRequest, with tokenizer: Tokenizer) -> [Int32] {
        var ids: [Int32] = []
        for (i, piece) in body.content.enumerated() {
            switch piece {
            case .text(let s): ids += tokenizer.encode(s, addBOS: body.addSpecial && i == 0 ? nil : false, parseSpecial: body.parseSpecial)
            case .token(let t): ids.append(t)
            }
        }
        return ids
    }
}
