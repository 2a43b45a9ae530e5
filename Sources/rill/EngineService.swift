import Device
import Logging
import ServiceLifecycle
import Torrent

/// Runs the BitTorrent engine: opens the peer listener, brings back the stored torrents, and at shutdown
/// stops every torrent (resume data written) before the store closes.
struct EngineService: Service {
    let engine: Engine
    let library: TorrentLibrary
    let states: SubsystemStates
    let logger: Logger

    func run() async throws {
        do {
            let port = try await engine.listen()
            states.set("engine", SubsystemState(.running, detail: "peers on port \(port)"))
            logger.info("engine listening", metadata: ["port": "\(port)"])
        } catch {
            states.set("engine", SubsystemState(.degraded, detail: "no peer listener: \(error)"))
            logger.error("engine cannot listen for peers", metadata: ["error": "\(error)"])
        }
        await library.restore()
        try? await gracefulShutdown()
        states.set("engine", SubsystemState(.stopping))
        await engine.shutdown()
        states.set("engine", SubsystemState(.stopped))
    }
}
