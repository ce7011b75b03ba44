import Foundation
import Testing
@testable import TorchlightPlot

@Suite("Boxes over image grids") struct ImageGridBoxTests {
  /// Boxes land in their own cell, pixel edges at x − ½, clipped to the image; an empty or
  /// fully clipped box draws nothing; a label goes at the top-left corner in the box's colour.
  @Test func boxesAreShiftedIntoTheirCellAndClipped() {
    let image = [Double](repeating: 0.5, count: 16)
    let grid = ImageGrid(title: "boxes", images: [image, image], height: 4, width: 4, columns: 2,
                         boxes: [[GridBox(x1: 1, y1: 0, x2: 3, y2: 2, label: "Bag 0.90", color: 3)],
                                 [GridBox(x1: -2, y1: 1, x2: 9, y2: 3, dashed: true), GridBox(x1: 2, y1: 2, x2: 2, y2: 4),
                                  GridBox(x1: 5, y1: 0, x2: 7, y2: 2)]])
    let script = grid.script(dataFile: "b.dat")
    let rectangles = script.split(separator: "\n").filter { $0.hasPrefix("set object rectangle from") }
    #expect(rectangles.count == 2, "\(rectangles)")
    // Image 0: edges 1 and 3 become 0.5 and 2.5.
    #expect(rectangles.first?.contains("from 0.5,-0.5 to 2.5,1.5") == true && rectangles.first?.contains("#d62728") == true, "\(rectangles)")
    // Image 1 starts one cell (4 pixels and a gap of 1) to the right; its box is clipped to 0…4.
    #expect(rectangles.last?.contains("from 4.5,0.5 to 8.5,2.5") == true && rectangles.last?.contains("dt 2") == true, "\(rectangles)")
    #expect(script.contains("set label \"Bag 0.90\" at 0.5,-0.5 left front"), "\(script)")
  }
}
