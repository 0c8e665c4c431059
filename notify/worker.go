package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"rdv"
	"rdv/fees"
)

// recordTimeout bounds the write of an attempt's outcome. It runs apart
// from the job's context: a message that left is recorded even when River
// is cancelling the job.
const recordTimeout = 10 * time.Second

// deliverWorker sends the message of a DeliverArgs job.
type deliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	n *Notifier
}

// Work runs one attempt at a message. It returns an error only for an
// attempt that surely left nothing and may be tried again: River then
// retries it with backoff. Every other outcome is the store's record, and
// the job is done.
func (w *deliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	n := w.n
	id := job.Args.MessageID
	log := n.cfg.Log.With("message", id, "attempt", job.Attempt)
	prev, err := n.cfg.Store.BeginSend(ctx, id, n.cfg.Now())
	switch {
	case rdv.ErrorCode(err) == rdv.ENOTFOUND:
		log.Warn("delivery job for no message")
		return nil
	case err != nil:
		return fmt.Errorf("message %d: begin attempt: %w", id, err)
	}
	log = log.With("kind", prev.Kind, "channel", prev.Channel)
	switch prev.Status {
	case rdv.MessageQueued:
	case rdv.MessageSending:
		// The attempt that marked it sending never recorded its outcome:
		// its process stopped while the message may have left. BeginSend
		// has marked it uncertain; sending it again could send it twice.
		log.Warn("message cut off mid-send: uncertain, not sent again")
		return nil
	default:
		// Already settled: a job made again after a dispatcher's crash, or
		// a retry after the outcome was recorded.
		return nil
	}
	// River runs a job once more than the attempts a message gets, so
	// that a job whose last attempt a crash cut off runs again to find it
	// uncertain.
	last := job.Attempt >= job.MaxAttempts-1
	o, retry := w.attempt(ctx, prev, last)
	o.Now = n.cfg.Now()
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := n.cfg.Store.FinishSend(rctx, id, o); err != nil {
		// The message stays sending: if this job runs again, it becomes
		// uncertain, which is true.
		log.Error("record a delivery's outcome", "status", o.Status, "err", err)
		return fmt.Errorf("message %d: record outcome %s: %w", id, o.Status, err)
	}
	// Why it did not leave stays in the store's record, for operators:
	// a server's answer may name the recipient, which logs must not.
	switch o.Status {
	case rdv.MessageSent:
		log.Debug("message sent")
	case rdv.MessageQueued:
		log.Info("message not sent: will retry")
	default:
		log.Warn("message not sent", "status", o.Status)
	}
	if retry {
		return fmt.Errorf("message %d: not sent, retry", id)
	}
	return nil
}

// attempt renders and sends m and says how the attempt ended, and whether
// River should try it again.
func (w *deliverWorker) attempt(ctx context.Context, m rdv.Message, last bool) (o rdv.SendOutcome, retry bool) {
	n := w.n
	transient := func(err error) (rdv.SendOutcome, bool) {
		if last {
			return rdv.SendOutcome{Status: rdv.MessageFailed, Error: err.Error()}, false
		}
		return rdv.SendOutcome{Status: rdv.MessageQueued, Error: err.Error()}, true
	}
	f, err := n.facts(ctx, m)
	switch {
	case errors.Is(err, errStale):
		return rdv.SendOutcome{Status: rdv.MessageSkipped, Error: err.Error()}, false
	case rdv.ErrorCode(err) == rdv.ENOTFOUND:
		return rdv.SendOutcome{Status: rdv.MessageFailed, Error: err.Error()}, false
	case err != nil:
		return transient(err)
	}
	e, err := Render(m, f)
	if err != nil {
		// Rendering again renders the same: a defect, not a hiccup.
		return rdv.SendOutcome{Status: rdv.MessageFailed, Error: "render: " + err.Error()}, false
	}
	s := n.cfg.Senders[m.Channel]
	if s == nil {
		return rdv.SendOutcome{Status: rdv.MessageFailed, Error: fmt.Sprintf("no sender for %s", m.Channel)}, false
	}
	switch r, err := n.cfg.Store.RefusedDestination(ctx, m.Channel, m.To); {
	case err == nil:
		// Refused for good already: the server would refuse it again.
		return rdv.SendOutcome{Status: rdv.MessageBounced, Error: "address refused on " + r.RefusedAt.In(rdv.Toronto).Format("2006-01-02 15:04")}, false
	case rdv.ErrorCode(err) != rdv.ENOTFOUND:
		return transient(err)
	}
	if _, ok := s.(keep); ok {
		// Nothing leaves the platform: the record is the message's only
		// copy, and what a newcomer reads to sign in (make run). It keeps
		// the secret, or the sign-in code would be nowhere.
		return rdv.SendOutcome{Status: rdv.MessageKept, Subject: e.Subject, Body: e.Text}, false
	}
	o = rdv.SendOutcome{Subject: withoutSecret(e.Subject, m.Secret), Body: withoutSecret(e.Text, m.Secret)}
	err = s.Send(ctx, e)
	switch {
	case err == nil:
		o.Status = rdv.MessageSent
		return o, false
	case errors.Is(err, ErrRejected):
		o.Status, o.Error = rdv.MessageBounced, err.Error()
		return o, false
	case errors.Is(err, ErrMaybeSent):
		o.Status, o.Error = rdv.MessageUncertain, err.Error()
		return o, false
	}
	return transient(err)
}

