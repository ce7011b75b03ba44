import Testing
@testable import Torchlight
