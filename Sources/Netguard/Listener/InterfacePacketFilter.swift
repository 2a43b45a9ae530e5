#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import NIOCore

/// A classic BPF socket filter (`SO_ATTACH_FILTER`) that drops every packet which arrived on one interface.
///
/// On a TCP listening socket the kernel runs the filter on each incoming SYN before the handshake starts (and
/// accepted sockets inherit it), so a connection that comes in through that interface is never answered — not
/// even with a SYN-ACK — whatever address it is for. The program reads the arrival interface's index from the
/// kernel's ancillary data (`SKF_AD_IFINDEX`):
///
/// ```
/// ld  [SKF_AD_OFF + SKF_AD_IFINDEX]   ; A = index of the interface the packet came in on
/// jeq #index, drop, accept
/// drop:   ret #0                      ; keep no byte: dropped
/// accept: ret #0xFFFFFFFF             ; keep the whole packet
/// ```
///
/// Index 0 matches no interface (the program then accepts everything).
enum InterfacePacketFilter {
    /// `SO_ATTACH_FILTER` (asm-generic and x86: 26).
    static let attachOption: Int32 = 26
    /// `SKF_AD_OFF + SKF_AD_IFINDEX` (-0x1000 + 8) as the unsigned `k` of a load.
    static let arrivalInterfaceIndex: UInt32 = 0xFFFF_F008

    /// The four instructions, each as `struct sock_filter` { u16 code; u8 jt; u8 jf; u32 k } in host order.
    static func program(droppingInterface index: Int32) -> [UInt8] {
        var bytes: [UInt8] = []
        func instruction(_ code: UInt16, _ jt: UInt8, _ jf: UInt8, _ k: UInt32) {
            withUnsafeBytes(of: code) { bytes += $0 }
            bytes += [jt, jf]
            withUnsafeBytes(of: k) { bytes += $0 }
        }
        instruction(0x20, 0, 0, arrivalInterfaceIndex)  // BPF_LD | BPF_W | BPF_ABS
        instruction(0x15, 0, 1, UInt32(bitPattern: index))  // BPF_JMP | BPF_JEQ | BPF_K
        instruction(0x06, 0, 0, 0)  // BPF_RET | BPF_K: drop
        instruction(0x06, 0, 0, 0xFFFF_FFFF)  // BPF_RET | BPF_K: accept
        return bytes
    }

    /// Attaches the program for `index` to `channel`'s socket, replacing any filter it had.
    static func attach(droppingInterface index: Int32, to channel: any Channel) -> EventLoopFuture<Void> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(SystemCallError("SO_ATTACH_FILTER: not a socket", code: ENOTSOCK))
        }
        let code = program(droppingInterface: index)
        // The kernel copies the program during setsockopt; the buffer lives until the call has run on the loop.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: code.count, alignment: 8)
        buffer.copyBytes(from: code)
        // struct sock_fprog { unsigned short len; struct sock_filter *filter; }: 16 bytes on 64-bit Linux.
        var fprog: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &fprog) { raw in
            raw.storeBytes(of: UInt16(code.count / 8), toByteOffset: 0, as: UInt16.self)
            raw.storeBytes(of: UInt(bitPattern: buffer.baseAddress), toByteOffset: MemoryLayout<UInt>.size, as: UInt.self)
        }
        let address = UInt(bitPattern: buffer.baseAddress)
        return provider.unsafeSetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(attachOption), value: fprog
        ).always { _ in
            UnsafeMutableRawPointer(bitPattern: address)?.deallocate()
        }
    }
}
