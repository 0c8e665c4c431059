// Package booking runs holds, confirmations, cancellations and reschedules:
// it validates what people send, lets the store decide every conflict in a
// transaction, and keeps the availability index in step with what the store
// committed.
package booking

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"rdv"
	"rdv/auth"
	"rdv/availability"
)

// Config holds the engine's rules.
type Config struct {
	HoldTTL      time.Duration // how long a hold keeps a slot (default 5 minutes)
	MaxLiveHolds int           // live holds a client may have at once (default 3)
	// MaxAddressHolds is the live holds all clients behind one address
	// may have together (default 50): many times MaxLiveHolds, so that
	// the patients behind one NAT or proxy each keep their own few, while
	// one machine that drops its cookies or mints browser ids stays
	// bounded. Negative: no ceiling, for load tests that send every
	// client from one address.
	MaxAddressHolds int
	SweepEvery      time.Duration // how often expired holds are returned to search (default 1 s)
	// RemindBefore is how long before an appointment its reminder is due
	// (default 24 h). Negative: no reminders.
	RemindBefore time.Duration
	// Now is the engine's clock (default time.Now). It is given at
	// construction and never replaced: handlers read it while the server
	// runs, so a test that moves time passes a clock it can move safely.
	Now func() time.Time
}

func (c *Config) defaults() {
	if c.HoldTTL <= 0 {
		c.HoldTTL = 5 * time.Minute
	}
	if c.MaxLiveHolds <= 0 {
		c.MaxLiveHolds = 3
	}
	if c.MaxAddressHolds == 0 {
		c.MaxAddressHolds = 50
	}
	if c.SweepEvery <= 0 {
		c.SweepEvery = time.Second
	}
	if c.RemindBefore == 0 {
		c.RemindBefore = 24 * time.Hour
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Engine books appointments. It is safe for concurrent use.
type Engine struct {
	store rdv.BookingStore
	index *availability.Index
	cfg   Config
	log   *slog.Logger
}

// New returns an engine over a store and the index that caches it. Only
// the booking part of the store is needed: the desk (NewDesk) takes its
// own part.
func New(store rdv.BookingStore, index *availability.Index, cfg Config, log *slog.Logger) *Engine {
	cfg.defaults()
	if log == nil {
		log = slog.Default()
	}
	return &Engine{store: store, index: index, cfg: cfg, log: log}
}

// Now reads the engine's clock (Config.Now): what every hold, booking and
// cancellation takes as the present.
func (e *Engine) Now() time.Time { return e.cfg.Now() }

// Config returns the engine's rules.
func (e *Engine) Config() Config { return e.cfg }

// Run returns expired holds' slots to search and drops past slots from the
// index until ctx is done. Expiry itself never waits for this loop: the
// store treats a run-out hold as free the moment it runs out (invariant 4);
// the loop only makes such slots visible in search again.
func (e *Engine) Run(ctx context.Context) error {
	t := time.NewTicker(e.cfg.SweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if err := e.Sweep(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("sweep holds", "err", err)
		}
	}
}

// Sweep releases the holds that ran out and prunes started slots from the
// index.
func (e *Engine) Sweep(ctx context.Context) error {
	now := e.Now()
	ch, err := e.store.ExpireHolds(ctx, now)
	if err != nil {
		return fmt.Errorf("expire holds: %w", err)
	}
	e.index.Apply(ch)
	e.index.PruneBefore(now)
	return nil
}

// Hold reserves a public slot for clientKey for the hold time.
func (e *Engine) Hold(ctx context.Context, slotID int64, clientKey string, idem *rdv.IdemKey) (rdv.Hold, error) {
	return e.HoldFor(ctx, HoldInput{SlotID: slotID, ClientKey: clientKey}, idem)
}

// HoldInput asks for a hold on behalf of someone.
type HoldInput struct {
	SlotID int64
	// ClientKey is who asks (a browser, an account), capped at
	// MaxLiveHolds; "" when unknown, such as a script that keeps no
	// cookies: only the address's ceiling then applies.
	ClientKey string
	// Address is the network address asked from, capped at
	// MaxAddressHolds; "" for none (staff holding for a caller).
	Address string
	// AllowRostered lets clinic staff and phone agents hold slots kept for
	// a clinic's own patients; patients searching alone never may.
	AllowRostered bool
}

// HoldFor reserves a slot as in asks, for the hold time.
func (e *Engine) HoldFor(ctx context.Context, in HoldInput, idem *rdv.IdemKey) (rdv.Hold, error) {
	req := rdv.HoldRequest{
		HoldID:        "h_" + auth.RandomToken(18),
		SlotID:        in.SlotID,
		ClientKey:     in.ClientKey,
		MaxLiveHolds:  e.cfg.MaxLiveHolds,
		TTL:           e.cfg.HoldTTL,
		Now:           e.Now(),
		AllowRostered: in.AllowRostered,
		Idem:          idem,
	}
	if in.Address != "" {
		ceiling := e.cfg.MaxAddressHolds > 0
		if ceiling {
			req.AddressKey, req.MaxAddressHolds = in.Address, e.cfg.MaxAddressHolds
		}
		if in.ClientKey == "" {
			// Nobody to cap but the address: the hold is filed under it,
			// and only its ceiling counts (or, with none, the client cap).
			req.ClientKey = "a:" + in.Address
			if ceiling {
				req.MaxLiveHolds = 0
			}
		}
	}
	h, ch, err := e.store.PlaceHold(ctx, req)
	if err != nil {
		return rdv.Hold{}, err
	}
	e.index.Apply(ch)
	return h, nil
}

// ConfirmInput is what a person sends to turn a hold into a booking.
type ConfirmInput struct {
	HoldID   string
	Patient  rdv.Patient
	Guardian *rdv.Patient // set when a parent books for a child
	BookedBy rdv.BookedBy // default self, or guardian when Guardian is set
	Channel  rdv.Channel  // default api
	// Relationship is the guardian's to the child.
	Relationship rdv.Relationship
	// WithoutCard books a walk-in seen without a health number. Only the
	// clinic's desk sets it; the public web and the API never do.
	WithoutCard bool
	// ForRequest is the appointment request an agent books for, or 0: the
	// booking and the request's new status commit together.
	ForRequest int64
	// Notify is the channels the person chose to hear on: the booking's
	// confirmation, its reminder and its notices. nil: by email when the
	// contact gave one (a confirmation is a transactional message, which
	// needs no consent), by text message only when chosen.
	Notify *rdv.Notify
	// AccountID is the signed-in patient account the booking belongs to,
	// or 0.
	AccountID int64
}

// notify returns the channels of a booking: those chosen, or by email
// when the person reached about it gave one.
func (in ConfirmInput) notify() rdv.Notify {
	if in.Notify != nil {
		return *in.Notify
	}
	a := rdv.Appointment{Patient: in.Patient, Guardian: in.Guardian}
	to, _ := a.Contact(rdv.ByEmail)
	return rdv.Notify{Email: to != ""}
}

// remindBefore is the reminder's lead handed to the store: 0 for none.
func (e *Engine) remindBefore() time.Duration { return max(e.cfg.RemindBefore, 0) }

// Confirm books the held slot for the patient. The answer carries the
// cancel token, the only time it is ever shown.
func (e *Engine) Confirm(ctx context.Context, in ConfirmInput, idem *rdv.IdemKey) (rdv.Appointment, error) {
	now := e.Now()
	if in.HoldID == "" {
		return rdv.Appointment{}, rdv.FieldError("hold_id", "hold_id is required")
	}
	sl, err := e.heldSlot(ctx, in.HoldID)
	if err != nil {
		return rdv.Appointment{}, err
	}
	people := rdv.BookingPeople{Patient: in.Patient, Guardian: in.Guardian, Relationship: in.Relationship, WithoutCard: in.WithoutCard}
	card, err := people.Validate(sl, now)
	if err != nil {
		return rdv.Appointment{}, err
	}
	in.Patient = people.Patient
	if in.Notify != nil {
		if err := (rdv.Appointment{Patient: in.Patient, Guardian: in.Guardian, Notify: *in.Notify}).CheckChannels(); err != nil {
			return rdv.Appointment{}, err
		}
	}
	if in.Guardian == nil {
		in.Relationship = ""
	} else if in.BookedBy == "" {
		in.BookedBy = rdv.ByGuardian
	}
	if in.BookedBy == "" {
		in.BookedBy = rdv.BySelf
	}
	if in.Channel == "" {
		in.Channel = rdv.API
	}
	token := auth.RandomToken(24)
	a, ch, err := e.store.ConfirmHold(ctx, rdv.ConfirmRequest{
		HoldID:          in.HoldID,
		Patient:         in.Patient,
		Guardian:        in.Guardian,
		Relationship:    in.Relationship,
		Card:            card,
		BookedBy:        in.BookedBy,
		Channel:         in.Channel,
		CancelToken:     token,
		CancelTokenHash: auth.HashToken(token),
		Now:             now,
		Idem:            idem,
		ForRequest:      in.ForRequest,
		Notify:          in.notify(),
		RemindBefore:    e.remindBefore(),
		AccountID:       in.AccountID,
	})
	if err != nil {
		return rdv.Appointment{}, err
	}
	e.index.Apply(ch)
	return a, nil
}

// heldSlot returns the slot of a hold, whatever the hold's state: the
// rules of who may book depend on its service and day. A slot's service
// and start never change, so the store's transaction need not read them
// again; it alone decides whether the hold is still live.
func (e *Engine) heldSlot(ctx context.Context, holdID string) (rdv.Slot, error) {
	h, err := e.store.Hold(ctx, holdID)
	if err != nil {
		return rdv.Slot{}, fmt.Errorf("hold %s: %w", holdID, err)
	}
	sl, err := e.store.Slot(ctx, h.SlotID)
	if err != nil {
		return rdv.Slot{}, fmt.Errorf("slot of hold %s: %w", holdID, err)
	}
	return sl, nil
}

// Cancel cancels an appointment with the token given at confirmation.
func (e *Engine) Cancel(ctx context.Context, id int64, token string, idem *rdv.IdemKey) (rdv.Appointment, error) {
	if token == "" {
		return rdv.Appointment{}, rdv.FieldError("token", "token is required")
	}
	a, ch, err := e.store.Cancel(ctx, rdv.CancelRequest{AppointmentID: id, TokenHash: auth.HashToken(token), Now: e.Now(), Idem: idem})
	if err != nil {
		return rdv.Appointment{}, err
	}
	e.index.Apply(ch)
	return a, nil
}

// Reschedule moves an appointment to the slot of a live hold in one
// transaction: the new slot is booked and the old one freed together.
func (e *Engine) Reschedule(ctx context.Context, id int64, token, holdID string, idem *rdv.IdemKey) (rdv.Appointment, error) {
	switch {
	case token == "":
		return rdv.Appointment{}, rdv.FieldError("token", "token is required")
	case holdID == "":
		return rdv.Appointment{}, rdv.FieldError("hold_id", "hold_id is required")
	}
	return e.reschedule(ctx, rdv.RescheduleRequest{AppointmentID: id, TokenHash: auth.HashToken(token), Token: token, HoldID: holdID, Idem: idem})
}

// reschedule moves an appointment as r asks, at the engine's time, with
// a new reminder.
func (e *Engine) reschedule(ctx context.Context, r rdv.RescheduleRequest) (rdv.Appointment, error) {
	r.Now, r.RemindBefore = e.Now(), e.remindBefore()
	a, ch, err := e.store.Reschedule(ctx, r)
	if err != nil {
		return rdv.Appointment{}, err
	}
	e.index.Apply(ch)
	return a, nil
}

// Appointment returns an appointment to the holder of its token. A wrong
// token reads as not found, so that tokens cannot be tested against IDs.
func (e *Engine) Appointment(ctx context.Context, id int64, token string) (rdv.Appointment, error) {
	if token == "" {
		return rdv.Appointment{}, rdv.Errorf(rdv.ENOTFOUND, "appointment %d", id)
	}
	return e.store.AppointmentByToken(ctx, id, auth.HashToken(token))
}
