package rdv

import (
	"context"
	"time"
)

// WaitroomState is where the virtual waiting room's shared queue stands:
// every instance draws first-come numbers from the same sequence and
// admits them in order up to the same number.
type WaitroomState struct {
	Issued          int64     // the last number drawn; 0 before the first
	AdmittedThrough int64     // every number up to this one is admitted
	AdvancedAt      time.Time // the instant the admission has been accounted up to
}

// Waiting returns how many tickets are issued and not yet admitted.
func (s WaitroomState) Waiting() int64 { return max(s.Issued-s.AdmittedThrough, 0) }

// TicketStore keeps the waiting room's queue in the database, so that
// every instance behind a load balancer admits the same tickets.
type TicketStore interface {
	// IssueTicket draws the next first-come number: greater than every
	// number drawn before, by any instance.
	IssueTicket(ctx context.Context) (int64, error)
	// AdvanceWaitroom admits tickets in order at perSecond for the time
	// since the last advance (whichever instance made it), never beyond
	// the last number issued, and returns the new state. Instances that
	// call it at the same time admit no more than one would: the rate is
	// the platform's, not each instance's. perSecond <= 0 admits every
	// ticket issued (the room is closed).
	AdvanceWaitroom(ctx context.Context, now time.Time, perSecond float64) (WaitroomState, error)
	// WaitroomState reads the state without changing it.
	WaitroomState(ctx context.Context) (WaitroomState, error)
}

// Modes are the operators' platform-wide switches, shared by every
// instance.
type Modes struct {
	// ReadOnly refuses every booking write (holds, bookings,
	// cancellations, desk changes) while search keeps working.
	ReadOnly bool
	// WaitingRoom sends new visitors to the virtual waiting room even
	// when admission control is not shedding.
	WaitingRoom bool
	SetBy       int64 // operator account
	SetAt       time.Time
}

// ModeStore keeps the operators' switches. It is additive to
// SettingsStore: the switches live with the banner.
type ModeStore interface {
	Modes(ctx context.Context) (Modes, error) // the zero Modes when none is set
	SetModes(ctx context.Context, m Modes) error
}

// Advance returns the state after admitting tickets in order at perSecond
// from AdvancedAt to now. Time that passes while no one waits earns no
// credit: a quiet hour must not let the next crowd in at once. An
// instance whose clock is behind the last advance changes nothing.
// perSecond <= 0 admits every ticket issued.
func (s WaitroomState) Advance(now time.Time, perSecond float64) WaitroomState {
	switch {
	case perSecond <= 0:
		s.AdmittedThrough, s.AdvancedAt = max(s.Issued, s.AdmittedThrough), now
		return s
	case s.AdvancedAt.IsZero():
		s.AdvancedAt = now
		return s
	case now.Before(s.AdvancedAt):
		return s
	}
	n := int64(now.Sub(s.AdvancedAt).Seconds() * perSecond)
	if s.AdmittedThrough+n >= s.Issued {
		s.AdmittedThrough, s.AdvancedAt = max(s.Issued, s.AdmittedThrough), now
		return s
	}
	s.AdmittedThrough += n
	s.AdvancedAt = s.AdvancedAt.Add(time.Duration(float64(n) / perSecond * float64(time.Second)))
	return s
}
