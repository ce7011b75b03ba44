import Foundation

/// Printing. `description` looks like PyTorch's `repr` (values aligned, large tensors summarised
/// with `...`), with the dtype always shown; `layoutDescription` shows what is underneath.
extension Tensor: CustomStringConvertible {
  public var description: String {
    let values = toDoubles()
    let format = ValueFormat(values: values, dtype: dtype, summarised: count > 1000)
    let body = render(values: values, format: format, indent: 7)
    return "tensor(\(body), dtype=\(dtype))"
  }

  /// Shape, strides, offset and the storage underneath, with the storage slots this view reads
  /// in logical order. The tensors chapter uses it to show what a view really is.
  public var layoutDescription: String {
    var lines = [
      "shape \(shape)  strides \(strides)  offset \(offset)  dtype \(dtype)  contiguous \(isContiguous ? "yes" : "no")",
      "storage: \(storage.count) elements, \(storage.byteCount) bytes, version \(storage.version), id \(storageID)",
    ]
    if storage.count <= 48 {
      let all = Tensor(storage: storage, shape: [storage.count], strides: [1]).toDoubles()
      let format = ValueFormat(values: all, dtype: dtype, summarised: false)
      lines.append("storage values: [" + all.map { format.string($0) }.joined(separator: ", ") + "]")
    }
    if count <= 48 {
      var slots: [Int] = []
      StridedLoop(shape: shape, strides: [strides]).forEachRun { off, n, st in
        for i in 0..<n { slots.append(offset + off[0] + i * st[0]) }
      }
      lines.append("view reads slots: \(slots)")
    }
    return lines.joined(separator: "\n")
  }

  /// A short name for the storage object (`#` and its serial number), so two views can be seen
  /// to share it.
  public var storageID: String { "#\(storage.id)" }

  /// Nested brackets, one row per line for the last axis, wrapped at 80 columns.
  private func render(values: [Double], format: ValueFormat, indent: Int) -> String {
    if rank == 0 { return format.string(values[0]) }
    let edge = 3
    func visit(_ axis: Int, _ start: Int, _ ind: Int) -> String {
      let n = shape[axis]
      let inner = Layout.count(Array(shape[(axis + 1)...]))
      let skip = format.summarised && n > 2 * edge
      let picked = skip ? Array(0..<edge) + [-1] + Array((n - edge)..<n) : Array(0..<n)
      if axis == rank - 1 {
        let items = picked.map { $0 < 0 ? "..." : format.string(values[start + $0]) }
        let perLine = Swift.max(1, (80 - ind) / (format.width + 2))
        let lines = Swift.stride(from: 0, to: items.count, by: perLine).map {
          items[$0..<Swift.min($0 + perLine, items.count)].joined(separator: ", ")
        }
        return "[" + lines.joined(separator: ",\n" + String(repeating: " ", count: ind + 1)) + "]"
      }
      let separator = "," + String(repeating: "\n", count: rank - axis - 1) + String(repeating: " ", count: ind + 1)
      let parts = picked.map { $0 < 0 ? "..." : visit(axis + 1, start + $0 * inner, ind + 1) }
      return "[" + parts.joined(separator: separator) + "]"
    }
    return visit(0, 0, indent)
  }
}

/// How every element of one tensor is written: one shared style and width, as PyTorch does.
struct ValueFormat {
  enum Style { case integer, wholeFloat, fixed, scientific, boolean }
  let style: Style
  let width: Int
  let summarised: Bool

  init(values: [Double], dtype: DType, summarised: Bool) {
    self.summarised = summarised
    let finite = values.filter { $0.isFinite }
    let magnitudes = finite.map(Swift.abs).filter { $0 > 0 }
    switch dtype {
    case .bool: style = .boolean
    case .int64: style = .integer
    default:
      if finite.allSatisfy({ $0 == $0.rounded() }) && (magnitudes.max() ?? 0) < 1e8 {
        style = .wholeFloat
      } else if let hi = magnitudes.max(), let lo = magnitudes.min(), hi >= 1e8 || lo < 1e-4 || hi / lo > 1000 {
        style = .scientific
      } else {
        style = .fixed
      }
    }
    var w = 0
    let probe = ValueFormat(style: style, width: 0, summarised: summarised)
    for v in values { w = Swift.max(w, probe.plain(v).count) }
    width = w
  }

  private init(style: Style, width: Int, summarised: Bool) {
    self.style = style; self.width = width; self.summarised = summarised
  }

  func plain(_ v: Double) -> String {
    if v.isNaN { return "nan" }
    if v.isInfinite { return v > 0 ? "inf" : "-inf" }
    switch style {
    case .boolean: return v != 0 ? "True" : "False"
    case .integer: return String(Int64(v))
    case .wholeFloat: return String(format: "%.0f.", v)
    case .fixed: return String(format: "%.4f", v)
    case .scientific: return String(format: "%.4e", v)
    }
  }

  func string(_ v: Double) -> String {
    let s = plain(v)
    return String(repeating: " ", count: Swift.max(0, width - s.count)) + s
  }
}
