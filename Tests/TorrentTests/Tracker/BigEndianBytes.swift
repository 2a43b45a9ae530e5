/// Big-endian bytes of an integer, as BEP 15 packets carry them.
func be32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }

/// Big-endian bytes of an integer, as BEP 15 packets carry them.
func be64(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }
