import Testing
@testable import Web

@Suite("themes: WCAG AA contrast of every text/background pair, and the stylesheet uses the palettes")
struct ThemeTests {
    @Test("known contrast values", arguments: [("#000000", "#ffffff", 21.0), ("#ffffff", "#ffffff", 1.0), ("#767676", "#ffffff", 4.54)])
    func formula(_ a: String, _ b: String, _ expected: Double) {
        #expect(abs(Theme.contrast(a, b) - expected) < 0.01)
    }

    @Test("every pair of every theme reaches 4.5:1", arguments: Theme.all.map(\.name))
    func contrast(_ name: String) throws {
        let theme = try #require(Theme.all.first { $0.name == name })
        for (text, background) in Theme.pairs {
            let foreground = try #require(theme.color(text), "\(name) defines \(text)")
            let ground = try #require(theme.color(background), "\(name) defines \(background)")
            let ratio = Theme.contrast(foreground, ground)
            print("\(name): \(text) on \(background) = \(HTML.oneDecimal(ratio)):1")
            #expect(ratio >= 4.5, "\(name): \(text) \(foreground) on \(background) \(ground) is \(ratio):1")
        }
    }

    @Test("the stylesheet carries each palette, and the dark one only under prefers-color-scheme: dark")
    func stylesheet() {
        let css = Stylesheet.text
        for theme in Theme.all { #expect(css.contains(theme.cssVariables)) }
        #expect(css.contains("@media (prefers-color-scheme:dark){[data-theme=plain]{\(Theme.plainDark.cssVariables)"))
        #expect(css.contains("[data-theme=lcars]{\(Theme.lcars.cssVariables)"))
        #expect(!css.contains("url(http") && !css.contains("@import") && !css.contains("@font-face"), "nothing from outside, no web fonts")
    }
}
