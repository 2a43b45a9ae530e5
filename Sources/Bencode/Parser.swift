/// The decoding machine behind ``BencodeDecoder``: one iterative pass over a raw buffer.
///
/// It keeps an explicit stack of open containers instead of recursing, so nesting costs heap memory
/// bounded by ``BencodeLimits/maxDepth`` and never native stack. All arithmetic on input-controlled
/// numbers reports overflow instead of trapping, and every read is bounds-checked.
struct Parser: ~Copyable {
    /// The bytes the parser may read: the input clipped to ``BencodeLimits/maxInputSize``.
    private let input: UnsafeBufferPointer<UInt8>
    /// The real input length; larger than `input.count` when the input was clipped.
    private let fullCount: Int
    private let limits: BencodeLimits
    private let requireSortedKeys: Bool
    private let recordsRanges: Bool

    /// The next byte to read.
    private(set) var position = 0
    /// Ranges of the top-level dictionary's values, filled only when `recordsRanges`.
    private(set) var valueRanges: [[UInt8]: Range<Int>] = [:]
    private var itemCount = 0
    private var stack: [OpenContainer] = []

    init(input: UnsafeRawBufferPointer, limits: BencodeLimits, requireSortedKeys: Bool, recordsRanges: Bool) {
        let bytes = input.assumingMemoryBound(to: UInt8.self)
        let allowed = max(0, limits.maxInputSize)
        self.input = bytes.count > allowed ? UnsafeBufferPointer(rebasing: bytes[0..<allowed]) : bytes
        self.fullCount = bytes.count
        self.limits = limits
        self.requireSortedKeys = requireSortedKeys
        self.recordsRanges = recordsRanges
    }

    /// Parses one complete value starting at ``position`` and leaves ``position`` just after it.
    mutating func parseValue() throws(BencodeError) -> BencodeValue {
        while true {
            var completed: BencodeValue?
            if let top = stack.indices.last {
                let byte = try peek()
                if byte == ASCII.end {
                    guard stack[top].pendingKey == nil else {
                        throw BencodeError(.invalidCharacter, at: position)
                    }
                    position += 1
                    completed = try stack.removeLast().close()
                } else if stack[top].kind == .dictionary && stack[top].pendingKey == nil {
                    try parseKey(into: top)
                    continue
                } else {
                    completed = try startValue()
                }
            } else {
                completed = try startValue()
            }
            guard let value = completed else { continue }
            guard let top = stack.indices.last else { return value }
            append(value, to: top)
        }
    }

    // MARK: Containers

    /// Adds a finished value to the innermost open container.
    private mutating func append(_ value: BencodeValue, to top: Int) {
        switch stack[top].kind {
        case .list:
            stack[top].elements.append(value)
        case .dictionary:
            guard let key = stack[top].pendingKey else { return }
            if recordsRanges && top == 0 {
                valueRanges[key] = stack[top].pendingValueStart..<position
            }
            stack[top].entries.append(BencodeDictionary.Entry(key: key, value: value))
            stack[top].pendingKey = nil
        }
    }

    /// Reads a dictionary key and checks it against the key before it.
    private mutating func parseKey(into top: Int) throws(BencodeError) {
        let start = position
        guard ASCII.isDigit(try peek()) else { throw BencodeError(.invalidCharacter, at: start) }
        try countItem(at: start)
        let range = try parseStringRange()
        let key = Array(input[range])
        if stack[top].keysInOrder, let previous = stack[top].entries.last?.key {
            let order = ByteOrder.compare(previous, key)
            if order == 0 { throw BencodeError(.duplicateKey, at: start) }
            if order > 0 {
                if requireSortedKeys { throw BencodeError(.unsortedKeys, at: start) }
                stack[top].keysInOrder = false
            }
        }
        stack[top].keyOffsets.append(start)
        stack[top].pendingKey = key
        stack[top].pendingValueStart = position
    }

    /// Reads a scalar, or opens a container and returns `nil`.
    private mutating func startValue() throws(BencodeError) -> BencodeValue? {
        let start = position
        let byte = try peek()
        switch byte {
        case ASCII.integerStart:
            try countItem(at: start)
            return .integer(try parseInteger())
        case ASCII.zero...ASCII.nine:
            try countItem(at: start)
            return .bytes(Array(input[try parseStringRange()]))
        case ASCII.listStart, ASCII.dictionaryStart:
            try countItem(at: start)
            guard stack.count < limits.maxDepth else { throw BencodeError(.depthExceeded, at: start) }
            position += 1
            stack.append(OpenContainer(kind: byte == ASCII.listStart ? .list : .dictionary))
            return nil
        default:
            throw BencodeError(.invalidCharacter, at: start)
        }
    }

    private mutating func countItem(at offset: Int) throws(BencodeError) {
        guard itemCount < limits.maxItems else { throw BencodeError(.tooManyItems, at: offset) }
        itemCount += 1
    }

    // MARK: Scalars

    /// Reads `i<integer>e` starting at the `i`.
    private mutating func parseInteger() throws(BencodeError) -> Int64 {
        position += 1
        var byte = try peek()
        let negative = byte == ASCII.minus
        let signOffset = position
        if negative {
            position += 1
            byte = try peek()
        }
        guard ASCII.isDigit(byte) else { throw BencodeError(.invalidCharacter, at: position) }
        if byte == ASCII.zero {
            position += 1
            let next = try peek()
            if ASCII.isDigit(next) { throw BencodeError(.leadingZero, at: position - 1) }
            guard next == ASCII.end else { throw BencodeError(.invalidCharacter, at: position) }
            if negative { throw BencodeError(.negativeZero, at: signOffset) }
            position += 1
            return 0
        }
        var value: Int64 = 0
        while ASCII.isDigit(byte) {
            let digit = Int64(byte &- ASCII.zero)
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowB) =
                negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            if overflowA || overflowB { throw BencodeError(.integerOverflow, at: position) }
            value = next
            position += 1
            byte = try peek()
        }
        guard byte == ASCII.end else { throw BencodeError(.invalidCharacter, at: position) }
        position += 1
        return value
    }

    /// Reads `<length>:<bytes>` starting at the first digit; returns the range of the bytes.
    private mutating func parseStringRange() throws(BencodeError) -> Range<Int> {
        let start = position
        var byte = try peek()
        var length = 0
        if byte == ASCII.zero {
            position += 1
            byte = try peek()
            if ASCII.isDigit(byte) { throw BencodeError(.leadingZero, at: start) }
        } else {
            while ASCII.isDigit(byte) {
                let (shifted, overflowA) = length.multipliedReportingOverflow(by: 10)
                let (next, overflowB) = shifted.addingReportingOverflow(Int(byte &- ASCII.zero))
                if overflowA || overflowB || next > limits.maxStringLength {
                    throw BencodeError(.stringTooLong, at: start)
                }
                length = next
                position += 1
                byte = try peek()
            }
        }
        guard byte == ASCII.colon else { throw BencodeError(.invalidCharacter, at: position) }
        position += 1
        let (end, overflow) = position.addingReportingOverflow(length)
        guard !overflow, end <= input.count else { throw endOfInput() }
        defer { position = end }
        return position..<end
    }

    // MARK: Reading

    @inline(__always)
    private func peek() throws(BencodeError) -> UInt8 {
        guard position < input.count else { throw endOfInput() }
        return input[position]
    }

    /// The error for running out of readable bytes: the real end, or the size limit.
    private func endOfInput() -> BencodeError {
        fullCount > input.count
            ? BencodeError(.inputTooLarge, at: input.count)
            : BencodeError(.unexpectedEnd, at: input.count)
    }
}
