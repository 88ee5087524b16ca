import ArgumentParser
import ContinuumEngine
import ContinuumGateway
import ContinuumRouting
import Foundation

extension Serve {
    /// The before-generation router of a cascade: the router file, the sentence-embedding
    /// model it was trained on (its name and dimension are checked), and the threshold from
    /// `escalate_share`, `cost_budget` or `threshold`.
    func makeRouter(name: String, _ spec: ServeConfig.CascadeSpec) throws -> Cascade.BeforeRouting {
        let key = "config: models.\(name).before"
        guard let path = spec.router else { throw ValidationError("\(key).router is required") }
        let router: QualityRouter
        do {
            router = try QualityRouter.decode(from: try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw ValidationError("\(key).router: cannot use \(path): \(error)")
        }
        let directory = spec.embeddingModel ?? ModelLocation.defaultEmbeddingDirectory
        let embedder: EmbeddingEngine
        do {
            embedder = try EmbeddingEngine(directory: URL(fileURLWithPath: directory))
        } catch {
            throw ValidationError("\(key).embedding_model: cannot load \(directory): \(error) (scripts/fetch-model.sh minilm fetches it)")
        }
        guard embedder.dimension == router.dimension, embedder.modelName == router.embeddingModel else {
            throw ValidationError("\(key): the router was trained on \(router.embeddingModel) (\(router.dimension) dimensions), not \(embedder.modelName) (\(embedder.dimension))")
        }
        let threshold: Double
        var how: String
        if let t = spec.threshold {
            threshold = t
            how = "threshold \(t)"
        } else {
            var share = spec.escalateShare ?? 0
            if let c = spec.costBudget {
                do {
                    share = try EscalationBudget.share(smallCost: c.first, largeCost: c.next, budgetPerRequest: c.budget)
                } catch {
                    throw ValidationError("\(key).cost_budget: \(error)")
                }
            }
            threshold = router.threshold(forEscalationShare: share)
            how = "escalates \(Int((share * 100).rounded()))%"
        }
        let label = "router \(((path as NSString).lastPathComponent as NSString).deletingPathExtension) (\(how))"
        return Cascade.BeforeRouting(label: label, threshold: threshold) { text in
            guard let vector = try embedder.embed([text]).first else { return 0 }
            return try router.score(vector)
        }
    }
}
