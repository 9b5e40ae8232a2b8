/// How an ``IndexedHeap`` orders its elements and where each element keeps its
/// position, so that any element can be removed in O(log n).
protocol HeapPolicy {
    associatedtype Element: AnyObject
    /// Whether `a` must come out of the heap before `b`.
    static func precedes(_ a: Element, _ b: Element) -> Bool
    /// The element's current position in the heap (-1 when absent).
    static func index(of element: Element) -> Int
    /// Records the element's position in the heap.
    static func setIndex(_ index: Int, of element: Element)
}

/// A binary min-heap whose elements know their own position, as beanstalkd's
/// `Heap`: insert, remove-any and pop are O(log n), peek is O(1).
struct IndexedHeap<Policy: HeapPolicy> {
    private(set) var elements: [Policy.Element] = []

    var count: Int { elements.count }
    var isEmpty: Bool { elements.isEmpty }
    var first: Policy.Element? { elements.first }

    mutating func insert(_ element: Policy.Element) {
        elements.append(element)
        Policy.setIndex(elements.count - 1, of: element)
        siftUp(elements.count - 1)
    }

    @discardableResult
    mutating func popFirst() -> Policy.Element? {
        guard let top = elements.first else { return nil }
        remove(top)
        return top
    }

    /// Removes `element`, which must be in this heap.
    mutating func remove(_ element: Policy.Element) {
        let index = Policy.index(of: element)
        precondition(index >= 0 && index < elements.count && elements[index] === element, "element not in heap")
        let last = elements.removeLast()
        Policy.setIndex(-1, of: element)
        guard index < elements.count else { return }
        elements[index] = last
        Policy.setIndex(index, of: last)
        siftDown(siftUp(index))
    }

    /// Whether `element` is in this heap.
    func contains(_ element: Policy.Element) -> Bool {
        let index = Policy.index(of: element)
        return index >= 0 && index < elements.count && elements[index] === element
    }

    @discardableResult
    private mutating func siftUp(_ start: Int) -> Int {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard Policy.precedes(elements[child], elements[parent]) else { break }
            swapAt(child, parent)
            child = parent
        }
        return child
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < elements.count else { return }
            let right = left + 1
            var best = left
            if right < elements.count, Policy.precedes(elements[right], elements[left]) { best = right }
            guard Policy.precedes(elements[best], elements[parent]) else { return }
            swapAt(best, parent)
            parent = best
        }
    }

    private mutating func swapAt(_ i: Int, _ j: Int) {
        elements.swapAt(i, j)
        Policy.setIndex(i, of: elements[i])
        Policy.setIndex(j, of: elements[j])
    }
}
