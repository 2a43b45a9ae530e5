/// The two looks of the UI as data: the stylesheet's colour variables are generated from these palettes, and a
/// test computes the WCAG contrast of every text/background pair listed in ``pairs``, so the CSS cannot drift
/// below AA (4.5:1 for text) without the test failing.
public struct Theme: Sendable {
    /// `plain-light`, `plain-dark`, `lcars`.
    public let name: String
    /// CSS variable name (without `--`) → `#rrggbb`.
    public let colors: [(String, String)]

    public func color(_ name: String) -> String? { colors.first { $0.0 == name }?.1 }

    /// (text, background) variable pairs that appear together on a page.
    public static let pairs: [(String, String)] = [
        ("text", "bg"), ("muted", "bg"), ("link", "bg"), ("text", "surface"), ("muted", "surface"), ("link", "surface"),
        ("on-accent", "accent"), ("on-danger", "danger"), ("on-warn", "warn"), ("ok", "surface"), ("bad", "surface"),
        ("on-nav", "nav"), ("on-nav", "nav-2"), ("on-nav", "nav-3"), ("text", "input"),
    ]

    public static let plainLight = Theme(name: "plain-light", colors: [
        ("bg", "#f6f7f9"), ("surface", "#ffffff"), ("input", "#ffffff"), ("text", "#16181d"), ("muted", "#4f5663"),
        ("link", "#0b57d0"), ("accent", "#0b57d0"), ("on-accent", "#ffffff"), ("danger", "#b3261e"), ("on-danger", "#ffffff"),
        ("warn", "#8a5300"), ("on-warn", "#ffffff"), ("ok", "#146c2e"), ("bad", "#b3261e"), ("border", "#c4c8d0"),
        ("bar", "#dfe3ea"), ("fill", "#0b57d0"), ("nav", "#0b57d0"), ("nav-2", "#3d4a5c"), ("nav-3", "#5b3d8a"), ("on-nav", "#ffffff"),
    ])

    public static let plainDark = Theme(name: "plain-dark", colors: [
        ("bg", "#111318"), ("surface", "#1c1f26"), ("input", "#262a33"), ("text", "#e6e8ec"), ("muted", "#a9b0bc"),
        ("link", "#8ab4f8"), ("accent", "#8ab4f8"), ("on-accent", "#0b1220"), ("danger", "#f2b8b5"), ("on-danger", "#3b0a08"),
        ("warn", "#ffb95c"), ("on-warn", "#2a1800"), ("ok", "#6dd58c"), ("bad", "#f2b8b5"), ("border", "#3a404c"),
        ("bar", "#2f3540"), ("fill", "#8ab4f8"), ("nav", "#8ab4f8"), ("nav-2", "#c5cbd6"), ("nav-3", "#d0bcff"), ("on-nav", "#0b1220"),
    ])

    /// LCARS: black ground, the orange/peach/lavender/blue blocks of the design, black text on the blocks.
    public static let lcars = Theme(name: "lcars", colors: [
        ("bg", "#000000"), ("surface", "#000000"), ("input", "#1a1a2e"), ("text", "#ffcc99"), ("muted", "#cc99cc"),
        ("link", "#99ccff"), ("accent", "#ff9900"), ("on-accent", "#000000"), ("danger", "#ff5555"), ("on-danger", "#000000"),
        ("warn", "#ffcc66"), ("on-warn", "#000000"), ("ok", "#99ee99"), ("bad", "#ff7777"), ("border", "#9999ff"),
        ("bar", "#333355"), ("fill", "#ff9900"), ("nav", "#ff9966"), ("nav-2", "#cc99cc"), ("nav-3", "#9999ff"), ("on-nav", "#000000"),
    ])

    public static let all = [plainLight, plainDark, lcars]

    /// The CSS custom properties of this palette.
    var cssVariables: String {
        colors.map { "--\($0.0):\($0.1);" }.joined()
    }

    /// WCAG 2 contrast ratio of two `#rrggbb` colours (1…21).
    public static func contrast(_ a: String, _ b: String) -> Double {
        let (la, lb) = (luminance(a), luminance(b))
        return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
    }

    static func luminance(_ hex: String) -> Double {
        let digits = Array(hex.utf8.dropFirst())
        func channel(_ index: Int) -> Double {
            let text = String(decoding: digits[index..<index + 2], as: UTF8.self)
            let value = Double(Int(text, radix: 16) ?? 0) / 255
            return value <= 0.04045 ? value / 12.92 : pow((value + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
