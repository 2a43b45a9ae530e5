import Testing
@testable import Torrent

@Suite struct PiecePickerTests {
    let block = BlockRequest.standardLength

    func picker(pieces: Int, pieceLength: Int = 4 * BlockRequest.standardLength) -> PiecePicker {
        PiecePicker(pieceCount: pieces, pieceLength: pieceLength, totalLength: Int64(pieces * pieceLength), seed: 1)
    }

    @Test func handsEachBlockOutOnceThenCompletes() {
        var picker = picker(pieces: 3)
        let all = Bitfield(count: 3, allSet: true)
        picker.peerHas(all)
        var seen = Set<BlockRequest>()
        while true {
            let blocks = picker.pick(for: 1, peerHas: all, count: 5, outstanding: seen)
            if blocks.isEmpty { break }
            for block in blocks { #expect(seen.insert(block).inserted) }
            if seen.count == 12 { break }
        }
        #expect(seen.count == 12)
        var completed: [Int] = []
        for block in seen {
            if case .accepted(true) = picker.received(block, from: 1) { completed.append(block.piece) }
        }
        #expect(completed.sorted() == [0, 1, 2])
        for piece in completed { picker.verified(piece) }
        #expect(picker.isComplete)
    }

    @Test func rarestFirstAfterTheRandomStart() {
        var picker = picker(pieces: 10)
        picker.randomFirstThreshold = 0
        let all = Bitfield(count: 10, allSet: true)
        picker.peerHas(all)
        picker.peerHas(all)
        var rare = Bitfield(count: 10)
        rare.insert(6)
        picker.peerHas(rare)
        picker.peerGone(with: Bitfield(count: 10, allSet: true))  // piece 6: 2 peers; all others 1
        picker.peerHas(piece: 6)  // now 6 is the most common
        let first = picker.pick(for: 1, peerHas: all, count: 4, outstanding: [])
        #expect(first.allSatisfy { $0.piece == first[0].piece })
        #expect(first[0].piece != 6)
    }

    @Test func deadlinesComeFirst() {
        var picker = picker(pieces: 100)
        let all = Bitfield(count: 100, allSet: true)
        picker.peerHas(all)
        let now = ContinuousClock.now
        picker.setDeadlines([(70, now + .seconds(2)), (42, now + .seconds(1))])
        let blocks = picker.pick(for: 1, peerHas: all, count: 6, outstanding: [])
        #expect(blocks.map(\.piece) == [42, 42, 42, 42, 70, 70])
    }

    @Test func aDeadlineMakesASkippedPieceWantedUntilItIsCleared() {
        var picker = picker(pieces: 8)
        let all = Bitfield(count: 8, allSet: true)
        picker.peerHas(all)
        picker.setPriorities(Array(repeating: .skip, count: 8))
        #expect(picker.isComplete && picker.pick(for: 1, peerHas: all, count: 4, outstanding: []).isEmpty)
        picker.setDeadlines([(5, .now + .seconds(1))])
        #expect(!picker.isComplete && picker.isWanted(5) && !picker.isWanted(4))
        #expect(picker.pick(for: 1, peerHas: all, count: 8, outstanding: []).map(\.piece) == [5, 5, 5, 5])
        picker.setDeadlines([])
        #expect(picker.pick(for: 2, peerHas: all, count: 8, outstanding: []).isEmpty)
    }

    @Test func aPieceLateByMoreThanTheGraceIsAlsoAskedOfOtherPeers() {
        var picker = picker(pieces: 8)
        picker.allowsEndGame = false  // as for a stream-only torrent
        let all = Bitfield(count: 8, allSet: true)
        picker.peerHas(all)
        picker.setPriorities(Array(repeating: .skip, count: 8))
        picker.setDeadlines([(3, .now + .seconds(30))])
        let first = picker.pick(for: 1, peerHas: all, count: 8, outstanding: [])
        #expect(first.count == 4)
        #expect(picker.pick(for: 2, peerHas: all, count: 8, outstanding: []).isEmpty, "not late yet: nothing to share")
        picker.setDeadlines([(3, .now - .milliseconds(1))])
        #expect(picker.pick(for: 2, peerHas: all, count: 8, outstanding: []).isEmpty, "late by less than the grace")
        picker.setDeadlines([(3, .now - picker.timeCriticalGrace - .milliseconds(1))])
        let second = picker.pick(for: 2, peerHas: all, count: 8, outstanding: [])
        #expect(Set(second) == Set(first), "late: the same blocks from another peer")
        #expect(Set(picker.pick(for: 3, peerHas: all, count: 8, outstanding: [])) == Set(first), "and a third")
        #expect(picker.pick(for: 4, peerHas: all, count: 8, outstanding: []).isEmpty, "at most three askers per block")
    }

    @Test func aLatePieceIsAskedOnlyOfPeersWithNothingInFlight() {
        var picker = picker(pieces: 8)
        picker.allowsEndGame = false
        let all = Bitfield(count: 8, allSet: true)
        picker.peerHas(all)
        picker.setPriorities(Array(repeating: .skip, count: 8))
        picker.setDeadlines([(3, .now + .seconds(30))])
        let first = picker.pick(for: 1, peerHas: all, count: 8, outstanding: [])
        picker.setDeadlines([(3, .now - picker.timeCriticalGrace - .milliseconds(1))])
        let busy: Set<BlockRequest> = [BlockRequest(piece: 6, begin: 0, length: BlockRequest.standardLength)]
        #expect(picker.pick(for: 2, peerHas: all, count: 8, outstanding: busy).isEmpty, "busy: it would send it last")
        #expect(Set(picker.pick(for: 3, peerHas: all, count: 8, outstanding: [])) == Set(first), "idle: it has quota")
    }

    @Test func theNextTimeCriticalMomentIsTheEarliestMissingDeadlinePlusTheGrace() {
        var picker = picker(pieces: 4)
        let now = ContinuousClock.now
        #expect(picker.nextTimeCritical == nil)
        picker.setDeadlines([(1, now + .seconds(2)), (2, now + .milliseconds(300))])
        #expect(picker.nextTimeCritical == now + .milliseconds(300) + picker.timeCriticalGrace)
        picker.markHave(Bitfield(count: 4, allSet: true))
        #expect(picker.nextTimeCritical == nil, "nothing missing")
    }

    @Test func duplicatesOfALatePieceTakeTheLeastAskedBlocksFirst() {
        var picker = picker(pieces: 2, pieceLength: 8 * BlockRequest.standardLength)
        picker.allowsEndGame = false
        let all = Bitfield(count: 2, allSet: true)
        picker.peerHas(all)
        picker.peerHas(all)
        picker.setPriorities(Array(repeating: .skip, count: 2))
        picker.setDeadlines([(1, .now + .seconds(30))])
        #expect(picker.pick(for: 1, peerHas: all, count: 8, outstanding: []).count == 8, "not urgent: one peer takes it all")
        picker.setDeadlines([(1, .now - .seconds(1))])
        let second = picker.pick(for: 2, peerHas: all, count: 8, outstanding: [])
        #expect(second.map(\.begin) == (0..<4).map { $0 * BlockRequest.standardLength }, "its share: half of the piece")
        let third = picker.pick(for: 3, peerHas: all, count: 8, outstanding: [])
        #expect(third.map(\.begin) == (4..<8).map { $0 * BlockRequest.standardLength }, "the blocks nobody else duplicated")
    }

    @Test func anUrgentPieceIsSpreadOverThePeersThatHaveIt() {
        var picker = picker(pieces: 4, pieceLength: 16 * BlockRequest.standardLength)
        let all = Bitfield(count: 4, allSet: true)
        for _ in 0..<4 { picker.peerHas(all) }
        picker.setPriorities(Array(repeating: .skip, count: 4))  // only what readers ask for, as a stream-only torrent
        picker.allowsEndGame = false
        picker.setDeadlines([(2, .now + .milliseconds(100))])
        let first = picker.pick(for: 1, peerHas: all, count: 64, outstanding: [])
        #expect(first.filter { $0.piece == 2 }.count == 5, "a quarter of 16 blocks, plus one")
        let second = picker.pick(for: 2, peerHas: all, count: 64, outstanding: [])
        #expect(second.filter { $0.piece == 2 }.count == 5)
        picker.setDeadlines([(2, .now + .milliseconds(100)), (3, .now + .seconds(30))])
        #expect(picker.pick(for: 3, peerHas: all, count: 64, outstanding: []).filter { $0.piece == 3 }.count == 16, "not urgent: all of it")
    }

    @Test func anEvictedPieceIsWantedAgainOnlyWhenSomethingAsksForIt() {
        var picker = picker(pieces: 4)
        picker.markHave(Bitfield(count: 4, allSet: true))
        picker.setPriorities(Array(repeating: .skip, count: 4))
        picker.unhave(2)
        #expect(!picker.have[2] && picker.isComplete && picker.bytesMissing == Int64(picker.length(ofPiece: 2)))
        picker.setDeadlines([(2, .now)])
        #expect(!picker.isComplete && picker.isWanted(2))
    }

    @Test func skippedPiecesAreNeverRequested() {
        var picker = picker(pieces: 4)
        picker.setPriorities([.skip, .normal, .skip, .high])
        let all = Bitfield(count: 4, allSet: true)
        picker.peerHas(all)
        let blocks = picker.pick(for: 1, peerHas: all, count: 100, outstanding: [])
        #expect(Set(blocks.map(\.piece)) == [1, 3])
        #expect(picker.bytesLeft == Int64(8 * block))
    }

    @Test func returnedBlocksAreHandedOutAgain() {
        var picker = picker(pieces: 1)
        let all = Bitfield(count: 1, allSet: true)
        let first = picker.pick(for: 1, peerHas: all, count: 4, outstanding: [])
        for block in first { picker.returned(block) }
        picker.returned(first[0])  // a second return of the same block changes nothing
        let again = picker.pick(for: 3, peerHas: all, count: 8, outstanding: [])
        #expect(again.count == 4 && Set(again) == Set(first))  // each once: no duplicates within one pick
    }

    @Test func endGameDuplicatesAndDuplicateArrivals() {
        var picker = picker(pieces: 1)
        let all = Bitfield(count: 1, allSet: true)
        let a = picker.pick(for: 1, peerHas: all, count: 4, outstanding: [])
        #expect(picker.isEndGame)
        let b = picker.pick(for: 2, peerHas: all, count: 4, outstanding: [])
        #expect(Set(a) == Set(b))
        #expect(picker.pick(for: 3, peerHas: all, count: 4, outstanding: []).isEmpty)  // at most 2 askers per block
        #expect(picker.received(a[0], from: 1) == .accepted(pieceComplete: false))
        #expect(picker.received(b[0], from: 2) == .duplicate)
    }

    @Test func hashFailureBlamesContributorsAndRetries() {
        var picker = picker(pieces: 1)
        let all = Bitfield(count: 1, allSet: true)
        let blocks = picker.pick(for: 1, peerHas: all, count: 4, outstanding: [])
        for (index, block) in blocks.enumerated() { _ = picker.received(block, from: index < 2 ? 1 : 2) }
        #expect(picker.failed(0) == [1, 2])
        #expect(!picker.isComplete)
        #expect(picker.pick(for: 3, peerHas: all, count: 4, outstanding: []).count == 4)
    }

    @Test func unexpectedBlocks() {
        var picker = picker(pieces: 2)
        #expect(picker.received(BlockRequest(piece: 0, begin: 0, length: block), from: 1) == .unexpected)
        let all = Bitfield(count: 2, allSet: true)
        let blocks = picker.pick(for: 1, peerHas: all, count: 1, outstanding: [])
        #expect(picker.received(BlockRequest(piece: blocks[0].piece, begin: 5, length: block), from: 1) == .unexpected)
        #expect(picker.received(BlockRequest(piece: blocks[0].piece, begin: 0, length: 3), from: 1) == .unexpected)
    }
}
