import XCTest

@testable import SpoolCore

final class IndexedHeapTests: XCTestCase {
    private final class Item {
        let key: Int
        var index = -1
        init(_ key: Int) { self.key = key }
    }

    private enum Order: HeapPolicy {
        static func precedes(_ a: Item, _ b: Item) -> Bool { a.key < b.key }
        static func index(of item: Item) -> Int { item.index }
        static func setIndex(_ index: Int, of item: Item) { item.index = index }
    }

    func testRandomInsertsAndRemovalsKeepHeapOrder() {
        var generator = SystemRandomNumberGenerator()
        var heap = IndexedHeap<Order>()
        var live: [Item] = []
        for step in 0..<5_000 {
            if live.isEmpty || Int.random(in: 0..<3, using: &generator) > 0 {
                let item = Item(Int.random(in: 0..<1_000, using: &generator))
                heap.insert(item)
                live.append(item)
            } else {
                let victim = live.remove(at: Int.random(in: 0..<live.count, using: &generator))
                heap.remove(victim)
                XCTAssertFalse(heap.contains(victim))
            }
            XCTAssertEqual(heap.first?.key, live.map(\.key).min(), "step \(step)")
        }
        var drained: [Int] = []
        while let item = heap.popFirst() { drained.append(item.key) }
        XCTAssertEqual(drained, live.map(\.key).sorted())
    }
}
