package rdv

import (
	"context"
	"fmt"
	"time"
)

// The finder fee: what a patient pays for the platform to watch the
// network for an appointment (a request of scope "network"; one's own
// clinic is free). It is authorised when the request is made, captured
// only when a proposal is accepted, voided when the request expires, is
// withdrawn or ends otherwise (an agent closes it, or books for it by
// phone), and refunded when the clinic cancels the appointment booked; a
// patient who cancels it gets nothing back, the finding having happened.
// Money is integer cents throughout: no float ever holds an amount.

// Tax rates in parts per 100,000, so that Québec's QST (9.975 %) is an
// integer: the GST is 5 %, the QST 9.975 %, each charged on the fee alone
// (the QST is not charged on the GST since 2013).
const (
	GSTRate  = 5_000
	QSTRate  = 9_975
	RateUnit = 100_000 // a rate of RateUnit is 100 %
)

// DefaultFeeCents is the finder fee when none is configured: 19.99 $.
const DefaultFeeCents = 1999

// MaxFeeCents bounds a configured fee (1,000 $): a fee above it is a
// typing error, and the bound keeps every product of cents and rate far
// from overflowing.
const MaxFeeCents = 100_000

// FeeCurrency is the only currency of fees: the taxes shown are Québec's.
const FeeCurrency = "CAD"

// FeeConfig is the finder fee the platform charges, configurable at start.
type FeeConfig struct {
	AmountCents int64 // before taxes
	// GSTNumber and QSTNumber are the platform's tax registrations,
	// printed on receipts when set.
	GSTNumber string
	QSTNumber string
}

// DefaultFeeConfig is the fee of a platform configured with nothing.
func DefaultFeeConfig() FeeConfig { return FeeConfig{AmountCents: DefaultFeeCents} }

// Validate refuses a fee that is not a positive amount up to MaxFeeCents.
// A free request is one without a fee, not a fee of zero.
func (c FeeConfig) Validate() error {
	if c.AmountCents <= 0 || c.AmountCents > MaxFeeCents {
		return FieldError("fee", "fee of %d cents, want 1 to %d", c.AmountCents, MaxFeeCents)
	}
	return nil
}

// FeeQuote is a fee with its taxes, as a receipt shows it.
type FeeQuote struct {
	FeeCents   int64
	GSTCents   int64
	QSTCents   int64
	TotalCents int64 // FeeCents + GSTCents + QSTCents
	Currency   string
}

// Quote returns the configured fee with its taxes.
func (c FeeConfig) Quote() FeeQuote { return QuoteFee(c.AmountCents) }

// QuoteFee computes the taxes on a fee of feeCents (not negative). Each
// tax is computed on the fee and rounded to the cent half up (a half cent
// or more rounds up), as Revenu Québec asks for each tax of a sale; the
// total is the fee plus the rounded taxes, so that the lines of a receipt
// always add up. 19.99 $ gives 1.00 $ GST (99.95 ¢ rounds up) and 1.99 $
// QST (199.400… ¢ rounds down): 22.98 $.
func QuoteFee(feeCents int64) FeeQuote {
	gst, qst := TaxCents(feeCents, GSTRate), TaxCents(feeCents, QSTRate)
	return FeeQuote{FeeCents: feeCents, GSTCents: gst, QSTCents: qst, TotalCents: feeCents + gst + qst, Currency: FeeCurrency}
}

// TaxCents is the tax at rate (parts per RateUnit) on amountCents (not
// negative), rounded half up to the cent.
func TaxCents(amountCents, rate int64) int64 {
	return (amountCents*rate + RateUnit/2) / RateUnit
}

// ChargeStatus is where a fee stands, as the API shows it
// (fee.status).
type ChargeStatus string

// Charge statuses. A charge is authorised first, then either captured or
// voided; only a captured one can be refunded. None goes back.
const (
	ChargeAuthorized ChargeStatus = "authorized" // reserved on the patient's payment method, not taken
	ChargeCaptured   ChargeStatus = "captured"   // taken: a proposal was accepted
	ChargeVoided     ChargeStatus = "voided"     // released untaken: the request expired or was withdrawn
	ChargeRefunded   ChargeStatus = "refunded"   // given back: the clinic cancelled
)

// ChargeMove is one movement of a fee: each happens at most once per
// charge.
type ChargeMove string

// Movements.
const (
	MoveAuthorize ChargeMove = "authorize"
	MoveCapture   ChargeMove = "capture"
	MoveVoid      ChargeMove = "void"
	MoveRefund    ChargeMove = "refund"
)

// ChargeMoves are the movements in the order of a fee's life.
var ChargeMoves = []ChargeMove{MoveAuthorize, MoveCapture, MoveVoid, MoveRefund}

