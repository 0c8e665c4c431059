package api

import (
	"net/http"
	"strings"

	"rdv"
	"rdv/i18n"
)

// The finder fee of a request, as the API takes and shows it. POST
// /api/v1/requests takes payment_token, the token of the payment
// provider's own form (never card data), which rdv/fees hands to the
// provider once before the request is spooled; a request of scope
// network without it, or whose payment is refused, is refused on the
// field payment_token and never filed. The request then shows its fee.

// feeView is a request's fee: its total with taxes, and where it stands
// (authorized, captured, voided, refunded).
type feeView struct {
	AmountCents int64  `json:"amount_cents"`
	Currency    string `json:"currency"`
	Status      string `json:"status"`
}

// requestFee reads the fee of a request; nil for one without a fee.
func (s *server) requestFee(r *http.Request, requestID int64) (*feeView, error) {
	c, err := s.Store.Charge(r.Context(), requestID)
	switch {
	case rdv.IsNoCharge(err):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return &feeView{AmountCents: c.TotalCents, Currency: c.Currency, Status: string(c.Status)}, nil
}

// maxPaymentToken bounds a payment token, in bytes: providers' tokens
// are tens of characters.
const maxPaymentToken = 500

// paymentToken reads the body's payment token.
func paymentToken(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > maxPaymentToken {
		return "", rdv.FieldError("payment_token", "payment token longer than %d bytes", maxPaymentToken)
	}
	return s, rdv.CheckText("payment_token", s)
}

// paymentError names the field of the body that a refused payment is
// about: the fees' errors say "payment", the body "payment_token".
func paymentError(err error) error {
	if rdv.ErrorField(err) != "payment" {
		return err
	}
	return &rdv.Error{Code: rdv.ErrorCode(err), Field: "payment_token", Detail: err.Error(), Err: err}
}

func init() {
	i18n.Add(i18n.Catalog{
		"api.field.payment_token": {"Le jeton de paiement (payment_token)", "payment token (payment_token)"},
		"api.reason.payment_needed": {"Une demande dans tout le réseau (scope network) demande un paiement : payment_token, le jeton que donne le formulaire de notre fournisseur de paiement. La demande à sa propre clinique (own_clinic) est gratuite.",
			"A request across the network (scope network) needs a payment: payment_token, the token that our payment provider's form gives. A request to one's own clinic (own_clinic) is free."},
		"api.reason.payment_declined": {"Le paiement a été refusé : rien n'a été pris, et la demande n'est pas enregistrée. Essayez un autre moyen de paiement.",
			"The payment was declined: nothing was taken, and the request is not filed. Try another payment method."},
	})
}
