/// The look-up of one name and one record type: each server in turn, for a bounded number of rounds, within an
/// overall time budget. A truncated UDP answer is asked again over TCP, of the same server. NXDOMAIN from any server is final; timeouts, server failures and unreachable servers move
/// on to the next; a missing interface or address ends it at once. Every packet goes out through `exchange`, so
/// through the bound interface.
struct DNSLookup: Sendable {
    let exchange: DNSExchange
    let servers: [DNSServer]
    let attemptTimeout: Duration
    let attempts: Int
    let budget: Duration
    let maxCNAMEChain: Int

    /// The addresses with the smallest TTL of the chain that led to them; an empty list when the name exists
    /// but has no records of this type.
    func addresses(of host: String, type: DNSRecordType) async throws(DNSFailure) -> (addresses: [IPAddress], ttl: UInt32) {
        guard !servers.isEmpty else { throw .noServers }
        let deadline = ContinuousClock.now + budget
        var lastFailure = DNSFailure.timedOut
        for _ in 0..<max(1, attempts) {
            for server in servers {
                let remaining = deadline - .now
                guard remaining > .zero else { throw lastFailure }
                guard let query = DNSQuery(id: UInt16.random(in: 0...UInt16.max), host: host, type: type) else {
                    throw .invalidName
                }
                var response: DNSResponse
                do throws(DNSFailure) {
                    response = try await exchange.ask(query, server: server, timeout: min(attemptTimeout, remaining))
                } catch {
                    if case .interfaceUnavailable = error { throw error }  // every server would fail the same way
                    lastFailure = error
                    continue
                }
                if response.truncated {
                    // The whole answer did not fit a datagram: ask the same server over TCP (a partial UDP answer
                    // is used only when TCP fails).
                    do throws(DNSFailure) {
                        let remaining = deadline - .now
                        guard remaining > .zero else { throw DNSFailure.timedOut }
                        response = try await exchange.askOverTCP(query, server: server, timeout: min(attemptTimeout, remaining))
                    } catch {
                        if case .interfaceUnavailable = error { throw error }
                        if response.rcode == 0, let partial = response.addresses(for: query.name, type: type, maxChain: maxCNAMEChain) {
                            return partial
                        }
                        lastFailure = .truncated
                        continue
                    }
                }
                switch response.rcode {
                case 0:
                    if let found = response.addresses(for: query.name, type: type, maxChain: maxCNAMEChain) {
                        return found
                    }
                    if response.truncated {
                        lastFailure = .truncated
                        continue
                    }
                    return ([], 0)
                case 3:
                    throw .nameNotFound
                case let rcode:
                    lastFailure = .serverFailure(rcode: rcode)
                }
            }
        }
        throw lastFailure
    }
}
