import Hummingbird
import HTTPTypes
import NIOCore
import Synchronization
import Transcode

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A file the sidecar wrote (segment, init segment, thumbnail) as a response, read in 64 KiB chunks so a large
/// segment never sits in memory whole. The file is opened before the response starts, so a session ending (and
/// deleting it) meanwhile does not cut the body short.
enum SegmentFileResponse {
    static let chunkBytes = 64 << 10

    static func make(_ file: SegmentFile, type: String, cacheControl: String = "no-store") throws -> Response {
        let descriptor = open(file.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw APIError.notFound("the file is gone (the session may have ended)") }
        let holder = Descriptor(descriptor)
        let headers: HTTPFields = [.contentType: type, .cacheControl: cacheControl, .contentLength: String(file.size)]
        return Response(status: .ok, headers: headers, body: ResponseBody(contentLength: file.size) { writer in
            defer { holder.close() }
            var left = file.size
            var buffer = ByteBufferAllocator().buffer(capacity: min(chunkBytes, max(left, 1)))
            while left > 0 {
                buffer.clear()
                let wanted = min(chunkBytes, left)
                let count = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: wanted) { pointer in
                    max(0, read(holder.value, pointer.baseAddress, wanted))
                }
                guard count > 0 else { throw APIError.internalError }
                left -= count
                try await writer.write(buffer)
            }
            try await writer.finish(nil)
        })
    }

    /// Closes the descriptor once, whether the body was written or the response dropped.
    final class Descriptor: Sendable {
        let value: Int32
        private let closed = Atomic<Bool>(false)
        init(_ value: Int32) { self.value = value }
        func close() {
            guard !closed.exchange(true, ordering: .relaxed) else { return }
            closeDescriptor(value)
        }
        deinit { close() }
    }
}

private func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}
