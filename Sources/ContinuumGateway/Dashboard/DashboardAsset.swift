/// One file of the dashboard page, embedded in the binary (DashboardAssets.swift is
/// generated from `ui/` by scripts/embed-ui.py, so the binary needs no files beside it).
struct DashboardAsset: Sendable {
    let contentType: String
    /// A strong ETag: the quoted SHA-256 prefix of the file.
    let etag: String
    let text: String
}
