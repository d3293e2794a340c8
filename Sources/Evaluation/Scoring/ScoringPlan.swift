// How a set of encoded requests is computed with prefix reuse.
//
// Requests whose inputs share the same context tokens form a group; the group's *stem* is the
// longest common prefix of their inputs, computed into the KV cache once; what follows the stem
// in each input is a *branch*, and all branches of one stem are scored in batched passes over
// the cached stem. Stems are visited in lexicographic token order, so consecutive stems share
// their longest prefixes (all questions of an MMLU subject share the few-shot block).
// Consecutive stems are then scored in batches (batchStems): the batch's shared prefix goes into
// the KV cache (truncated back only to where it differs from the previous batch's), and every
// stem's remainder and every branch runs as one segment of a few large passes — one forward of
// many questions at once instead of two small ones per question.
// The plan and the batches depend only on the set of requests, never on their order.

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

extension PlannedStem {
    /// Position up to which the stem could sit in a shared cache: logits are read from its first row.
    var firstRow: Int { rows.first ?? tokens.count }
    var logitRowCount: Int { rows.count + branches.reduce(0) { $0 + $1.rows.count } }
    /// Token positions computed for this stem when the first `shared` sit in the cache.
    func work(after shared: Int) -> Int { tokens.count - shared + branches.reduce(0) { $0 + $1.tokens.count } }
}

/// The prefix a batch of consecutive (sorted) stems keeps in the cache: their common prefix, but
/// not past any stem's first logit row.
func sharedPrefixLength(_ stems: ArraySlice<PlannedStem>) -> Int {
    guard let first = stems.first, let last = stems.last else { return 0 }
    return stems.reduce(commonPrefixLength(first.tokens[...], last.tokens[...])) { min($0, $1.firstRow) }
}

/// Splits the sorted stems into batches of consecutive stems within the pass budgets. A stem joins
/// the batch unless that costs recomputation — the members' shared prefix cut shorter, or a long
/// prefix the stem shares with its neighbours computed outside the cache — of more than 32 tokens
/// and a tenth of the batch's work (e.g. at an MMLU subject boundary, where the few-shot block
/// changes: the next subject's questions start a batch of their own around their cached block).
func batchStems(_ stems: [PlannedStem], maxTokens: Int, maxRows: Int) -> [Range<Int>] {
    var batches: [Range<Int>] = []
    var i = 0
    while i < stems.count {
        var shared = sharedPrefixLength(stems[i..<(i + 1)])
        var work = stems[i].work(after: shared), rows = stems[i].logitRowCount
        var j = i + 1
        while j < stems.count {
            let newShared = min(shared, commonPrefixLength(stems[j - 1].tokens[...], stems[j].tokens[...]), stems[j].firstRow)
            let members = j - i
            let newWork = work + (shared - newShared) * members + stems[j].work(after: newShared)
            let newRows = rows + stems[j].logitRowCount
            var neighbour = commonPrefixLength(stems[j - 1].tokens[...], stems[j].tokens[...])
            if j + 1 < stems.count { neighbour = max(neighbour, commonPrefixLength(stems[j].tokens[...], stems[j + 1].tokens[...])) }
            let duplicated = max(0, min(neighbour, stems[j].firstRow) - newShared)
            let extra = (shared - newShared) * (members - 1) + duplicated
            let own = work + stems[j].work(after: newShared)
            if newWork > maxTokens || newRows > maxRows || Double(extra) > max(32, 0.1 * Double(own)) { break }
            shared = newShared; work = newWork; rows = newRows
            j += 1
        }
        batches.append(i..<j)
        i = j
    }
    return batches
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
