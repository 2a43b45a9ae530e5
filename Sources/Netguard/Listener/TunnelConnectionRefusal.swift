#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import NIOCore

/// The first handler of an accepted connection on a guarded listener (``TunnelListenerGuard``): when the
/// connection's local address is one of the tunnel's, it is reset (SO_LINGER 0, then close: RST) as it becomes
/// active, before a byte is read, and nothing after this handler ever sees it. Other connections pass untouched;
/// the handler then stays in the pipeline doing nothing.
public final class TunnelConnectionRefusal: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = NIOAny

    private let tunnelGuard: TunnelListenerGuard
    private var refused = false

    init(guard tunnelGuard: TunnelListenerGuard) {
        self.tunnelGuard = tunnelGuard
    }

    public func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        guard tunnelGuard.refuses(localAddress: channel.localAddress) else {
            context.fireChannelActive()
            return
        }
        refused = true
        tunnelGuard.noteRefused(channel.localAddress, remote: channel.remoteAddress)
        let reset = (channel as? any SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0))
            ?? channel.eventLoop.makeSucceededVoidFuture()
        reset.whenComplete { _ in channel.close(promise: nil) }
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        context.fireChannelRead(data)
    }
}
