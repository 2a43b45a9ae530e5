@testable import Device
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The U-Boot environment writer and reader against the real `fw_printenv` / `fw_setenv` (Debian's
/// libubootenv-tool), both ways, with a redundant environment in one file (two copies at 0 and 16 KiB) as a
/// `CONFIG_ENV_OFFSET_REDUND` layout has it, and with a copy torn mid-write.
@Suite(.serialized) struct UBootEnvironmentTests {
    static let size = 0x4000

    /// A folder with `env.bin` (two zeroed copies) and `fw_env.config` pointing at them.
    struct Lab {
        let directory: TemporaryDirectory
        let config: UBootEnvironmentConfig
        var configPath: String { directory.path + "/fw_env.config" }
        var envPath: String { directory.path + "/env.bin" }

        init(redundant: Bool = true) throws {
            directory = try TemporaryDirectory()
            try directory.write("env.bin", [UInt8](repeating: 0, count: 2 * UBootEnvironmentTests.size))
            var text = "# device offset size\n\(directory.path)/env.bin 0x0000 0x4000\n"
            if redundant { text += "\(directory.path)/env.bin 0x4000 0x4000   # the second copy\n" }
            try directory.write("fw_env.config", Array(text.utf8))
            config = try UBootEnvironmentConfig(contentsOf: directory.path + "/fw_env.config")
        }

        func printenv() throws -> [String: String] {
            let output = try SystemCommand.check(["fw_printenv", "-c", configPath])
            var variables: [String: String] = [:]
            for line in output.split(separator: "\n") {
                guard let equals = line.firstIndex(of: "=") else { continue }
                variables[String(line[..<equals])] = String(line[line.index(after: equals)...])
            }
            return variables
        }

        /// Sets `name` with the real fw_setenv; an empty value deletes it.
        func setenv(_ name: String, _ value: String) throws {
            try SystemCommand.check(["fw_setenv", "-c", configPath, name] + (value.isEmpty ? [] : [value]))
        }

        func read() throws -> [String: String] {
            let environment = try #require(try UBootEnvironment.read(config))
            return Dictionary(uniqueKeysWithValues: environment.variables.map { ($0.name, $0.value) })
        }
    }

    static let initial: [(name: String, value: String)] = [
        ("altbootcmd", "setenv upgrade_available 0; saveenv; run boot_good"),
        ("bootcmd", "if test ${upgrade_available} = 1; then run boot_trial; else run boot_good; fi"),
        ("bootdelay", "0"),
    ]

    @Test func fwPrintenvReadsWhatRillWrites() throws {
        let lab = try Lab()
        #expect(try UBootEnvironment.read(lab.config) == nil, "zeroed copies are no environment")
        try UBootEnvironment.write(Self.initial, after: nil, to: lab.config)
        #expect(try lab.printenv() == Dictionary(uniqueKeysWithValues: Self.initial.map { ($0.name, $0.value) }))

        // Each later write goes to the other copy with the next flag, and fw_printenv follows it.
        for round in 1...5 {
            let current = try #require(try UBootEnvironment.read(lab.config))
            var next = current
            next["bootcount"] = String(round)
            try UBootEnvironment.write(next.variables, after: current, to: lab.config)
            let written = try #require(try UBootEnvironment.read(lab.config))
            #expect(written.copyIndex == 1 - current.copyIndex)
            #expect(written.flag == current.flag &+ 1)
            #expect(try lab.printenv()["bootcount"] == String(round))
        }
    }

    @Test func rillReadsWhatFwSetenvWrites() throws {
        let lab = try Lab()
        try UBootEnvironment.write(Self.initial, after: nil, to: lab.config)
        for round in 1...4 {
            try lab.setenv("bootcount", String(round))
            #expect(try lab.read()["bootcount"] == String(round))
            #expect(try lab.read()["bootcmd"] == Self.initial[1].value)
        }
        // And back: rill writes after fw_setenv, fw_printenv reads it.
        let current = try #require(try UBootEnvironment.read(lab.config))
        var next = current
        next["rill_good"] = "b"
        next["bootcount"] = nil
        try UBootEnvironment.write(next.variables, after: current, to: lab.config)
        let printed = try lab.printenv()
        #expect(printed["rill_good"] == "b")
        #expect(printed["bootcount"] == nil)
    }

    @Test func aCopyTornMidWriteLeavesThePreviousEnvironment() throws {
        let lab = try Lab()
        try UBootEnvironment.write(Self.initial, after: nil, to: lab.config)
        try lab.setenv("rill_good", "a")
        let current = try #require(try UBootEnvironment.read(lab.config))
        // The next write goes to the other copy; the power fails part way into it.
        var next = current
        next["rill_good"] = "b"
        let bytes = try #require(UBootEnvironment.encode(next.variables, size: Self.size, redundant: true, flag: current.flag &+ 1))
        let target = lab.config.copies[1 - current.copyIndex]
        var image = try lab.directory.read(lab.envPath)
        let torn = 5 + 40  // header and the first 40 bytes of the variables
        image.replaceSubrange(target.offset..<target.offset + torn, with: bytes[..<torn])
        try lab.directory.write("env.bin", image)

        #expect(try lab.read()["rill_good"] == "a")
        #expect(try lab.printenv()["rill_good"] == "a")
        // The next complete write takes the torn copy's place.
        try UBootEnvironment.write(next.variables, after: current, to: lab.config)
        #expect(try lab.printenv()["rill_good"] == "b")
    }

    @Test func flagWrapsFrom255ToZero() throws {
        let first = UBootEnvironment(variables: [("x", "1")], copyIndex: 0, flag: 255)
        let second = UBootEnvironment(variables: [("x", "2")], copyIndex: 1, flag: 0)
        #expect(UBootEnvironment.newer(first, second) == second)
        #expect(UBootEnvironment.newer(second, first) == second)
        let older = UBootEnvironment(variables: [("x", "3")], copyIndex: 1, flag: 7)
        #expect(UBootEnvironment.newer(first, older) == first)

        // Through the real tools: start a copy at flag 255; the next fw_setenv writes flag 0 and wins.
        let lab = try Lab()
        let bytes = try #require(UBootEnvironment.encode(Self.initial, size: Self.size, redundant: true, flag: 255))
        var image = [UInt8](repeating: 0, count: 2 * Self.size)
        image.replaceSubrange(0..<Self.size, with: bytes)
        try lab.directory.write("env.bin", image)
        try lab.setenv("bootcount", "9")
        let written = try #require(try UBootEnvironment.read(lab.config))
        #expect(written.flag == 0 && written.copyIndex == 1)
        #expect(written["bootcount"] == "9")
        #expect(try lab.printenv()["bootcount"] == "9")
    }

    @Test func singleCopyEnvironment() throws {
        let lab = try Lab(redundant: false)
        try UBootEnvironment.write(Self.initial, after: nil, to: lab.config)
        #expect(try lab.printenv()["bootdelay"] == "0")
        try lab.setenv("bootdelay", "3")
        #expect(try lab.read()["bootdelay"] == "3")
    }

    @Test func garbageIsNoEnvironment() throws {
        let lab = try Lab()
        var random = SplitMix64(seed: 11)
        for _ in 0..<20 {
            var image: [UInt8] = []
            for _ in 0..<(2 * Self.size / 8) { withUnsafeBytes(of: random.next()) { image += $0 } }
            try lab.directory.write("env.bin", image)
            #expect(try UBootEnvironment.read(lab.config) == nil)
        }
        // A valid CRC over data that is not a variable list is refused too.
        var data = [UInt8](repeating: 0x41, count: Self.size - 5)
        data[10] = 0
        let crc = CRC32.checksum(data)
        let copy = [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24), 1] + data
        #expect(UBootEnvironment.decode(copy, redundant: true, copyIndex: 0) == nil)
    }

    @Test func configFiles() throws {
        #expect(throws: BootloaderError.self) { try UBootEnvironmentConfig(parsing: "", path: "c") }
        #expect(throws: BootloaderError.self) { try UBootEnvironmentConfig(parsing: "/dev/x 0 zz\n", path: "c") }
        #expect(throws: BootloaderError.self) { try UBootEnvironmentConfig(parsing: "/dev/x 0 0x4000\n/dev/x 0x4000 0x2000\n", path: "c") }
        #expect(throws: BootloaderError.self) { try UBootEnvironmentConfig(parsing: "/dev/x 0 0x40000000\n", path: "c") }
        #expect(throws: BootloaderError.self) { try UBootEnvironmentConfig(parsing: "a 0 16\nb 0 16\nc 0 16\n", path: "c") }
        let config = try UBootEnvironmentConfig(parsing: "# comment\n\n/dev/mmcblk0 0x3fc000 0x2000 0x200\n/dev/mmcblk0\t0x3fe000\t8192\n", path: "c")
        #expect(config.copies == [
            .init(path: "/dev/mmcblk0", offset: 0x3FC000, size: 0x2000), .init(path: "/dev/mmcblk0", offset: 0x3FE000, size: 8192),
        ])
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }
}
