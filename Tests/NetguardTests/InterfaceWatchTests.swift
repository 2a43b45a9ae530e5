import Netguard
import Testing
import Torrent

/// The watch against the real kernel: the host's loopback (no root needed) and a veth pair in a namespace of
/// its own, taken down, stripped of its address, deleted and brought back — each change reported within 1 s.
@Suite struct InterfaceWatchTests {
    @Test func loopbackIsUsable() throws {
        let watch = try InterfaceWatch(interfaceName: "lo")
        defer { watch.stop() }
        let state = watch.state
        #expect(state.exists && state.isUp && state.isRunning)
        #expect(state.addresses.contains { $0.network.description == "127.0.0.1/8" })
        #expect(state.isUsable)
        #expect(state.binding?.interfaceName == "lo")
        #expect(state.binding?.sourceAddress == "127.0.0.1")
    }

    @Test func absentInterfaceFailsClosed() throws {
        let watch = try InterfaceWatch(interfaceName: "rill-absent0")
        #expect(watch.state.unusableReason == "rill-absent0 does not exist")
        #expect(watch.state.binding == nil)
    }

    @Test func stopFinishesStreams() async throws {
        let watch = try InterfaceWatch(interfaceName: "lo")
        let stream = watch.updates()
        watch.stop()
        watch.stop()
        var seen = 0
        for await state in stream {
            #expect(state.name == "lo")
            seen += 1
        }
        #expect(seen == 1)  // the state at subscription, then the end
        var late = 0
        for await _ in watch.updates() { late += 1 }
        #expect(late == 1)
    }

    @Test(.enabled(if: NetworkNamespace.unavailableReason == nil, "\(NetworkNamespace.unavailableReason ?? "")"))
    func vethInNamespaceLifecycle() async throws {
        let namespace = try NetworkNamespace("watch")
        defer { namespace.remove() }
        let socket = try namespace.run { try NetlinkRouteSocket() }
        let watch = try InterfaceWatch(interfaceName: "ngv0", socket: socket)
        defer { watch.stop() }
        #expect(watch.state.unusableReason == "ngv0 does not exist")
        let recorder = StateRecorder(watch)
        await recorder.ready()

        /// Runs `ip -n NS …` commands and returns how long until the watch reported a state matching `predicate`.
        func step(_ label: String, _ commands: [[String]], until predicate: (InterfaceState) -> Bool) async throws {
            let start = ContinuousClock.now
            for command in commands { try namespace.ip(command) }
            let latency = await recorder.latency(since: start, predicate)
            #expect(latency != nil && latency! < .seconds(1), "\(label): \(latency.map { "\($0)" } ?? "not reported") — \(watch.state)")
            print("InterfaceWatch: \(label) reported after \(latency.map { "\($0)" } ?? "never")")
        }
        let bringUp = [["link", "set", "ngv1", "up"], ["link", "set", "ngv0", "up"]]
        let addresses = [["addr", "add", "10.77.0.1/24", "dev", "ngv0"], ["addr", "add", "fd77::1/64", "dev", "ngv0", "nodad"]]

        try await step("created", [["link", "add", "ngv0", "type", "veth", "peer", "name", "ngv1"]]) {
            $0.exists && $0.unusableReason == "ngv0 is down"
        }
        try await step("up with addresses", addresses + bringUp) {
            $0.isUsable && $0.binding == NetworkBinding(interfaceName: "ngv0", sourceAddress: "10.77.0.1", allowsIPv6: true, ipv6SourceAddress: "fd77::1")
        }
        #expect(watch.state.operState == .up)
        try await step("down", [["link", "set", "ngv0", "down"]]) { $0.unusableReason == "ngv0 is down" }
        try await step("up again", [["link", "set", "ngv0", "up"], ["addr", "replace", "fd77::1/64", "dev", "ngv0", "nodad"]]) {
            $0.isUsable && $0.binding?.allowsIPv6 == true
        }
        try await step("peer down (no carrier)", [["link", "set", "ngv1", "down"]]) { $0.unusableReason == "ngv0 is not running" }
        try await step("peer up", [["link", "set", "ngv1", "up"]]) { $0.isUsable }
        try await step("IPv6 address removed", [["addr", "del", "fd77::1/64", "dev", "ngv0"]]) {
            $0.isUsable && $0.binding?.allowsIPv6 == false
        }
        try await step("address removed", [["addr", "del", "10.77.0.1/24", "dev", "ngv0"]]) { $0.unusableReason == "ngv0 has no address" }
        try await step("address back", [addresses[0]]) { $0.isUsable }
        try await step("deleted", [["link", "del", "ngv0"]]) { $0.unusableReason == "ngv0 does not exist" && $0.addresses.isEmpty }
        try await step("back", [["link", "add", "ngv0", "type", "veth", "peer", "name", "ngv1"]] + [addresses[0]] + bringUp) {
            $0.isUsable
        }
        watch.stop()
        #expect(recorder.states.allSatisfy { $0.name == "ngv0" })
    }
}
