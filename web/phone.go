package web

import "rdv"

// Phone writes a stored phone number (E.164) as people read it, for the
// pages; links (tel:) keep the stored form, which every phone dials.
func (p *page) Phone(number string) string { return rdv.FormatPhone(number) }
