package rdv

// FormatPhone writes a phone number the way people in Québec read it
// (514 555-0123): stores keep phones in E.164 (+15145550123), the form
// text messages go to, which people do not read easily. A number that is
// not a North American one (a row written before phones were
// normalised, say) is returned as it is, so that nothing is lost.
func FormatPhone(s string) string {
	n, ok := NormalizePhone(s)
	if !ok {
		return s
	}
	d := n[2:] // the ten digits after +1
	return d[:3] + " " + d[3:6] + "-" + d[6:]
}
