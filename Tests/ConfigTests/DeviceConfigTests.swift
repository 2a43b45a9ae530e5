import Testing
import TestSupport

@testable import Config

@Suite("Configuration: [device]")
struct DeviceConfigTests {
    @Test("defaults: no watchdog, 15 s timeout, 5 starts in 10 minutes, LEDs and mDNS on auto, hostname rill")
    func defaults() throws {
        let device = try RillConfig.defaults.device
        #expect(device.hostname == "rill")
        #expect(device.mdns == "auto")
        #expect(device.watchdog == "")
        #expect(device.watchdogTimeoutSeconds == 15)
        #expect(device.crashLoopStarts == 5)
        #expect(device.crashLoopMinutes == 10)
        #expect(device.leds == "auto")
        #expect(device.ledSysfsDirectory == "/sys/class/leds")
        #expect(device.ledActInverted == false)
        #expect(device.ledGPIOChip == "")
        #expect(device.ledGPIOGreenLine == -1)
    }

    @Test("a file and the environment set them: empty paths, booleans, host labels; bad values are refused")
    func overrides() throws {
        let file = try TemporaryFile(contents: """
            [device]
            hostname = "media-pi"
            watchdog = "/dev/watchdog"
            watchdog_timeout_seconds = 10
            led_act_inverted = true
            led_gpio_chip = "gpiochip0"
            led_gpio_green_line = 17
            """)
        let config = try ConfigLoader.load(file: file.path, environment: [
            "RILL_DEVICE_LED_GPIO_ACTIVE_LOW": "1", "RILL_DEVICE_MDNS": "off", "RILL_DEVICE_LED_SYSFS_DIRECTORY": "/tmp/leds",
        ])
        #expect(config.device.hostname == "media-pi")
        #expect(config.device.watchdog == "/dev/watchdog")
        #expect(config.device.watchdogTimeoutSeconds == 10)
        #expect(config.device.ledActInverted)
        #expect(config.device.ledGPIOChip == "gpiochip0")
        #expect(config.device.ledGPIOGreenLine == 17)
        #expect(config.device.ledGPIOActiveLow)
        #expect(config.device.mdns == "off")
        #expect(try ConfigLoader.load(file: nil, environment: ["RILL_DEVICE_WATCHDOG": ""]).device.watchdog == "")
        for (name, value) in [
            ("RILL_DEVICE_HOSTNAME", "Rill"), ("RILL_DEVICE_HOSTNAME", "-rill"), ("RILL_DEVICE_HOSTNAME", "rill.local"),
            ("RILL_DEVICE_HOSTNAME", ""), ("RILL_DEVICE_HOSTNAME", String(repeating: "a", count: 51)),
            ("RILL_DEVICE_WATCHDOG_TIMEOUT_SECONDS", "16"), ("RILL_DEVICE_WATCHDOG_TIMEOUT_SECONDS", "1"),
            ("RILL_DEVICE_LED_ACT_INVERTED", "yes"), ("RILL_DEVICE_LEDS", "blinky"), ("RILL_DEVICE_CRASH_LOOP_STARTS", "1"),
            ("RILL_DEVICE_LED_GPIO_RED_LINE", "-2"),
        ] {
            #expect(throws: ConfigError.self, "\(name)=\(value)") { try ConfigLoader.load(file: nil, environment: [name: value]) }
        }
        let wrongType = try TemporaryFile(contents: "[device]\nled_act_inverted = \"true\"\n")
        #expect(throws: ConfigError.self) { try ConfigLoader.load(file: wrongType.path, environment: [:]) }
    }
}
