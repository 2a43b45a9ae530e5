/// Where the status LEDs are drawn: the board's LEDs through sysfs, GPIO lines, or the log.
public protocol StatusLightBackend: Sendable {
    /// `sysfs (ACT, PWR)`, `gpio (gpiochip0 17, 27)`, `log`: for the status page and the log.
    var name: String { get }
    /// Shows `scheme` (the pattern of `state`) until the next call.
    func show(_ scheme: LightScheme, for state: DeviceState) throws(LEDError)
    /// Gives the LEDs back as they were found (on a clean stop).
    func restore()
}

/// An LED that could not be set: which LED or file, and why.
public struct LEDError: Error, Sendable, Equatable, CustomStringConvertible {
    public let what: String
    public let reason: String

    public init(_ what: String, _ reason: String) {
        self.what = what
        self.reason = reason
    }

    public var description: String { "\(what): \(reason)" }
}
