/// What the device accepts beyond a valid signature: its board, and versions relative to the running one.
public struct BundlePolicy: Sendable, Equatable {
    /// This device's board (`pi4`, `pi-zero-2w`, `qemu-x86_64`); nil checks no board (the build host's `verify`).
    public var board: String?
    /// The running system's version; nil checks no version.
    public var runningVersion: BundleVersion?
    /// Accept a bundle older than the running version (still never older than the bundle's own minimum).
    public var allowDowngrade: Bool

    public init(board: String?, runningVersion: BundleVersion?, allowDowngrade: Bool = false) {
        self.board = board
        self.runningVersion = runningVersion
        self.allowDowngrade = allowDowngrade
    }

    /// Checks the signature and integrity only: for build hosts, never for the device.
    public static let integrityOnly = BundlePolicy(board: nil, runningVersion: nil)

    /// Refuses `manifest` if it is for another board, needs a newer running system, or is a downgrade.
    func check(_ manifest: BundleManifest) throws(BundleError) {
        if let board, !manifest.runs(on: board) {
            throw .wrongBoard(device: board, compatible: manifest.compatibleBoards)
        }
        guard let running = runningVersion else { return }
        guard running >= manifest.minimumVersion else {
            throw .runningVersionTooOld(running: running, minimum: manifest.minimumVersion)
        }
        if manifest.version < running, !allowDowngrade {
            throw .downgrade(bundle: manifest.version, running: running)
        }
    }
}
