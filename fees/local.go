package fees

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"

	"rdv"
)

// Local is the built-in provider, for development and tests: it moves no
// real money, and keeps in memory a ledger of what it was asked, as a
// real provider's dashboard would show it. It behaves as a provider
// must: idempotent on keys, refusing movements that an authorisation's
// state does not allow and amounts other than the one authorised, and
// refusing card data outright.
//
// Its memory starts empty at each start, while the platform's ledger
// lasts: a movement on one of its authorisations that it no longer knows
// (made before a restart) is taken as valid.
type Local struct {
	mu      sync.Mutex
	byKey   map[string]LocalEntry
	auths   map[string]*localAuth
	entries []LocalEntry
}

// LocalEntry is one movement that Local made.
type LocalEntry struct {
	Ref              string
	Key              string
	Move             rdv.ChargeMove
	AuthorizationRef string // the authorisation moved ("" for an authorisation)
	AmountCents      int64
	Currency         string
}

type localAuth struct {
	status rdv.ChargeStatus
	amount int64
}

// DeclineToken is the payment token that Local declines, for tests and
// demonstrations of a refused payment.
const DeclineToken = "local-decline"

// NewLocal returns a local provider with an empty ledger.
func NewLocal() *Local {
	return &Local{byKey: map[string]LocalEntry{}, auths: map[string]*localAuth{}}
}

var _ Provider = (*Local)(nil)

// Authorize reserves nothing and answers as a provider would.
func (l *Local) Authorize(_ context.Context, a Authorization) (string, error) {
	switch {
	case a.Key == "":
		return "", rdv.FieldError("key", "idempotency key missing")
	case a.PaymentToken == "":
		return "", rdv.FieldError("payment", "payment token missing")
	case looksLikeCard(a.PaymentToken):
		// Whoever sent it is wrong, whatever else it sent: the platform
		// never takes card data, and Local never keeps a token anyway.
		return "", rdv.FieldError("payment", "a card number was sent instead of a payment token: card data never reaches the platform")
	case a.PaymentToken == DeclineToken:
		return "", ErrDeclined
	case a.AmountCents <= 0 || a.Currency != rdv.FeeCurrency:
		return "", rdv.FieldError("amount", "amount %d %s", a.AmountCents, a.Currency)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e := LocalEntry{Ref: localRef(a.Key), Key: a.Key, Move: rdv.MoveAuthorize, AmountCents: a.AmountCents, Currency: a.Currency}
	if done, ok := l.byKey[a.Key]; ok {
		return l.replay(done, e)
	}
	l.auths[e.Ref] = &localAuth{status: rdv.ChargeAuthorized, amount: a.AmountCents}
	l.record(e)
	return e.Ref, nil
}

// Move captures, voids or refunds one of its authorisations.
func (l *Local) Move(_ context.Context, m Movement) (string, error) {
	if m.Key == "" {
		return "", rdv.FieldError("key", "idempotency key missing")
	}
	if _, ok := chargeMoved[m.Move]; !ok {
		return "", rdv.FieldError("move", "unknown movement %q", m.Move)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e := LocalEntry{Ref: localRef(m.Key), Key: m.Key, Move: m.Move, AuthorizationRef: m.AuthorizationRef, AmountCents: m.AmountCents, Currency: m.Currency}
	if done, ok := l.byKey[m.Key]; ok {
		return l.replay(done, e)
	}
	auth, ok := l.auths[m.AuthorizationRef]
	switch {
	case ok:
		to, err := rdv.ChargeTransition(0, auth.status, m.Move)
		if err != nil {
			return "", rdv.Errorf(rdv.ECONFLICT, "cannot %s authorisation %s: it is %s", m.Move, m.AuthorizationRef, auth.status)
		}
		if m.AmountCents != auth.amount || m.Currency != rdv.FeeCurrency {
			return "", rdv.FieldError("amount", "%s of %d %s on an authorisation of %d", m.Move, m.AmountCents, m.Currency, auth.amount)
		}
		auth.status = to
	case strings.HasPrefix(m.AuthorizationRef, localPrefix):
		// One of its own from before a restart: as the platform says.
		l.auths[m.AuthorizationRef] = &localAuth{status: chargeMoved[m.Move], amount: m.AmountCents}
	default:
		return "", rdv.Errorf(rdv.ENOTFOUND, "no authorisation %q", m.AuthorizationRef)
	}
	l.record(e)
	return e.Ref, nil
}

// chargeMoved is the state each movement leaves an authorisation in.
var chargeMoved = map[rdv.ChargeMove]rdv.ChargeStatus{
	rdv.MoveCapture: rdv.ChargeCaptured,
	rdv.MoveVoid:    rdv.ChargeVoided,
	rdv.MoveRefund:  rdv.ChargeRefunded,
}

// replay answers a key used before: with the first answer if the call is
// the same, and refuses another call under the same key.
func (l *Local) replay(done, again LocalEntry) (string, error) {
	if done != again {
		return "", rdv.Errorf(rdv.EIDEMPOTENCY, "key %s reused for another movement", again.Key)
	}
	return done.Ref, nil
}

func (l *Local) record(e LocalEntry) {
	l.byKey[e.Key] = e
	l.entries = append(l.entries, e)
}

// Entries returns the movements Local made, in order.
func (l *Local) Entries() []LocalEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]LocalEntry(nil), l.entries...)
}

const localPrefix = "local_"

// localRef is the reference of the movement with key: derived from the
// key, so that a retry after a restart gets the same one.
func localRef(key string) string {
	sum := sha256.Sum256([]byte(key))
	return localPrefix + hex.EncodeToString(sum[:10])
}

// looksLikeCard reports whether s reads as a payment card number: 12 to
// 19 digits, with spaces or dashes between groups, whose Luhn check
// digit holds.
func looksLikeCard(s string) bool {
	var digits []int
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, int(r-'0'))
		case r == ' ' || r == '-':
		default:
			return false
		}
	}
	if len(digits) < 12 || len(digits) > 19 {
		return false
	}
	sum := 0
	for i := range digits {
		d := digits[len(digits)-1-i]
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}
