package web

import (
	"errors"
	"net/http"

	"rdv"
	"rdv/fees"
)

// The payment of a request's finder fee on the form: the field takes the
// opaque token that the payment provider's own form gives (no card data
// ever reaches the platform), handed to the provider once before the
// request is spooled (rdv/fees' Acceptor) and never kept. With the
// built-in provider (development), any token that is not a card number
// is taken, and fees.DeclineToken is refused.

// paymentField is the form's field of the payment token, and the field
// of the errors that refuse a payment.
const paymentField = "payment"

// paymentRefusal returns the text key of an error that refuses the
// request's payment, said by the form's payment field; false for any
// other error.
func paymentRefusal(err error) (string, bool) {
	if rdv.ErrorField(err) != paymentField {
		return "", false
	}
	switch {
	case errors.Is(err, fees.ErrPaymentNeeded):
		return "req.err.payment_needed", true
	case errors.Is(err, fees.ErrDeclined):
		return "req.err.payment_declined", true
	case rdv.ErrorCode(err) == rdv.EUNAVAILABLE:
		return "req.err.payment_unavailable", true
	}
	return "req.err.payment", true
}

// feeReceipt is the receipt of a request's fee as it stands, in lang:
// the fee taken (an accepted proposal), or given back (the clinic
// cancelled); nil while nothing was taken, or for a request without a
// fee. The page shows what the receipt's message said.
func (s *Server) feeReceipt(r *http.Request, requestID int64, lang string) *fees.Receipt {
	c, err := s.d.Store.Charge(r.Context(), requestID)
	if err != nil {
		if !rdv.IsNoCharge(err) {
			s.log.WarnContext(r.Context(), "fee of a request unread", "err", err)
		}
		return nil
	}
	m := rdv.MoveCapture
	switch c.Status {
	case rdv.ChargeCaptured:
	case rdv.ChargeRefunded:
		m = rdv.MoveRefund
	default:
		return nil
	}
	rec, err := fees.NewReceipt(c, m, s.d.Fee, lang)
	if err != nil {
		s.log.WarnContext(r.Context(), "receipt of a request's fee", "err", err)
		return nil
	}
	return &rec
}
