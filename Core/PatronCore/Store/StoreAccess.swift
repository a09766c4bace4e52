import Foundation

/// How a command means to use the store it opens.
public enum StoreAccess: Sendable {
    /// Create the store if it does not exist yet (`init`, imports, ingest).
    case create
    /// An existing store that will be written to.
    case write
    /// An existing store that will only be read. A store that may not be written here is opened
    /// read-only, changing nothing on disk.
    case read
}
