import Foundation
import SpoolClient

/// One reading of every tube's `stats-tube` for `spoolctl top`, and the
/// per-tube rates between two readings.
struct TopSample {
    /// A tube's counts at the reading.
    struct Tube {
        var name: String
        var ready: Int
        var reserved: Int
        var delayed: Int
        var buried: Int
        var waiting: Int
        var paused: Bool
        /// `total-jobs`: jobs put since the tube was created.
        var puts: Int
        /// `cmd-delete`: deletes since the tube was created.
        var deletes: Int
    }

    /// A tube's line: its counts now and its rates since the previous reading.
    struct Rates {
        var tube: Tube
        var putsPerSecond: Double
        var deletesPerSecond: Double
    }

    /// When it was taken.
    var time: Date
    var tubes: [Tube]

    /// Reads every tube (a tube that goes away meanwhile is left out).
    static func read(_ client: SpoolClient) async throws -> TopSample {
        var tubes: [Tube] = []
        for name in try await client.listTubes() {
            guard let stats = try? await client.statsTube(name) else { continue }
            func number(_ key: String) -> Int { Int(stats[key] ?? "") ?? 0 }
            tubes.append(Tube(
                name: name, ready: number("current-jobs-ready"), reserved: number("current-jobs-reserved"),
                delayed: number("current-jobs-delayed"), buried: number("current-jobs-buried"),
                waiting: number("current-waiting"), paused: number("pause-time-left") > 0,
                puts: number("total-jobs"), deletes: number("cmd-delete")))
        }
        return TopSample(time: Date(), tubes: tubes.sorted { $0.name < $1.name })
    }

    /// Each tube's rates since `previous`. A counter that went down (the
    /// tube was forgotten and made again) counts from zero.
    func rates(since previous: TopSample) -> [Rates] {
        let seconds = max(time.timeIntervalSince(previous.time), 1e-3)
        let before = Dictionary(previous.tubes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return tubes.map { tube in
            // In Double: counters a hostile server sends can be anything, and
            // their difference overflowed an Int.
            func rate(_ now: Int, _ then: Int?) -> Double {
                let (now, then) = (Double(max(now, 0)), Double(max(then ?? 0, 0)))
                return (now >= then ? now - then : now) / seconds
            }
            return Rates(
                tube: tube, putsPerSecond: rate(tube.puts, before[tube.name]?.puts),
                deletesPerSecond: rate(tube.deletes, before[tube.name]?.deletes))
        }
    }
}
