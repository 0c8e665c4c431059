package audit

import (
	"bytes"
	"testing"
	"time"

	"rdv"
)

func event(address string, action rdv.AuditAction, patients ...int64) rdv.AuditEvent {
	return rdv.AuditEvent{At: time.Date(2031, 3, 3, 13, 0, 0, 0, time.UTC), Actor: rdv.Actor{Kind: rdv.ActorStaff, ID: 3, Address: address},
		Action: action, Records: rdv.AuditRecords{Patients: patients}}
}

// TestContentTellsFieldsApart: moving bytes from one field to the next
// changes the encoding, and so does any field.
func TestContentTellsFieldsApart(t *testing.T) {
	base := event("10.0.0.1", "agenda.read", 4)
	others := []rdv.AuditEvent{
		event("10.0.0.1a", "genda.read", 4),
		event("10.0.0.1", "agenda.export", 4),
		event("10.0.0.1", "agenda.read", 5),
		event("10.0.0.2", "agenda.read", 4),
	}
	later := base
	later.At = later.At.Add(time.Millisecond)
	other := base
	other.Actor.ID = 4
	others = append(others, later, other)
	for _, o := range others {
		if bytes.Equal(Content(base), Content(o)) {
			t.Errorf("%+v encodes as %+v", o, base)
		}
	}
	same := event("10.0.0.1", "agenda.read", 4, 4)
	if !bytes.Equal(Content(base), Content(same)) {
		t.Error("the same records named twice encode apart")
	}
}

// TestSealLinks: entries sealed one after the other link, from a
// genesis of their own chain.
func TestSealLinks(t *testing.T) {
	a, b := event("x", "agenda.read", 1), event("x", "agenda.read", 2)
	a.Chain, b.Chain = 3, 3
	Seal(&a, nil)
	Seal(&b, &rdv.AuditHead{Chain: 3, Seq: a.Seq, Hash: a.Hash})
	if a.Seq != 1 || !bytes.Equal(a.PrevHash, Genesis(3)) || bytes.Equal(Genesis(3), Genesis(4)) {
		t.Fatalf("first entry: seq %d, prev %x", a.Seq, a.PrevHash)
	}
	if b.Seq != 2 || !bytes.Equal(b.PrevHash, a.Hash) || !bytes.Equal(b.Hash, Link(a.Hash, ContentHash(b))) {
		t.Fatalf("second entry: seq %d, prev %x, hash %x", b.Seq, b.PrevHash, b.Hash)
	}
}
