import Logging
import Synchronization
import Torrent

/// Keeps the engine's network in step with the VPN interface: offline the moment the interface goes down,
/// loses its address or disappears, online (bound to it, resolving through the tunnel's DNS) when it is usable
/// again. The daemon can also hold the engine offline for reasons of its own (no config yet, bring-up failed,
/// a new config being applied).
///
/// Contract:
/// - The engine is online only while the latest interface state has a binding and nothing holds it; it
///   starts offline ("starting") until ``run(watch:)`` has seen the first state.
/// - Every change goes through one task, in order: `setNetwork` calls never overlap, and the resolver's binding
///   is updated before the engine is told (so the engine's first look-up after going online already works).
/// - An interface change is applied as soon as the netlink reader delivers it (milliseconds); the time from
///   the change reaching this type to the engine having switched is kept in ``status``.
public final class KillSwitch: Sendable {
    private enum Event: Sendable {
        case interface(InterfaceState, seenAt: Double)
        case hold(String)
        case release
    }

    private struct Shared {
        var interface: InterfaceState?
        var hold: String?
        var applied: NetworkBinding??  // nil: nothing applied yet; .some(nil): offline
        var status = KillSwitchStatus(online: false, reason: "starting")
    }

    private let engine: any NetworkSwitchable
    private let resolver: TunnelDNSResolver
    private let logger: Logger
    private let shared = Mutex(Shared())
    private let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation

    public init(engine: any NetworkSwitchable, resolver: TunnelDNSResolver, logger: Logger) {
        self.engine = engine
        self.resolver = resolver
        self.logger = logger
        (events, continuation) = AsyncStream.makeStream(of: Event.self)
    }

    /// The latest switch, for `/api/v1/vpn`.
    public var status: KillSwitchStatus { shared.withLock { $0.status } }

    /// Holds the engine offline with `reason` until ``release()``, whatever the interface does.
    public func hold(reason: String) { continuation.yield(.hold(reason)) }

    /// Lets the interface decide again.
    public func release() { continuation.yield(.release) }

    /// Applies the engine's starting state at once: offline with `reason`. Call before anything can send, and
    /// before ``run(watch:)``.
    public func start(offline reason: String) async {
        shared.withLock { $0.hold = reason }
        await apply(seenAt: Self.now())
    }

    /// Follows `watch` and the holds until the calling task is cancelled.
    public func run(watch: InterfaceWatch) async {
        let continuation = continuation
        let updates = watch.updates()
        let forwarder = Task {
            for await state in updates { continuation.yield(.interface(state, seenAt: Self.now())) }
        }
        defer { forwarder.cancel() }
        for await event in events {
            let seenAt: Double
            switch event {
            case .interface(let state, let at):
                shared.withLock { $0.interface = state }
                seenAt = at
            case .hold(let reason):
                shared.withLock { $0.hold = reason }
                seenAt = Self.now()
            case .release:
                shared.withLock { $0.hold = nil }
                seenAt = Self.now()
            }
            await apply(seenAt: seenAt)
        }
    }

    /// Works out what the engine should be and tells it, if that changed.
    private func apply(seenAt: Double) async {
        let (binding, reason, applied) = shared.withLock { shared -> (NetworkBinding?, String?, NetworkBinding??) in
            if let hold = shared.hold { return (nil, hold, shared.applied) }
            guard let interface = shared.interface else { return (nil, "starting", shared.applied) }
            return (interface.binding, interface.unusableReason, shared.applied)
        }
        resolver.update(binding: binding)
        let reasonChanged = shared.withLock { $0.status.reason != reason }
        let unchanged = switch applied {
        case .some(let previous): previous == binding && (binding != nil || !reasonChanged)
        case nil: false
        }
        guard !unchanged else { return }
        if let binding {
            await engine.setNetwork(.online(binding, resolver: resolver))
        } else {
            await engine.setNetwork(.offline(reason: reason ?? "offline"))
        }
        let done = Self.now()
        let milliseconds = ((done - seenAt) * 1e6).rounded() / 1e3
        shared.withLock { shared in
            shared.applied = .some(binding)
            shared.status = KillSwitchStatus(
                online: binding != nil, reason: binding == nil ? reason : nil, changedAt: done,
                lastSwitchMilliseconds: milliseconds, switches: shared.status.switches + 1
            )
        }
        if let binding {
            logger.notice("kill switch: engine online", metadata: ["interface": "\(binding.interfaceName ?? "")", "ms": "\(milliseconds)"])
        } else {
            logger.notice("kill switch: engine offline", metadata: ["reason": "\(reason ?? "")", "ms": "\(milliseconds)"])
        }
    }

    static func now() -> Double { Posix.monotonicSeconds() }
}
