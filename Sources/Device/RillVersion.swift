/// The version of this build of Rill. `image/build` and release tooling read it from here; bump it with releases.
public enum RillVersion {
    public static let current = "0.1.0"
}
