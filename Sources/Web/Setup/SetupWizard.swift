import Device
import Logging
import Netguard
import Store

/// The first-run setup: admin password → VPN (or an explicit skip) → storage → complete. Each step's result is
/// durable (users table, the VPN file, `meta` rows `setup.vpn`, `setup.storage`, `setup.media_uuid`, and
/// finally `setup.done`), so a wizard interrupted by a power cut resumes where it was.
///
/// Contract: steps may be repeated in any order until ``complete()``, which requires all three; afterwards every
/// step refuses (``SetupError/finished``) and the routes answer 404.
public actor SetupWizard {
    public let state: SetupState
    private let store: Store
    private let accounts: Accounts
    private let vpn: VPNManager?
    private let media: MediaDisk
    private let settings: SettingsService?
    private let dataDirectory: String
    private let logger: Logger

    public init(
        state: SetupState, store: Store, accounts: Accounts, vpn: VPNManager?, media: MediaDisk, settings: SettingsService?,
        dataDirectory: String, logger: Logger
    ) {
        self.state = state
        self.store = store
        self.accounts = accounts
        self.vpn = vpn
        self.media = media
        self.settings = settings
        self.dataDirectory = dataDirectory
        self.logger = logger
    }

    /// Where setup stands: `state` is `needed` or `done`; each step says `done`/`configured`/`skipped`/`data`/
    /// `device:NAME` or `needed`.
    public struct Status: Sendable, Equatable, Codable {
        public var state: String
        public var steps: Steps

        public struct Steps: Sendable, Equatable, Codable {
            public var admin: String
            public var vpn: String
            public var storage: String
        }

        public var missing: [String] {
            [("admin", steps.admin), ("vpn", steps.vpn), ("storage", steps.storage)].filter { $0.1 == "needed" }.map(\.0)
        }
    }

    public func status() async -> Status {
        let meta = (try? await store.read { database in
            (try MetaTable.value("setup.vpn", in: database), try MetaTable.value("setup.storage", in: database))
        }) ?? (nil, nil)
        let vpnConfigured = await vpn?.status().configured ?? false
        return Status(
            state: state.isDone ? "done" : "needed",
            steps: .init(
                admin: await accounts.hasAdmin ? "done" : "needed",
                vpn: vpnConfigured ? "configured" : (meta.0 == "skipped" ? "skipped" : "needed"),
                storage: meta.1 ?? "needed"
            )
        )
    }

    /// Step 1: makes the admin (or sets its password when it exists) and opens a session for it.
    public func setAdmin(username: String, password: String) async throws -> Accounts.NewSession {
        try ensureOpen()
        let user: Accounts.User
        if let existing = await accounts.user(named: username) {
            guard existing.role == .admin else { throw SetupError.invalid("\(username) exists and is not an admin") }
            try await accounts.setPassword(of: existing.id, to: password)
            user = existing
        } else {
            user = try await accounts.createUser(username, password: password, role: .admin)
        }
        return try await accounts.openSession(for: user.id)
    }

    /// Step 2 without a VPN: recorded as a choice; with `vpn.mode = "required"` downloads stay paused.
    public func skipVPN(_ skip: Bool) async throws {
        try ensureOpen()
        try await store.write { database in
            if skip {
                try MetaTable.set("setup.vpn", to: "skipped", in: database)
            } else {
                try database.prepare("DELETE FROM meta WHERE key = 'setup.vpn'").run()
            }
        }
    }

    /// The storage choices: the data folder and the disks that are not the system's.
    public struct StorageChoices: Sendable, Equatable, Codable {
        public var data: DataChoice
        public var devices: [BlockDevice]

        public struct DataChoice: Sendable, Equatable, Codable {
            public var path: String
            public var freeBytes: Int?
            public var totalBytes: Int?

            enum CodingKeys: String, CodingKey {
                case path, freeBytes = "free_bytes", totalBytes = "total_bytes"
            }
        }
    }

    public func storageChoices() -> StorageChoices {
        let disk = SystemFacts.disk(at: dataDirectory)
        return StorageChoices(
            data: .init(path: dataDirectory, freeBytes: disk?.freeBytes, totalBytes: disk?.totalBytes),
            devices: media.devices.list()
        )
    }

    /// Step 3, the data folder: downloads stay where they are.
    public func useDataDirectory() async throws {
        try ensureOpen()
        try await store.write { try MetaTable.set("setup.storage", to: "data", in: $0) }
    }

    /// Step 3, a disk: formatted first when `format` is set, which requires `confirm` to repeat its name; else it
    /// must already hold an ext4 filesystem. Mounted at `<data>/media`; downloads go to `<data>/media/downloads`
    /// after the next start.
    public func useDevice(_ name: String, format: Bool, confirm: String?) async throws -> String {
        try ensureOpen()
        if format, confirm != name {
            throw SetupError.invalid("formatting erases \(name): repeat its name in \"confirm\" to go ahead")
        }
        let uuid: String
        if format {
            logger.notice("formatting a disk for downloads", metadata: ["device": "\(name)"])
            uuid = try await media.format(name)
        } else {
            guard let existing = try media.existingUUID(name) else {
                throw SetupError.invalid("\(name) holds no ext4 filesystem: format it (this erases it)")
            }
            uuid = existing
        }
        let mountPoint = try await media.mount(uuid: uuid)
        if let settings { _ = try await settings.update(["engine.download_directory": mountPoint + "/downloads"]) }
        try await store.write { database in
            try MetaTable.set("setup.storage", to: "device:\(name)", in: database)
            try MetaTable.set("setup.media_uuid", to: uuid, in: database)
        }
        return uuid
    }

    /// Finishes setup once every step is done; the wizard's routes are gone afterwards.
    public func complete() async throws -> Status {
        try ensureOpen()
        let current = await status()
        guard current.missing.isEmpty else {
            throw SetupError.incomplete(current.missing)
        }
        try await store.write { try MetaTable.set(SetupState.metaKey, to: "1", in: $0) }
        state.markDone()
        logger.notice("setup complete")
        return await status()
    }

    private func ensureOpen() throws(SetupError) {
        if state.isDone { throw .finished }
    }
}

/// Why a setup step was refused.
public enum SetupError: Error, Sendable, Equatable, CustomStringConvertible {
    case finished
    case incomplete([String])
    case invalid(String)

    public var description: String {
        switch self {
        case .finished: "setup is already complete"
        case .incomplete(let steps): "these steps are not done yet: \(steps.joined(separator: ", "))"
        case .invalid(let why): why
        }
    }
}
