import ArgumentParser
import Device

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `rill bundle`: make and check signed OTA update bundles on the build host (format: docs/OTA.md).
struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Create, sign and verify signed OTA update bundles.",
        subcommands: [BundleKeygenCommand.self, BundleCreateCommand.self, BundleSignCommand.self, BundleVerifyCommand.self]
    )
}

/// `rill bundle keygen --out DIR`: a new Ed25519 signing key pair. Never overwrites a key; never prints the private one.
struct BundleKeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create a signing key pair: DIR/bundle-signing.key (private, mode 0600) and DIR/bundle-signing.pub."
    )

    @Option(name: .long, help: "The folder for the key files (created if missing).")
    var out: String

    func run() throws {
        if mkdir(out, 0o700) != 0, errno != EEXIST {
            printError("rill bundle keygen: cannot create \(out): \(String(cString: strerror(errno)))")
            throw ExitCode(2)
        }
        let key = BundleSigningKey.generate()
        do {
            try key.write(to: out + "/bundle-signing.key")
            try key.publicKey.write(to: out + "/bundle-signing.pub")
        } catch {
            printError("rill bundle keygen: \(error)")
            throw ExitCode(1)
        }
        print("wrote \(out)/bundle-signing.key (private: keep it off the device and out of logs)")
        print("wrote \(out)/bundle-signing.pub \(key.publicKey)")
    }
}

/// `rill bundle create`: a signed bundle from image files.
struct BundleCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a signed bundle from image files."
    )

    @Option(name: .long, help: "The board the images are built for (pi4, pi-zero-2w, qemu-x86_64, ...).")
    var board: String

    @Option(name: .long, help: "Another board the images run on; repeatable.")
    var compatible: [String] = []

    @Option(name: .long, help: "The version the bundle installs (MAJOR.MINOR.PATCH).")
    var version: String

    @Option(name: .long, help: "The oldest running version that may install it.")
    var minVersion: String

    @Option(name: .long, help: "An image as NAME=PATH (system.squashfs=out/system.squashfs); repeatable, in payload order.")
    var image: [String] = []

    @Option(name: .long, help: "The private key file (from `rill bundle keygen`).")
    var key: String?

    @Flag(name: .long, help: "Write the bundle unsigned, to be signed offline with `rill bundle sign`.")
    var unsigned = false

    @Option(name: .long, help: "Seconds since 1970 to record as the build time (default: SOURCE_DATE_EPOCH, else now).")
    var created: Int?

    @Option(name: .long, help: "The bundle file to write.")
    var out: String

    func run() throws {
        guard let bundleVersion = BundleVersion(version) else { throw usage("--version \(version): not MAJOR.MINOR.PATCH") }
        guard let minimum = BundleVersion(minVersion) else { throw usage("--min-version \(minVersion): not MAJOR.MINOR.PATCH") }
        guard !image.isEmpty else { throw usage("at least one --image NAME=PATH is needed") }
        var inputs: [BundleWriter.Input] = []
        for text in image {
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex, text.index(after: equals) != text.endIndex else {
                throw usage("--image \(text): not NAME=PATH")
            }
            inputs.append(BundleWriter.Input(name: String(text[..<equals]), path: String(text[text.index(after: equals)...])))
        }
        var signingKey: BundleSigningKey?
        switch (key, unsigned) {
        case (let path?, false):
            do {
                signingKey = try BundleSigningKey(contentsOfFile: path)
            } catch {
                throw usage("\(error)")
            }
        case (nil, true): signingKey = nil
        default: throw usage("give either --key FILE or --unsigned")
        }
        let writer = BundleWriter(
            version: bundleVersion, board: board, compatibleBoards: compatible, minimumVersion: minimum,
            created: created ?? Self.defaultCreated(), images: inputs
        )
        do {
            let manifest = try writer.write(to: out, signingKey: signingKey)
            let signer = signingKey.map { "signed by \($0.publicKey)" } ?? "unsigned (sign it with `rill bundle sign`)"
            print("wrote \(out): \(manifest.version) for \(manifest.compatibleBoards.joined(separator: ", ")), \(manifest.payloadSize) payload bytes, \(signer)")
        } catch {
            printError("rill bundle create: \(error)")
            throw ExitCode(1)
        }
    }

    /// `SOURCE_DATE_EPOCH` when set (reproducible builds), else the current time.
    static func defaultCreated() -> Int {
        if let text = processEnvironment()["SOURCE_DATE_EPOCH"], let seconds = Int(text), seconds >= 0 { return seconds }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int(now.tv_sec)
    }

    private func usage(_ message: String) -> ExitCode {
        printError("rill bundle create: \(message)")
        return ExitCode(2)
    }
}

