/// A value as it arrives from a TOML file or an environment variable, before the schema checks it.
typealias ConfigValue = TOMLValue

extension TOMLValue {
    /// How the value reads in an error message.
    var shown: String {
        switch self {
        case .string(let text): "\"\(text)\""
        case .integer(let number): String(number)
        case .boolean(let flag): String(flag)
        case .float(let number): String(number)
        case .array: "an array"
        }
    }
}
