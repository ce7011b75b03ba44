import Foundation

/// Runs `python -c script arguments…` with the given interpreter and returns its exit status,
/// stdout and stderr: the one process runner of the Python interoperability tests.
func runPython(_ executable: URL, _ script: String, _ arguments: [String] = []) throws -> (status: Int32, out: String, err: String) {
  let process = Process()
  process.executableURL = executable
  process.arguments = ["-c", script] + arguments
  let out = Pipe(), err = Pipe()
  process.standardOutput = out
  process.standardError = err
  try process.run()
  let outData = out.fileHandleForReading.readDataToEndOfFile()
  let errData = err.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}
