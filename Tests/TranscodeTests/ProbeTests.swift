import Testing
@testable import Transcode