// chargeTransitions are the legal movements of a charge in each status
// and the status each leads to; authorising creates the charge.
var chargeTransitions = map[ChargeStatus]map[ChargeMove]ChargeStatus{
	ChargeAuthorized: {MoveCapture: ChargeCaptured, MoveVoid: ChargeVoided},
	ChargeCaptured:   {MoveRefund: ChargeRefunded},
}

// ChargeTransition returns the status that a charge of request requestID
// in status from takes after move m, or ErrChargeState when m is not
// allowed from there (a capture of a voided charge, a refund of one never
// captured). Stores call it so that they refuse the same movements, once
// they have found that the movement was not already made (a retry, which
// changes nothing).
func ChargeTransition(requestID int64, from ChargeStatus, m ChargeMove) (ChargeStatus, error) {
	if to, ok := chargeTransitions[from][m]; ok {
		return to, nil
	}
	return "", ErrChargeState(requestID, from, m)
}

// ErrChargeState is the error of a movement that a charge's status does
// not allow: a conflict on the field "fee".
func ErrChargeState(requestID int64, from ChargeStatus, m ChargeMove) error {
	return &Error{Code: ECONFLICT, Field: "fee", Detail: fmt.Sprintf("cannot %s the fee of request %d: it is %s", m, requestID, from)}
}

// ErrNoCharge is the error of a movement on a request that has no fee
// (ENOTFOUND, field "fee").
func ErrNoCharge(requestID int64) error {
	return &Error{Code: ENOTFOUND, Field: "fee", Detail: fmt.Sprintf("request %d has no fee", requestID)}
}

// ErrNoAppointmentCharge is ErrNoCharge for the request an appointment
// was booked for: none, or one without a fee.
func ErrNoAppointmentCharge(appointmentID int64) error {
	return &Error{Code: ENOTFOUND, Field: "fee", Detail: fmt.Sprintf("appointment %d was booked for no fee", appointmentID)}
}

// IsNoCharge reports whether err is ErrNoCharge: a movement asked of a
// request without a fee. A write that moves the fee of any request it
// ends (a free one as well) skips the movement on it:
//
//	if _, err := voidCharge(tx, id, now); err != nil && !rdv.IsNoCharge(err) {
//		return err
//	}
func IsNoCharge(err error) bool { return ErrorCode(err) == ENOTFOUND && ErrorField(err) == "fee" }

// MovementKey is the idempotency key of move m on the fee of the request
// with reference ref: the same for every attempt, so that a retry after a
// crash (of the platform or of the provider's answer) is recognised by the
// store's unique index and by the provider, and never moves money twice.
// References are random and unique across databases, so keys of two
// platforms sharing one provider account never meet.
func MovementKey(ref string, m ChargeMove) string { return "rdv-fee-" + ref + "-" + string(m) }

// Charge is the finder fee of one request: at most one per request.
type Charge struct {
	ID        int64
	RequestID int64
	Reference string // the request's, for receipts and operators
	FeeQuote
	Status ChargeStatus
	// ProviderRef is the payment provider's reference of the
	// authorisation, which every later movement names.
	ProviderRef  string
	AuthorizedAt time.Time
	CapturedAt   time.Time // zero until captured
	VoidedAt     time.Time // zero unless voided
	RefundedAt   time.Time // zero unless refunded
}

// LedgerEntry is one movement of one fee: every authorisation, capture,
// void and refund is a row, written in the transaction that changes the
// charge's status, and never changed after but for the provider's
// acknowledgement (ProviderRef, SettledAt).
//
// Amounts are signed, in two columns of the total (fee and taxes):
// HeldCents moves the money reserved on patients' payment methods and
// PaidCents the money taken from them.
//
//	authorize  held +total  paid 0
//	capture    held −total  paid +total
//	void       held −total  paid 0
//	refund     held 0       paid −total
//
// The ledger balances when, per charge, the sum of PaidCents is what the
// patient finally paid (the total if captured, else 0) and the sum of
// HeldCents what is still reserved (the total if authorised, else 0);
// overall, then, captured − refunded = Σ PaidCents = the revenue (fees and
// taxes collected), and everything authorised is either still open,
// captured or voided. LedgerSummary checks both against the charges.
type LedgerEntry struct {
	ID        int64
	ChargeID  int64
	RequestID int64
	Reference string // the request's
	Move      ChargeMove
	HeldCents int64
	PaidCents int64
	Currency  string
	Key       string // MovementKey: the provider's idempotency key
	At        time.Time
	// ProviderRef is the provider's reference of the movement and
	// SettledAt when the provider acknowledged it; both empty while the
	// provider has not been told (a capture committed in a booking's
	// transaction, then carried out by the provider after the commit).
	ProviderRef string
	SettledAt   time.Time
}

