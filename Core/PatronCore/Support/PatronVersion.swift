import Foundation

/// Patron's release, as `--version` prints it.
public enum PatronVersion {
    /// The version of this build (semantic versioning; `-dev` until the first release).
    public static let current = "0.1.0-dev"
}
