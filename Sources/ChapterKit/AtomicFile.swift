import Foundation
import TorchlightNN

/// Writes a whole file or nothing: the bytes go to a temporary file in the same folder, which is
/// then renamed over the target (a rename within one file system is atomic), so a crash or a
/// full disk never leaves a half-written file behind.
public func writeAtomically(_ data: Data, to path: String) throws {
  let url = URL(fileURLWithPath: path)
  let folder = url.deletingLastPathComponent()
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
  do {
    try data.write(to: temporary)
    if rename(temporary.path, url.path) != 0 {
      throw ChapterError("cannot write \(path): \(String(cString: strerror(errno)))")
    }
    removeStaleTemporaries(of: url)
  } catch {
    try? FileManager.default.removeItem(at: temporary)
    throw error
  }
}

/// `writeAtomically` for text.
public func writeAtomically(_ text: String, to path: String) throws {
  try writeAtomically(Data(text.utf8), to: path)
}