// MovementAmounts returns the signed amounts of move m on a fee of
// totalCents (see LedgerEntry).
func MovementAmounts(m ChargeMove, totalCents int64) (held, paid int64) {
	switch m {
	case MoveAuthorize:
		return totalCents, 0
	case MoveCapture:
		return -totalCents, totalCents
	case MoveVoid:
		return -totalCents, 0
	case MoveRefund:
		return 0, -totalCents
	}
	return 0, 0
}

// ChargeAuthorization records a fee authorised by the payment provider.
type ChargeAuthorization struct {
	RequestID   int64
	Quote       FeeQuote
	ProviderRef string // the provider's authorisation, already obtained
	Now         time.Time
}

// Validate refuses an authorisation without a request, a provider
// reference or a positive fee whose lines add up.
func (a ChargeAuthorization) Validate() error {
	q := a.Quote
	switch {
	case a.RequestID <= 0:
		return FieldError("request", "request missing")
	case a.ProviderRef == "":
		return FieldError("fee", "provider reference missing")
	case q.FeeCents <= 0 || q.GSTCents < 0 || q.QSTCents < 0 || q.TotalCents != q.FeeCents+q.GSTCents+q.QSTCents:
		return FieldError("fee", "fee %d + GST %d + QST %d != total %d", q.FeeCents, q.GSTCents, q.QSTCents, q.TotalCents)
	case q.Currency != FeeCurrency:
		return FieldError("fee", "currency %q, want %s", q.Currency, FeeCurrency)
	case a.Now.IsZero():
		return FieldError("now", "time missing")
	}
	return nil
}

// LedgerQuery pages through the ledger, newest first: the entries before
// entry Before (0: from the newest), at most Limit of them.
type LedgerQuery struct {
	Before int64
	Limit  int
}

// MaxLedgerPage is the longest page of the ledger a store returns.
const MaxLedgerPage = 500

// PageLimit is how many entries a page holds at most: Limit, 100 when it
// is 0, and never more than MaxLedgerPage.
func (q LedgerQuery) PageLimit() int {
	switch {
	case q.Limit <= 0:
		return 100
	case q.Limit > MaxLedgerPage:
		return MaxLedgerPage
	}
	return q.Limit
}

// LedgerSummary is the ledger's totals, read in one snapshot with the
// charges' so that Balanced can check one against the other.
type LedgerSummary struct {
	Currency string
	Entries  int64
	// From the ledger: the sums of each movement's total (positive), the
	// money still held and the net taken (the signed columns' sums).
	Authorized, Captured, Voided, Refunded int64
	Held, Net                              int64
	// From the charges: how many in each status and their totals.
	Charges      map[ChargeStatus]int64
	ChargeTotals map[ChargeStatus]int64
	// The net's parts, from the charges captured and not refunded: the
	// fees and the taxes collected (to be remitted).
	NetFee, NetGST, NetQST int64
}

// Balanced reports whether the ledger agrees with itself and with the
// charges: every authorisation is open, captured or voided; the net is
// captured − refunded and equals the totals of the charges captured (and
// not refunded); the money held equals the totals of the charges still
// authorised; and the net's parts add up to it. It returns the first
// disagreement found.
func (s LedgerSummary) Balanced() (bool, string) {
	switch {
	case s.Authorized != s.Held+s.Captured+s.Voided:
		return false, fmt.Sprintf("authorized %d != open %d + captured %d + voided %d", s.Authorized, s.Held, s.Captured, s.Voided)
	case s.Net != s.Captured-s.Refunded:
		return false, fmt.Sprintf("net %d != captured %d - refunded %d", s.Net, s.Captured, s.Refunded)
	case s.Net != s.ChargeTotals[ChargeCaptured]:
		return false, fmt.Sprintf("net %d != charges captured %d", s.Net, s.ChargeTotals[ChargeCaptured])
	case s.Held != s.ChargeTotals[ChargeAuthorized]:
		return false, fmt.Sprintf("held %d != charges authorized %d", s.Held, s.ChargeTotals[ChargeAuthorized])
	case s.Net != s.NetFee+s.NetGST+s.NetQST:
		return false, fmt.Sprintf("net %d != fees %d + GST %d + QST %d", s.Net, s.NetFee, s.NetGST, s.NetQST)
	}
	return true, ""
}

// AddMovements adds to the summary the ledger's rows of one movement:
// how many, and the sums of their held and paid columns. Stores read
// these sums and the charges' in one statement, and fold them here.
func (s *LedgerSummary) AddMovements(m ChargeMove, count, held, paid int64) {
	s.Entries += count
	s.Held += held
	s.Net += paid
	switch m {
	case MoveAuthorize:
		s.Authorized += held
	case MoveCapture:
		s.Captured += paid
	case MoveVoid:
		s.Voided -= held
	case MoveRefund:
		s.Refunded -= paid
	}
}

