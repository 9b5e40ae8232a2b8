/// Every job by its id: an open-addressing hash table of the jobs themselves,
/// which know their ids, so that a slot takes 8 bytes where a `Dictionary`
/// of ids to jobs takes 16 (and a job in a deep backlog takes 10-15 bytes
/// of table instead of 21-32). Linear probing over a multiplicative hash,
/// at most four fifths full, deletion by backward shift (no tombstones).
struct JobTable {
    private var slots: [Job?] = Array(repeating: nil, count: 16)
    /// How many jobs the table holds.
    private(set) var count = 0
    /// How many slots it has.
    var capacity: Int { slots.count }

    /// The job with this id, if there is one.
    subscript(id: JobID) -> Job? {
        var slot = home(of: id)
        while let job = slots[slot] {
            if job.id == id { return job }
            slot = next(slot)
        }
        return nil
    }

    /// Every job, in no particular order.
    var values: some Sequence<Job> { slots.lazy.compactMap { $0 } }

    /// Adds a job whose id the table does not hold.
    mutating func insert(_ job: Job) {
        if (count + 1) * 5 > slots.count * 4 { resize(to: slots.count * 3 / 2) }
        place(job)
        count += 1
    }

    /// Removes the job with this id, if there is one.
    mutating func remove(_ id: JobID) {
        var slot = home(of: id)
        while let job = slots[slot] {
            if job.id == id { return vacate(slot) }
            slot = next(slot)
        }
    }

    /// Makes room for `capacity` jobs at once.
    mutating func reserveCapacity(_ capacity: Int) {
        let needed = capacity * 5 / 4 + 1
        if needed > slots.count { resize(to: needed) }
    }

    /// Ids come in runs (puts take them in order): a run of eight shares
    /// a stretch of slots, one cache line, so that filling the table at
    /// start-up or deleting jobs in order touches each line once instead
    /// of missing the cache for every job. The runs themselves are spread
    /// by Fibonacci hashing (the high half of the product with the table's
    /// size maps the hash onto its slots).
    private func home(of id: JobID) -> Int {
        let hash = (id >> 3) &* 0x9E37_79B9_7F4A_7C15
        let slot = Int(truncatingIfNeeded: hash.multipliedFullWidth(by: UInt64(slots.count)).high) + Int(id & 7)
        return slot < slots.count ? slot : slot - slots.count
    }

    private func next(_ slot: Int) -> Int {
        slot + 1 == slots.count ? 0 : slot + 1
    }

    private mutating func place(_ job: Job) {
        var slot = home(of: job.id)
        while slots[slot] != nil { slot = next(slot) }
        slots[slot] = job
    }

    /// Empties `slot` and moves back the jobs after it in its run that
    /// could live closer to their home slot, so that no lookup stops early.
    private mutating func vacate(_ slot: Int) {
        var hole = slot
        var candidate = next(slot)
        slots[hole] = nil
        while let job = slots[candidate] {
            let home = home(of: job.id)
            // The job may fill the hole unless its home lies in (hole, candidate], cyclically.
            let stays = hole <= candidate ? (hole < home && home <= candidate) : (hole < home || home <= candidate)
            if !stays {
                slots[hole] = job
                slots[candidate] = nil
                hole = candidate
            }
            candidate = next(candidate)
        }
        count -= 1
    }

    private mutating func resize(to capacity: Int) {
        let old = slots
        slots = Array(repeating: nil, count: max(16, capacity))
        for case let job? in old { place(job) }
    }
}