// hiddenSecret stands for a message's secret in the record of what it
// said.
const hiddenSecret = "•••"

// withoutSecret is a message's text as the store records it: the secret
// (a sign-in code, the token in the appointment's link) opens something
// to whoever reads it, and the store keeps it nowhere once the message
// has left.
func withoutSecret(text, secret string) string {
	if secret == "" {
		return text
	}
	return strings.ReplaceAll(text, secret, hiddenSecret)
}

// errStale is the reason a message is no longer true: it is skipped.
var errStale = errors.New("no longer true")

// tellsBooked lists the kinds that tell the patient to come: once the
// appointment is cancelled they are no longer true. Jobs run in no set
// order, so one of them held back (a mail server down for a while) could
// otherwise reach the patient after the cancellation.
var tellsBooked = map[rdv.MessageKind]bool{
	rdv.MessageConfirmed: true, rdv.MessageRescheduled: true, rdv.MessageReminder: true,
}

// proposalFacts gathers the proposal a message offers, its request, and
// the slot's clinic and practitioner. A proposal no longer live (answered,
// withdrawn, run out) is stale: its message would ask for an answer that
// can no longer be given.
func (n *Notifier) proposalFacts(ctx context.Context, m rdv.Message, f *Facts) error {
	p, err := n.cfg.Store.Proposal(ctx, m.ProposalID)
	if err != nil {
		return fmt.Errorf("proposal %s: %w", m.ProposalID, err)
	}
	switch {
	case p.Status != rdv.ProposalLive:
		return fmt.Errorf("proposal %s: %w", p.Status, errStale)
	case !f.Now.Before(p.ExpiresAt):
		return fmt.Errorf("proposal ran out: %w", errStale)
	}
	r, err := n.cfg.Store.Request(ctx, p.RequestID)
	if err != nil {
		return fmt.Errorf("request %d: %w", p.RequestID, err)
	}
	f.Proposal, f.Request = &p, &r
	c, err := n.dir.clinic(ctx, p.Slot.ClinicID)
	if err != nil {
		return err
	}
	f.Clinic = &c
	f.Practitioner, err = n.dir.practitioner(ctx, p.Slot.PractitionerID)
	return err
}

// receiptOf is the movement of a fee whose receipt each kind carries.
var receiptOf = map[rdv.MessageKind]rdv.ChargeMove{
	rdv.MessageReceipt:       rdv.MoveCapture,
	rdv.MessageRefundReceipt: rdv.MoveRefund,
}

// facts gathers what rendering m needs, as it stands now. A message that
// tells the patient to come is stale once the appointment is cancelled,
// and a reminder once it was moved or has begun.
func (n *Notifier) facts(ctx context.Context, m rdv.Message) (Facts, error) {
	f := Facts{Links: n.cfg.Links, Now: n.cfg.Now()}
	if m.AppointmentID != 0 {
		a, err := n.cfg.Store.Appointment(ctx, m.AppointmentID)
		if err != nil {
			return f, fmt.Errorf("appointment %d: %w", m.AppointmentID, err)
		}
		if a.Status == rdv.Cancelled && tellsBooked[m.Kind] {
			return f, fmt.Errorf("%s of a cancelled appointment: %w", m.Kind, errStale)
		}
		if m.Kind == rdv.MessageReminder {
			switch {
			case a.Revision != m.Revision:
				return f, fmt.Errorf("reminder of an appointment changed since: %w", errStale)
			case !f.Now.Before(a.Slot.Start):
				return f, fmt.Errorf("reminder of an appointment already begun: %w", errStale)
			}
		}
		f.Appointment = &a
		c, err := n.dir.clinic(ctx, a.Slot.ClinicID)
		if err != nil {
			return f, err
		}
		f.Clinic = &c
		if f.Practitioner, err = n.dir.practitioner(ctx, a.Slot.PractitionerID); err != nil {
			return f, err
		}
	}
	if m.ProposalID != "" {
		if err := n.proposalFacts(ctx, m, &f); err != nil {
			return f, err
		}
	}
	if move, ok := receiptOf[m.Kind]; ok {
		// The fee as the store records it, read when the message leaves:
		// the capture's receipt stands whatever came after (the refund
		// has its own).
		c, err := n.cfg.Store.AppointmentCharge(ctx, m.AppointmentID)
		if err != nil {
			return f, fmt.Errorf("fee of appointment %d: %w", m.AppointmentID, err)
		}
		r, err := fees.NewReceipt(c, move, n.cfg.Fee, m.Language)
		if err != nil {
			return f, err
		}
		f.Receipt = &r
	}
	if m.IncidentID != 0 {
		in, err := n.dir.incident(ctx, m.IncidentID)
		if err != nil {
			return f, err
		}
		f.Incident = &in
	}
	return f, nil
}
