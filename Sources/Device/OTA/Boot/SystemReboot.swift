import CLinux

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Restarts the machine the way a `RebootPlan` says: flush the filesystems, then `reboot(2)` — with the plan's
/// argument (`0 tryboot`) through `LINUX_REBOOT_CMD_RESTART2`, else a plain restart. Call it only after the daemon's
/// services have stopped. Needs CAP_SYS_BOOT; returns only when the kernel refused (the reason).
public enum SystemReboot {
    public static func perform(_ plan: RebootPlan) -> String {
        sync()
        let result: Int32
        if let argument = plan.argument {
            result = argument.withCString { rill_reboot_with_argument($0) }
        } else {
            result = rill_reboot_restart()
        }
        let reason = result == 0 ? "reboot(2) returned" : String(cString: strerror(errno))
        return "reboot failed: \(reason)"
    }
}
