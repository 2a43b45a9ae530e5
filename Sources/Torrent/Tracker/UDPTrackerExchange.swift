import NIOCore

/// The BEP 15 conversation of one UDP announce on an open channel: connect (unless a cached connection id is
/// young enough), announce, retransmitting on silence. See ``UDPTracker`` for the rules.
struct UDPTrackerExchange {
    let channel: any Channel
    let request: AnnounceRequest
    let ipv6: Bool
    let deadline: ContinuousClock.Instant
    let configuration: UDPTracker.Configuration
    let cache: UDPConnectionIDCache
    let cacheKey: UDPConnectionIDCache.Key

    private let clock = ContinuousClock()

    init(
        channel: any Channel, request: AnnounceRequest, ipv6: Bool, deadline: ContinuousClock.Instant,
        configuration: UDPTracker.Configuration, cache: UDPConnectionIDCache, cacheKey: UDPConnectionIDCache.Key
    ) {
        self.channel = channel
        self.request = request
        self.ipv6 = ipv6
        self.deadline = deadline
        self.configuration = configuration
        self.cache = cache
        self.cacheKey = cacheKey
    }

    func run() async throws(TrackerError.Reason) -> AnnounceResponse {
        let started = clock.now
        /// Transmissions that went unanswered so far: BEP 15's n.
        var silences = 0
        var connection = cache.lookup(cacheKey, now: clock.now).map { (id: $0.id, obtained: $0.obtained, reused: true) }

        /// The wait for the next transmission, or `nil` when the attempts or the time are used up.
        func nextWait() -> Duration? {
            let remaining = deadline - clock.now
            guard silences < max(1, configuration.maxAttempts), remaining > .zero else { return nil }
            let exponent = min(silences, 8)
            return min(configuration.initialTimeout * (1 << exponent), remaining)
        }
        func timedOut() -> TrackerError.Reason {
            .timeout(seconds: (clock.now - started).seconds)
        }

        while true {
            let expired = connection.map { clock.now - $0.obtained >= configuration.connectionIDLifetime } ?? true
            if expired {
                guard let wait = nextWait() else { throw timedOut() }
                let transactionID = UInt32.random(in: .min ... .max)
                guard let reply = try await send(UDPTrackerPacket.connectRequest(transactionID: transactionID), transactionID, wait) else {
                    silences += 1
                    continue
                }
                switch try UDPTrackerPacket.parse(reply, expected: .connect, ipv6: ipv6) {
                case .connected(let id):
                    let now = clock.now
                    connection = (id, now, false)
                    cache.store(id, for: cacheKey, obtained: now)
                case .error(let message):
                    throw .failure(message)
                case .announced:
                    throw .malformedResponse(what: "announce answer to a connect request", offset: 0)
                }
            }
            guard let current = connection else { continue }
            guard let wait = nextWait() else { throw timedOut() }
            let transactionID = UInt32.random(in: .min ... .max)
            let packet = UDPTrackerPacket.announceRequest(request, connectionID: current.id, transactionID: transactionID)
            guard let reply = try await send(packet, transactionID, wait) else {
                silences += 1
                if current.reused {
                    cache.remove(cacheKey)
                    connection = nil
                }
                continue
            }
            switch try UDPTrackerPacket.parse(reply, expected: .announce, ipv6: ipv6) {
            case .announced(let response):
                return response
            case .error(let message):
                cache.remove(cacheKey)
                throw .failure(message)
            case .connected:
                throw .malformedResponse(what: "connect answer to an announce request", offset: 0)
            }
        }
    }

    /// One transmission; the matching answer, or `nil` after `wait` of silence.
    private func send(_ packet: [UInt8], _ transactionID: UInt32, _ wait: Duration) async throws(TrackerError.Reason) -> [UInt8]? {
        let channel = channel
        let timeout = TimeAmount.nanoseconds(Int64(min(wait.seconds, 1e9) * 1e9))
        let future = channel.eventLoop.flatSubmit {
            do {
                let handler = try channel.pipeline.syncOperations.handler(type: UDPTrackerExchangeHandler.self)
                return handler.exchange(packet, transactionID: transactionID, timeout: timeout, on: channel.eventLoop)
            } catch {
                return channel.eventLoop.makeFailedFuture(error)
            }
        }
        do {
            return try await future.get()
        } catch {
            throw Task.isCancelled ? .network("cancelled") : .network("UDP socket: \(error)")
        }
    }
}
