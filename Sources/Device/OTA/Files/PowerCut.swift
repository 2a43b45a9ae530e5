/// A place where tests cut the power: every OTA file step (create, each write, fsync, rename, directory fsync,
/// slot read-back) asks it whether to go on. Production code passes `.never`; the power-cut tests count steps and
/// stop at each one in turn, leaving the files exactly as a crash there would.
struct PowerCut: Sendable {
    private let proceed: @Sendable (_ step: String, _ path: String) -> Bool

    /// `proceed(step, path)` is asked after `step` on `path` completed; false means the power went out right there.
    init(_ proceed: @escaping @Sendable (_ step: String, _ path: String) -> Bool) {
        self.proceed = proceed
    }

    /// Never cuts.
    static let never = PowerCut { _, _ in true }

    /// The power may go out here, right after `step` on `path`: throws when it does.
    func point(_ step: String, path: String) throws(OTAFileError) {
        guard proceed(step, path) else { throw OTAFileError(path: path, operation: "power cut after \(step)", errno: 0) }
    }
}
