/// One of the two system slots. Each slot holds a complete system: its root filesystem and its boot files
/// (kernel, initramfs, device trees), so a kernel update is a slot update like any other.
public enum Slot: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case a, b

    /// The slot that is not this one.
    public var other: Slot { self == .a ? .b : .a }

    public var description: String { rawValue.uppercased() }
}
