/// U-Boot's boot counting (Pi 3, Zero 2 W; `u-boot-qemu`), with the environment as its store.
///
/// The contract with the image's boot script (docs/OTA.md): U-Boot is built with `CONFIG_BOOTCOUNT_LIMIT` and
/// `CONFIG_BOOTCOUNT_ENV`, so while `upgrade_available=1` it increments and saves `bootcount` on every boot and, once
/// `bootcount > bootlimit`, runs `altbootcmd` instead of `bootcmd`. `bootcmd` boots `rill_trial` when
/// `upgrade_available=1`, else `rill_good`; `altbootcmd` sets `upgrade_available=0`, saves, and boots `rill_good`.
/// Each slot's kernel command line carries `rill.slot=a|b`.
///
/// Projection of the slot state: no trial → `rill_good=G`, no `rill_trial`, `upgrade_available=0`, `bootcount=0`;
/// a trial of T with N tries → `rill_trial=T upgrade_available=1 bootlimit=N bootcount=0`, written once when the trial
/// is new (later projections leave U-Boot's count alone). Reconcile at start-up: running T with the trial armed →
/// tries left = `bootlimit − bootcount`; running G with `rill_trial=T` but `upgrade_available=0` or
/// `bootcount > bootlimit` → U-Boot rolled back: the trial ends (`rolled-back`).
///
/// Only an environment that already exists is written (the image ships one): a new one holding only these variables
/// would hide U-Boot's built-in `bootcmd`.
public struct UBootBootloader: BootloaderAdapter {
    public let config: UBootEnvironmentConfig

    public init(config: UBootEnvironmentConfig) {
        self.config = config
    }

    public var kind: BootloaderKind { .uboot }

    public func tries(requested: Int) -> Int { requested }

    /// The environment after projecting `state` onto `current`.
    static func projected(_ state: SlotState, onto current: UBootEnvironment) -> UBootEnvironment {
        var environment = current
        environment["rill_good"] = state.lastGood.rawValue
        if let trial = state.trial {
            let armed = current["rill_trial"] == trial.slot.rawValue && current["upgrade_available"] == "1"
            if !armed {
                environment["rill_trial"] = trial.slot.rawValue
                environment["bootlimit"] = String(trial.triesLeft)
                environment["bootcount"] = "0"
                environment["upgrade_available"] = "1"
            }
        } else {
            environment["rill_trial"] = nil
            environment["upgrade_available"] = "0"
            environment["bootcount"] = "0"
        }
        return environment
    }

    public func project(_ state: SlotState) throws(BootloaderError) {
        guard let current = try UBootEnvironment.read(config) else {
            throw .malformed(path: config.copies[0].path, reason: "no valid U-Boot environment (the image must ship one)")
        }
        let next = Self.projected(state, onto: current)
        guard next.variables.map(\.name) != current.variables.map(\.name)
            || next.variables.map(\.value) != current.variables.map(\.value) else { return }
        try UBootEnvironment.write(next.variables, after: current, to: config)
    }

    public func reconcile(store: SlotStore, booted: Slot) throws(BootloaderError) -> [String] {
        var notes: [String] = []
        guard let environment = try UBootEnvironment.read(config) else {
            throw .malformed(path: config.copies[0].path, reason: "no valid U-Boot environment (the image must ship one)")
        }
        let state = store.load().state
        if let trial = state.trial, environment["rill_trial"] == trial.slot.rawValue {
            let count = Int(environment["bootcount"] ?? "") ?? 0
            let limit = Int(environment["bootlimit"] ?? "") ?? trial.triesLeft
            let armed = environment["upgrade_available"] == "1"
            do {
                if booted == trial.slot, armed {
                    let left = max(0, limit - count)
                    if left < trial.triesLeft {
                        try store.recordTriesLeft(left, of: trial.slot)
                        notes.append("U-Boot booted the trial slot \(trial.slot) (boot \(count) of \(limit)): \(left) tries left")
                    }
                } else if booted == state.lastGood, !armed || count > limit {
                    try store.recordTriesLeft(0, of: trial.slot)
                    let decision = store.bootSelection()
                    notes.append("U-Boot gave up on slot \(trial.slot) after \(count) boots: \(decision)")
                }
            } catch {
                throw .slotState(error)
            }
        }
        try project(store.load().state)
        return notes
    }

    public func prepareReboot(store: SlotStore) throws(BootloaderError) -> RebootPlan {
        let state = store.load().state
        try project(state)
        // U-Boot counts the try itself.
        return RebootPlan(slot: state.trial.map { $0.triesLeft > 0 ? $0.slot : state.lastGood } ?? state.lastGood, argument: nil)
    }

    public func view() -> [String: String] {
        guard let environment = try? UBootEnvironment.read(config) else { return ["error": "no valid U-Boot environment"] }
        var view: [String: String] = [:]
        for name in ["rill_good", "rill_trial", "upgrade_available", "bootcount", "bootlimit"] {
            if let value = environment[name] { view[name] = value }
        }
        view["copy"] = String(environment.copyIndex)
        return view
    }
}
