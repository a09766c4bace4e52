import Foundation

/// Numbers each distinct purchase history (x, t_x, T) of a summary, in order of first
/// appearance — an open-addressing table with a multiplicative hash, because a million customers
/// through `Dictionary`'s SipHash cost more than the model fit itself.
struct HistoryIndex {
    /// For each customer, the number of its history.
    private(set) var slot: [Int32]
    /// The first customer of each history.
    private(set) var representative: [Int]
    /// Customers per history.
    private(set) var count: [Double]

    init(_ summary: PurchaseSummary) {
        let n = summary.count
        var capacity = 16
        while capacity < 2 * n { capacity <<= 1 }
        let mask = capacity - 1
        var table = [Int32](repeating: -1, count: capacity)
        slot = [Int32](repeating: 0, count: n)
        representative = []
        count = []
        summary.x.withUnsafeBufferPointer { xs in
            summary.tx.withUnsafeBufferPointer { txs in
                summary.T.withUnsafeBufferPointer { Ts in
                    for i in 0..<n {
                        let (a, b, c) = (xs[i].bitPattern, txs[i].bitPattern, Ts[i].bitPattern)
                        let h = Self.mix(Self.mix(Self.mix(a) ^ b) ^ c)
                        var position = Int(truncatingIfNeeded: h) & mask
                        while true {
                            let found = table[position]
                            if found < 0 {
                                table[position] = Int32(representative.count)
                                slot[i] = Int32(representative.count)
                                representative.append(i)
                                count.append(1)
                                break
                            }
                            let j = representative[Int(found)]
                            if xs[j].bitPattern == a && txs[j].bitPattern == b && Ts[j].bitPattern == c {
                                slot[i] = found
                                count[Int(found)] += 1
                                break
                            }
                            position = (position + 1) & mask
                        }
                    }
                }
            }
        }
    }

    var distinct: Int { representative.count }

    /// MurmurHash3's 64-bit finaliser: every input bit reaches every output bit.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 33
        h &*= 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h &*= 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }
}
