// How a set of encoded requests is computed with prefix reuse.
//
// Requests whose inputs share the same context tokens form a group; the group's *stem* is the
// longest common prefix of their inputs, computed into the KV cache once; what follows the stem
// in each input is a *branch*, and all branches of one stem are scored in batched passes over
// the cached stem. Stems are visited in lexicographic token order, so consecutive stems share
// their longest prefixes (all questions of an MMLU subject share the few-shot block): the cache
// is only truncated back to the common prefix of the previous stem and the next.
// The plan depends only on the set of requests, never on their order.

/// Where one scored position's logits come from.
enum RowSource: Hashable {
    case stem(Int)            // position within the stem
    case branch(Int, Int)     // (branch index within the stem, position within the branch)
}

struct PlannedBranch {
    var tokens: [Int]
    var rows: [Int]           // ascending positions within `tokens` whose logits are read
}

struct PlannedStem {
    var tokens: [Int]
    var rows: [Int]           // ascending positions within `tokens` whose logits are read
    var branches: [PlannedBranch]
    /// The unique requests finished by this stem and, per target token, where its row is.
    var requests: [(request: Int, sources: [RowSource])]
}

func lexicographicallyPrecedes(_ a: [Int], _ b: [Int]) -> Bool {
    a.lexicographicallyPrecedes(b)
}

func commonPrefixLength(_ a: ArraySlice<Int>, _ b: ArraySlice<Int>) -> Int {
    var n = 0
    var i = a.startIndex, j = b.startIndex
    while i < a.endIndex, j < b.endIndex, a[i] == b[j] { n += 1; i += 1; j += 1 }
    return n
}

/// Builds the plan for `requests` (already de-duplicated; an index into this array identifies a
/// request). Requests with no continuation tokens need no computation and are left out.
func makeScoringPlan(_ requests: [EncodedRequest]) -> [PlannedStem] {
    // Group by context tokens (the input before the first scored position).
    var groups: [ArraySlice<Int>: [Int]] = [:]
    for (i, r) in requests.enumerated() where !r.targets.isEmpty {
        groups[r.input[..<r.scoredPositions.lowerBound], default: []].append(i)
    }
    var stems: [PlannedStem] = []
    stems.reserveCapacity(groups.count)
    for (_, members) in groups {
        var stemLength = requests[members[0]].input.count
        for m in members.dropFirst() {
            stemLength = min(stemLength, commonPrefixLength(requests[members[0]].input[...],
                                                            requests[m].input[...]))
        }
        let stemTokens = Array(requests[members[0]].input[..<stemLength])
        var stemRows = Set<Int>()
        var branchIndex: [[Int]: Int] = [:]
        var branchTokens: [[Int]] = []
        var branchRows: [Set<Int>] = []
        var perRequest: [(Int, [(Int?, Int)])] = []  // (request, [(branch slot or nil, position)])
        for m in members {
            let r = requests[m]
            var sources: [(Int?, Int)] = []
            var slot: Int? = nil
            if r.input.count > stemLength {
                let tail = Array(r.input[stemLength...])
                if let b = branchIndex[tail] { slot = b } else {
                    slot = branchTokens.count
                    branchIndex[tail] = branchTokens.count
                    branchTokens.append(tail)
                    branchRows.append([])
                }
            }
            for p in r.scoredPositions {
                if p < stemLength {
                    stemRows.insert(p)
                    sources.append((nil, p))
                } else {
                    branchRows[slot!].insert(p - stemLength)
                    sources.append((slot, p - stemLength))
                }
            }
            perRequest.append((m, sources))
        }
        // Canonical branch order (by tokens), independent of request order.
        let order = branchTokens.indices.sorted { lexicographicallyPrecedes(branchTokens[$0], branchTokens[$1]) }
        var newSlot = [Int](repeating: 0, count: order.count)
        for (k, old) in order.enumerated() { newSlot[old] = k }
        let branches = order.map { PlannedBranch(tokens: branchTokens[$0], rows: branchRows[$0].sorted()) }
        let finished = perRequest.sorted { $0.0 < $1.0 }.map { entry in
            (request: entry.0, sources: entry.1.map { s -> RowSource in
                if let b = s.0 { return .branch(newSlot[b], s.1) }
                return .stem(s.1)
            })
        }
        stems.append(PlannedStem(tokens: stemTokens, rows: stemRows.sorted(), branches: branches,
                                 requests: finished))
    }
    stems.sort { lexicographicallyPrecedes($0.tokens, $1.tokens) }
    return stems
}
