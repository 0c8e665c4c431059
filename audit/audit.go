// Package audit makes and checks the hash chains of the audit trail.
//
// Each entry holds the hash of the entry before it in its chain
// (PrevHash) and its own Hash = SHA-256(PrevHash ‖ SHA-256(content)),
// where content is the entry's canonical encoding (Content): its time,
// actor, action, address and records, each field length-prefixed so that
// no two entries encode alike. The first entry of a chain follows
// Genesis(chain). A changed entry no longer matches its Hash; a removed,
// inserted or reordered one breaks the link of the entry after it; an
// entry removed at the end no longer matches the chain's head row, which
// the store updates with every entry.
//
// The content hash is computed by the writer, the link by whoever holds
// the chain's head: on SQLite the store's one writer, in Go; on
// PostgreSQL the database itself (sha256 in the statement that moves the
// head), so that appending costs one statement. That split is why Hash
// links the content's hash rather than the content.
//
// The chains cannot stop an attacker who rewrites a whole chain from a
// point to its head: they make tampering visible to whoever kept an
// earlier head (Verify reports each chain's head for that).
package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"

	"rdv"
)

// version tags the encoding, so that a later one cannot be mistaken for
// it.
const version = "rdv-audit-1"

// Content is the canonical encoding of an entry's own content: what its
// hash covers, apart from its place in the chain.
func Content(e rdv.AuditEvent) []byte {
	var b []byte
	field := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	field(version)
	field(strconv.FormatInt(e.At.UnixMilli(), 10))
	field(string(e.Actor.Kind))
	field(strconv.FormatInt(e.Actor.ID, 10))
	field(e.Actor.Address)
	field(string(e.Action))
	field(e.Records.String())
	return b
}

// ContentHash is SHA-256 of Content.
func ContentHash(e rdv.AuditEvent) []byte {
	h := sha256.Sum256(Content(e))
	return h[:]
}

// Link is the hash of an entry whose content hashes to contentHash,
// following the entry whose hash is prev.
func Link(prev, contentHash []byte) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(contentHash)
	return h.Sum(nil)
}

// Genesis is what the first entry of a chain follows: each chain starts
// apart, so that an entry moved to another chain cannot link there.
func Genesis(chain int) []byte {
	h := sha256.Sum256([]byte(version + " chain " + strconv.Itoa(chain)))
	return h[:]
}

// Seal fills in e's place after the entry prev (nil for the chain's
// first): its Seq, PrevHash and Hash. Chain is e's.
func Seal(e *rdv.AuditEvent, prev *rdv.AuditHead) {
	e.Seq, e.PrevHash = 1, Genesis(e.Chain)
	if prev != nil && prev.Seq > 0 {
		e.Seq, e.PrevHash = prev.Seq+1, prev.Hash
	}
	e.Hash = Link(e.PrevHash, ContentHash(*e))
}

// Problem is the first bad entry Verify found: its ID (0 when the
// problem is a chain's end) and what is wrong.
type Problem struct {
	Chain int
	ID    int64
	Seq   int64
	What  string
}

func (p *Problem) Error() string {
	if p.ID == 0 {
		return fmt.Sprintf("audit chain %d: %s", p.Chain, p.What)
	}
	return fmt.Sprintf("audit chain %d, entry %d (seq %d): %s", p.Chain, p.ID, p.Seq, p.What)
}

// Report is what Verify walked: entries per chain and each chain's head.
type Report struct {
	Entries int
	Heads   []rdv.AuditHead
}

// Verify walks every chain of the store's trail and returns the first
// bad entry as a *Problem (and the other errors of reading the store).
func Verify(ctx context.Context, s rdv.AuditStore) (Report, error) {
	heads, err := s.AuditHeads(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("verify audit trail: %w", err)
	}
	var rep Report
	for _, h := range heads {
		head, n, err := verifyChain(ctx, s, h.Chain)
		rep.Entries += n
		rep.Heads = append(rep.Heads, head)
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// verifyChain checks one chain from its genesis to its head.
func verifyChain(ctx context.Context, s rdv.AuditStore, chain int) (rdv.AuditHead, int, error) {
	prev := rdv.AuditHead{Chain: chain, Hash: Genesis(chain)}
	var prevID int64
	n := 0
	head, err := s.WalkAuditChain(ctx, chain, func(e rdv.AuditEvent) error {
		n++
		bad := func(format string, args ...any) error {
			return &Problem{Chain: chain, ID: e.ID, Seq: e.Seq, What: fmt.Sprintf(format, args...)}
		}
		after := "the chain's start"
		if prevID != 0 {
			after = fmt.Sprintf("entry %d", prevID)
		}
		switch {
		case e.Chain != chain:
			return bad("filed under chain %d", e.Chain)
		case e.Seq != prev.Seq+1:
			return bad("seq %d follows seq %d of %s: an entry was removed, inserted or moved", e.Seq, prev.Seq, after)
		case !bytes.Equal(e.PrevHash, prev.Hash):
			return bad("does not follow %s (previous hash %s, %s has %s): an entry was removed, inserted or moved",
				after, short(e.PrevHash), after, short(prev.Hash))
		case !bytes.Equal(e.Hash, Link(e.PrevHash, ContentHash(e))):
			return bad("content does not match its hash: the entry was changed")
		}
		prev, prevID = rdv.AuditHead{Chain: e.Chain, Seq: e.Seq, Hash: e.Hash}, e.ID
		return nil
	})
	if err != nil {
		return head, n, err
	}
	if prev.Seq != head.Seq || !bytes.Equal(prev.Hash, head.Hash) {
		return head, n, &Problem{Chain: chain, What: fmt.Sprintf("ends at seq %d (hash %s) but its head is at seq %d (hash %s): entries were removed at the end or the head was changed",
			prev.Seq, short(prev.Hash), head.Seq, short(head.Hash))}
	}
	return head, n, nil
}

// short is the start of a hash, enough to tell two apart in a message.
func short(h []byte) string {
	s := hex.EncodeToString(h)
	if len(s) > 12 {
		s = s[:12]
	}
	return s
}
