import Device
import ServiceLifecycle
import Store

/// Keeps the store open while the daemon runs and closes it at shutdown. Listed first in the service group, it is
/// shut down last, after the HTTP server has finished its in-flight requests.
struct StoreService: Service {
    let store: Store
    let states: SubsystemStates

    func run() async throws {
        try? await gracefulShutdown()
        states.set("store", SubsystemState(.stopping))
        await store.close()
        states.set("store", SubsystemState(.stopped))
    }
}