// AddCharges adds to the summary the charges in one status: how many,
// and the sums of their totals, fees and taxes.
func (s *LedgerSummary) AddCharges(st ChargeStatus, count, total, fee, gst, qst int64) {
	if s.Charges == nil {
		s.Charges, s.ChargeTotals = map[ChargeStatus]int64{}, map[ChargeStatus]int64{}
	}
	s.Charges[st] += count
	s.ChargeTotals[st] += total
	if st == ChargeCaptured {
		s.NetFee, s.NetGST, s.NetQST = s.NetFee+fee, s.NetGST+gst, s.NetQST+qst
	}
}

// FeeStore keeps fees and their ledger. Each movement changes the
// charge's status and appends its ledger row in one transaction, refuses
// what the status does not allow (ChargeTransition), and is idempotent: a
// movement already made returns the charge as it stands and writes
// nothing. The movements that other writes make in their own transaction
// (the capture when a proposal is accepted, the refund when a clinic
// cancels) are the stores' own functions, called inside that write.
type FeeStore interface {
	// AuthorizeCharge records the fee of a request that the provider has
	// authorised. A second authorisation of the same request with the
	// same provider reference returns the stored charge; with another,
	// it is ECONFLICT. A request that does not exist is ENOTFOUND.
	AuthorizeCharge(ctx context.Context, a ChargeAuthorization) (Charge, error)
	// CaptureCharge, VoidCharge and RefundCharge make that movement on
	// the request's fee: ErrNoCharge without one, ErrChargeState when its
	// status does not allow it.
	CaptureCharge(ctx context.Context, requestID int64, now time.Time) (Charge, error)
	VoidCharge(ctx context.Context, requestID int64, now time.Time) (Charge, error)
	RefundCharge(ctx context.Context, requestID int64, now time.Time) (Charge, error)
	// Charge returns a request's fee, or ErrNoCharge.
	Charge(ctx context.Context, requestID int64) (Charge, error)
	// AppointmentCharge returns the fee of the request that appointment
	// appointmentID was booked for, or ErrNoCharge (an appointment booked
	// otherwise, or for a free request): what a receipt's message reads.
	AppointmentCharge(ctx context.Context, appointmentID int64) (Charge, error)
	// Ledger returns a page of the ledger, newest first.
	Ledger(ctx context.Context, q LedgerQuery) ([]LedgerEntry, error)
	// LedgerSummary returns the ledger's totals and the charges'.
	LedgerSummary(ctx context.Context) (LedgerSummary, error)
	// UnsettledMovements returns, oldest first, at most limit movements
	// that the provider has not acknowledged.
	UnsettledMovements(ctx context.Context, limit int) ([]LedgerEntry, error)
	// SettleMovement records the provider's acknowledgement of a
	// movement. Settling one already settled changes nothing; an unknown
	// entry is ENOTFOUND.
	SettleMovement(ctx context.Context, entryID int64, providerRef string, now time.Time) error
}

// RequestFee is a request's fee as the payment provider authorised it,
// before the request was accepted: what the platform keeps of the
// payment (the provider's reference), never the payment token.
type RequestFee struct {
	Quote        FeeQuote
	ProviderRef  string // the provider's reference of the authorisation
	AuthorizedAt time.Time
}

// Authorization is the fee as the store records it for request
// requestID.
func (f RequestFee) Authorization(requestID int64) ChargeAuthorization {
	return ChargeAuthorization{RequestID: requestID, Quote: f.Quote, ProviderRef: f.ProviderRef, Now: f.AuthorizedAt}
}

// FeeReceipts returns the message that carries the receipt of the fee
// taken for appointment a, booked by accepting a proposal: by email,
// since a receipt is a document to keep, to whom messages about a go,
// in their language; none without an email. The store writes it in the
// transaction that captures the fee (the outbox), so that every fee
// taken has its receipt, sent once.
func (a Appointment) FeeReceipts(now time.Time) []Message { return a.feeMessages(MessageReceipt, now) }

// RefundReceipts returns the message that carries the receipt of the
// fee given back when the clinic cancelled appointment a, as
// FeeReceipts; the store writes it in the transaction that refunds.
func (a Appointment) RefundReceipts(now time.Time) []Message {
	return a.feeMessages(MessageRefundReceipt, now)
}

func (a Appointment) feeMessages(kind MessageKind, now time.Time) []Message {
	to, lang := a.Contact(ByEmail)
	if to == "" {
		return nil
	}
	return []Message{{Kind: kind, Channel: ByEmail, To: to, Language: lang, AppointmentID: a.ID,
		Revision: a.Revision, DueAt: now, Status: MessageQueued, CreatedAt: now}}
}
