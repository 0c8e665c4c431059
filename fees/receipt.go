package fees

import (
	"fmt"
	"strings"
	"time"

	"rdv"
	"rdv/i18n"
)

// Receipt is what a person reads of a fee taken or given back: a title,
// labelled lines (the request, the date, the fee, each tax, the total,
// the platform's tax numbers) and a closing note, all in one language.
// Messages write it as Text; pages lay its lines out as they like.
type Receipt struct {
	Lang  string
	Site  string // the platform's name
	Title string
	Lines []ReceiptLine
	Note  string
}

// ReceiptLine is one labelled line of a receipt.
type ReceiptLine struct {
	Label, Value string
}

// NewReceipt writes the receipt of movement m (rdv.MoveCapture or
// rdv.MoveRefund) of fee c in lang, with the platform's tax numbers from
// cfg. A fee never captured has no receipt, nor one never refunded a
// refund's: that is an error.
func NewReceipt(c rdv.Charge, m rdv.ChargeMove, cfg rdv.FeeConfig, lang string) (Receipt, error) {
	var at time.Time
	switch m {
	case rdv.MoveCapture:
		at = c.CapturedAt
	case rdv.MoveRefund:
		at = c.RefundedAt
	default:
		return Receipt{}, fmt.Errorf("no receipt for a %s", m)
	}
	if at.IsZero() {
		return Receipt{}, fmt.Errorf("receipt of the %s of request %s: the fee is %s", m, c.Reference, c.Status)
	}
	money := func(cents int64) string { return i18n.FormatMoney(cents, lang) }
	r := Receipt{
		Lang:  lang,
		Site:  i18n.T(lang, "fees.site"),
		Title: i18n.T(lang, "fees.receipt."+string(m)+".title"),
		Lines: []ReceiptLine{
			{i18n.T(lang, "fees.receipt.request"), c.Reference},
			{i18n.T(lang, "fees.receipt."+string(m)+".date"), i18n.FormatFullDateTime(at, lang)},
			{i18n.T(lang, "fees.receipt.fee"), money(c.FeeCents)},
			{i18n.T(lang, "fees.receipt.gst", i18n.FormatRate(rdv.GSTRate, lang)), money(c.GSTCents)},
			{i18n.T(lang, "fees.receipt.qst", i18n.FormatRate(rdv.QSTRate, lang)), money(c.QSTCents)},
			{i18n.T(lang, "fees.receipt."+string(m)+".total"), money(c.TotalCents)},
		},
		Note: i18n.T(lang, "fees.receipt."+string(m)+".note"),
	}
	if cfg.GSTNumber != "" {
		r.Lines = append(r.Lines, ReceiptLine{i18n.T(lang, "fees.receipt.gst_number"), cfg.GSTNumber})
	}
	if cfg.QSTNumber != "" {
		r.Lines = append(r.Lines, ReceiptLine{i18n.T(lang, "fees.receipt.qst_number"), cfg.QSTNumber})
	}
	return r, nil
}

// Text writes the receipt as plain text, for an email or a download: the
// platform's name, the title, one line per entry, the note.
func (r Receipt) Text() string {
	var b strings.Builder
	b.WriteString(r.Site + "\n" + r.Title + "\n\n")
	for _, l := range r.Lines {
		b.WriteString(i18n.T(r.Lang, "fees.detail", l.Label, l.Value) + "\n")
	}
	b.WriteString("\n" + r.Note + "\n")
	return b.String()
}
