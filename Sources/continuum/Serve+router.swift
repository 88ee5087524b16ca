import ArgumentParser
import ContinuumGateway

extension Serve {
    /// The before-generation router of a cascade.
    func makeRouter(name: String, _ spec: ServeConfig.CascadeSpec) throws -> Cascade.BeforeRouting {
        throw ValidationError("config: models.\(name).before: routers are not available in this build yet")
    }
}
