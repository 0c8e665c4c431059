package web

import (
	"net/http"
	"time"
)

// A request taken is answered by a redirect to its confirmation's page,
// GET /demande/envoyee (post/redirect/get): Back or a reload there never
// asks to send the request again, and the reference stays readable. The
// reference travels in a sealed cookie of that page alone, short-lived:
// the page shows it to the browser that sent the request, and to no one
// who only knows the address. (/demande/{reference} is kept for the
// request's own page.)

const (
	requestSentCookie = "rdv_demande_envoyee"
	requestSentPath   = "/demande/envoyee"
	// requestSentTTL is how long the confirmation can be read again:
	// time to note the reference, short for a shared computer.
	requestSentTTL = 15 * time.Minute
)

// requestSentData is what the confirmation shows.
type requestSentData struct {
	Reference string `json:"r"`
	// Token opens the request's page; the confirmation shows its link
	// (Link), the one time the token is given.
	Token string `json:"t"`
	Link  string `json:"-"`
}

// requestSent sends the browser that sent the request to its
// confirmation.
func (s *Server) requestSent(w http.ResponseWriter, r *http.Request, reference, token string) {
	s.setPageCookie(w, r, requestSentCookie, requestSentPath, requestSentPath, requestSentData{Reference: reference, Token: token}, requestSentTTL)
	http.Redirect(w, r, requestSentPath, http.StatusSeeOther)
}

// requestSentPage shows the confirmation of the request this browser
// just sent; without it (another browser, or later) it says so and does
// not invite a second request.
func (s *Server) requestSentPage(w http.ResponseWriter, r *http.Request) {
	var d requestSentData
	if !s.pageCookie(r, requestSentCookie, requestSentPath, &d) || d.Reference == "" {
		s.renderMessage(w, r, http.StatusNotFound, "req.sent.gone")
		return
	}
	if d.Token != "" {
		d.Link = s.publicURL + requestPagePathFor(d.Reference, d.Token)
	}
	w.Header().Set("Cache-Control", "private, no-store")
	s.render(w, r, http.StatusOK, "request_sent", &page{Title: "req.sent.title", Data: d})
}