/// `rill bundle sign --key KEY FILE`: checks an unsigned bundle (everything but the signature) and signs it in place,
/// on the machine that holds the key.
struct BundleSignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Check a bundle made with `create --unsigned` and write the signature into it."
    )

    @Option(name: .long, help: "The private key file (from `rill bundle keygen`).")
    var key: String

    @Argument(help: "The bundle file (signed in place).")
    var file: String

    func run() throws {
        let signingKey: BundleSigningKey
        do {
            signingKey = try BundleSigningKey(contentsOfFile: key)
        } catch {
            printError("rill bundle sign: \(error)")
            throw ExitCode(2)
        }
        do {
            let manifest = try BundleSigner.sign(file, with: signingKey)
            print("signed \(file): \(manifest.version) for \(manifest.compatibleBoards.joined(separator: ", ")) by \(signingKey.publicKey)")
        } catch {
            printError("rill bundle sign: \(file): \(error)")
            throw ExitCode(1)
        }
    }
}

/// `rill bundle verify`: checks a bundle the way the device will; exit 0 when it would be accepted, 1 with the
/// reason when it would be refused, 2 for usage errors.
struct BundleVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a bundle's signature, manifest and image hashes (and, optionally, board and versions)."
    )

    @Option(name: .long, help: "A trusted public key file; repeatable (key rotation).")
    var key: [String] = []

    @Option(name: .long, help: "Refuse the bundle unless it runs on this board.")
    var board: String?

    @Option(name: .long, help: "Check the bundle against this running version (downgrades, minimum version).")
    var runningVersion: String?

    @Flag(name: .long, help: "Accept a bundle older than --running-version.")
    var allowDowngrade = false

    @Argument(help: "The bundle file.")
    var file: String

    func run() throws {
        guard !key.isEmpty else { throw usage("at least one --key PUBLIC-KEY-FILE is needed") }
        var keys: [BundlePublicKey] = []
        for path in key {
            do {
                keys.append(try BundlePublicKey(contentsOfFile: path))
            } catch {
                throw usage("\(error)")
            }
        }
        var running: BundleVersion?
        if let runningVersion {
            guard let parsed = BundleVersion(runningVersion) else { throw usage("--running-version \(runningVersion): not MAJOR.MINOR.PATCH") }
            running = parsed
        }
        let policy = BundlePolicy(board: board, runningVersion: running, allowDowngrade: allowDowngrade)
        var verifier = BundleVerifier(trustedKeys: keys, policy: policy, sink: DiscardingSink())

        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw usage("\(file): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        do {
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count >= 0 else { throw usage("\(file): \(String(cString: strerror(errno)))") }
                if count == 0 { break }
                try verifier.consume(buffer[..<count])
            }
            let verified = try verifier.finish()
            let manifest = verified.manifest
            print("OK \(file): version \(manifest.version) for \(manifest.compatibleBoards.joined(separator: ", ")) (built for \(manifest.board)), updates from \(manifest.minimumVersion) or newer, created \(manifest.created)")
            for image in manifest.images {
                print("  \(image.name) \(image.size) bytes sha256 \(image.sha256Hex)")
            }
        } catch let error as BundleError {
            printError("rill bundle verify: \(file): refused: \(error)")
            throw ExitCode(1)
        }
    }

    private func usage(_ message: String) -> ExitCode {
        printError("rill bundle verify: \(message)")
        return ExitCode(2)
    }
}
