#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs blocking work (a raw socket read, a child process wait) on a thread of its own and awaits its result,
/// so a test never blocks one of the few threads of Swift's cooperative pool (two on this machine) that the
/// server under test needs for its own async work.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let job = Unmanaged.passRetained(OffPoolJob { continuation.resume(returning: body()) }).toOpaque()
        var thread = pthread_t()
        let started = pthread_create(&thread, nil, { argument in
            guard let argument else { return nil }
            let job = Unmanaged<OffPoolJob>.fromOpaque(argument).takeRetainedValue()
            job.run()
            return nil
        }, job)
        if started == 0 {
            pthread_detach(thread)
        } else {
            Unmanaged<OffPoolJob>.fromOpaque(job).takeRetainedValue().run()  // no thread to be had: run here
        }
    }
}

/// The work handed to the thread of ``offPool(_:)``.
private final class OffPoolJob: @unchecked Sendable {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}
