/// How `WireGuardConfig(parsing:options:)` reads a file: the name used in messages, what to do with hook scripts,
/// and the bounds on the input.
public struct WireGuardConfigOptions: Sendable {
    /// What to do with `PreUp`/`PostUp`/`PreDown`/`PostDown`. Rill never runs them either way.
    public enum HookScripts: Sendable {
        /// Accept the file, drop the commands and add a warning (provider files often carry firewall hooks).
        case ignoreWithWarning
        /// Refuse the file.
        case refuse
    }

    /// Bounds on the input; every one is checked before the text is looked at further.
    public struct Limits: Sendable {
        public var maxBytes = 64 * 1024
        public var maxLines = 4096
        public var maxLineBytes = 8 * 1024
        public var maxPeers = 64
        /// Per list key and section: Address, DNS, one peer's AllowedIPs.
        public var maxListValues = 512

        public init() {}
    }

    /// The name errors use, as in `wg0.conf:7: Endpoint: …`.
    public var fileName: String
    public var hookScripts: HookScripts
    public var limits: Limits

    public init(fileName: String = "wg0.conf", hookScripts: HookScripts = .ignoreWithWarning, limits: Limits = Limits()) {
        self.fileName = fileName
        self.hookScripts = hookScripts
        self.limits = limits
    }
}
